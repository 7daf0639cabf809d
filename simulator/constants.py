"""Names and limits that more than one module needs, each decided here once."""

import re

CONTROL_PREFIX = "/__sim"
"""The simulator's own control API lives under this prefix; the emulated APIO API never does."""

NAMESPACE_HEADER = "X-Apio-Sim-Namespace"
FAULT_HEADER = "X-Apio-Sim-Fault"
DEFAULT_NAMESPACE = "default"
NAMESPACE_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}"
NAMESPACE_NAME = re.compile(NAMESPACE_PATTERN)
MAX_NAMESPACES = 1000

MAX_BODY_BYTES = 1024 * 1024
"""Bodies to the emulated API above this size are refused with 413."""
MAX_SCENARIO_BYTES = 64 * 1024 * 1024
"""Scenarios loaded through PUT /__sim/scenario may be this large."""

# Limits that hold in total (docs/control/limits.md); each is an option of create_app and of `serve`.
MAX_NESTING = 64
"""Levels of objects and lists a scenario may nest (a real one needs about ten)."""
MAX_ALIAS_NODES = 100_000
"""Values YAML aliases may add to a scenario once expanded (an alias bomb expands to billions)."""
MAX_CALLS = 2_000_000
"""Calls one scenario load may build, explicit and generated together."""
BUILD_SECONDS = 60.0
"""A scenario load still building after this long is cancelled."""
MAX_FAULT_RULES = 1000
"""Fault rules one namespace may hold."""
JOURNAL_BYTES = 64 * 1024 * 1024
"""Bytes the journals of all namespaces keep together; the oldest entries anywhere go first."""
MAX_LOGINS = 100_000
"""Sessions and tokens held at once by all namespaces together."""
KEEPALIVE_TIMEOUT = 15.0
"""Seconds an idle connection stays open (aiohttp's own default is an hour)."""
BODY_TIMEOUT = 30.0
"""Seconds a request's body may take to arrive once its headers are in; then 408 and the connection closes."""
MAX_CONNECTIONS = 900
"""Connections open at once; beyond, a new one is answered 503 and closed (below a 1,024-descriptor limit)."""

JOURNAL_SIZE = 1000
"""Requests each namespace's journal keeps by default."""

SCENARIO_CACHE_SIZE = 16
"""Built scenarios kept for reuse (by the hash of their text and of their content), least recently used
dropped first; the base scenario and the scenarios namespaces run on stay alive however many there are."""

INTERNAL_ERRORS_KEPT = 20
"""Simulator-internal errors each namespace remembers, for the pytest plugin's failure report."""

INTERNAL_ERROR_MESSAGE = "Internal simulator error; the server log has the details."
