"""Dispatch: finding the route for a request without scanning every route."""
