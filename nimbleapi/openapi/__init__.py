"""OpenAPI document models, generation and the interactive documentation pages."""
