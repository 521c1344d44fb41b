"""newswire: a news agency's news flow system."""

import time as _time

__version__ = "0.1.0"

IMPORTED_NS = _time.time_ns()
"""When this process imported newswire: a file of its code or data changed after it (an
upgrade in place) may not be what the process runs (``newswire.enrich.warmcache``)."""
