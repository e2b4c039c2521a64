"""Native OpenTelemetry for nimbleapi applications: ``FastAPI(telemetry={...})``.

Importing this package imports OpenTelemetry's API; nimbleapi itself imports it only
when an application asks for telemetry (install ``nimbleapi[telemetry]``).
"""

from ._api import TelemetryConfig as TelemetryConfig
from ._api import TelemetryData as TelemetryData
from ._api import get_telemetry_data as get_telemetry_data
