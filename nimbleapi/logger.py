"""The framework's logger; named ``fastapi`` so that existing logging configuration applies."""

import logging

logger = logging.getLogger("fastapi")
