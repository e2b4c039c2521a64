"""Analysis: endpoint and dependency signatures -> plain route plans, once per route."""
