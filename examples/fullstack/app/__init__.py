"""A blog-style API written with FastAPI's API: users, posts, auth, Redis features and events."""
