"""``jsonable_encoder``: turn any Python object into JSON-compatible data.

Defined in ``nimbleapi._encoders``, below the engine that uses it; these are the same objects.
"""

from __future__ import annotations

from . import _lazy
from ._encoders import is_pydantic_v1_model_instance as is_pydantic_v1_model_instance
from .exceptions import PydanticV1NotSupportedError as PydanticV1NotSupportedError
from .types import IncEx as IncEx
from ._encoders import isoformat as isoformat
from ._encoders import decimal_encoder as decimal_encoder
from ._encoders import ENCODERS_BY_TYPE as ENCODERS_BY_TYPE
from ._encoders import generate_encoders_by_class_tuples as generate_encoders_by_class_tuples
from ._encoders import encoders_by_class_tuples as encoders_by_class_tuples
from ._encoders import jsonable_encoder as jsonable_encoder

# The rest of the defining module's namespace (the types it encodes, its helpers'
# modules), as FastAPI's module has it.
_lazy.export_lazily(
    globals(),
    {name: "nimbleapi._encoders" for name in (
        "Any",
        "AnyUrl",
        "BaseModel",
        "Callable",
        "Color",
        "Decimal",
        "Enum",
        "GeneratorType",
        "IPv4Address",
        "IPv4Interface",
        "IPv4Network",
        "IPv6Address",
        "IPv6Interface",
        "IPv6Network",
        "NameEmail",
        "Path",
        "Pattern",
        "PurePath",
        "PyExtraColor",
        "PydanticUndefinedType",
        "SecretBytes",
        "SecretStr",
        "UUID",
        "Url",
        "dataclasses",
        "datetime",
        "defaultdict",
        "deque",
    )},
)
