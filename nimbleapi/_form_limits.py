"""Form parsing limits under FastAPI's module path (``fastapi._form_limits``)."""

from ._compile.forms import FormLimits as _FormLimits
from ._compile.forms import _form_limits_adapter
from ._compile.forms import validate_form_limits as _validate_form_limits

__all__ = ["_FormLimits", "_form_limits_adapter", "_validate_form_limits"]
