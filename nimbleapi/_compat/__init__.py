"""``fastapi._compat``: the Pydantic helpers FastAPI extensions import, with FastAPI's layout.

``shared`` holds the annotation helpers and ``v2`` the field and schema helpers; both
delegate to nimbleapi's engine (``_plan``, ``_openapi``). Only Pydantic v2 is supported.
"""

from . import shared as shared
from . import v2 as v2
from .shared import PYDANTIC_VERSION_MINOR_TUPLE as PYDANTIC_VERSION_MINOR_TUPLE
from .shared import annotation_is_pydantic_v1 as annotation_is_pydantic_v1
from .shared import field_annotation_is_scalar as field_annotation_is_scalar
from .shared import field_annotation_is_scalar_sequence as field_annotation_is_scalar_sequence
from .shared import field_annotation_is_sequence as field_annotation_is_sequence
from .shared import is_bytes_or_nonable_bytes_annotation as is_bytes_or_nonable_bytes_annotation
from .shared import is_bytes_sequence_annotation as is_bytes_sequence_annotation
from .shared import is_pydantic_v1_model_instance as is_pydantic_v1_model_instance
from .shared import is_uploadfile_or_nonable_uploadfile_annotation as is_uploadfile_or_nonable_uploadfile_annotation
from .shared import is_uploadfile_sequence_annotation as is_uploadfile_sequence_annotation
from .shared import lenient_issubclass as lenient_issubclass
from .shared import sequence_annotation_to_type as sequence_annotation_to_type
from .shared import sequence_types as sequence_types
from .shared import value_is_sequence as value_is_sequence
from .v2 import ModelField as ModelField
from .v2 import PydanticSchemaGenerationError as PydanticSchemaGenerationError
from .v2 import RequiredParam as RequiredParam
from .v2 import Undefined as Undefined
from .v2 import Url as Url
from .v2 import copy_field_info as copy_field_info
from .v2 import create_body_model as create_body_model
from .v2 import evaluate_forwardref as evaluate_forwardref
from .v2 import get_cached_model_fields as get_cached_model_fields
from .v2 import get_definitions as get_definitions
from .v2 import get_flat_models_from_fields as get_flat_models_from_fields
from .v2 import get_missing_field_error as get_missing_field_error
from .v2 import get_model_name_map as get_model_name_map
from .v2 import get_schema_from_model_field as get_schema_from_model_field
from .v2 import is_scalar_field as is_scalar_field
from .v2 import serialize_sequence_value as serialize_sequence_value
from .v2 import with_info_plain_validator_function as with_info_plain_validator_function
