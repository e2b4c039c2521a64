"""Business logic: what the routes do, apart from HTTP."""
