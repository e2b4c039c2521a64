"""Behaviour of the core framework: routing, parameters, bodies, responses, errors, dependencies."""
