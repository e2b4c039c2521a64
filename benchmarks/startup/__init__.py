"""Start-up costs: import time, building a 1,000-route app, its OpenAPI document, resident memory."""
