"""Run ``vlmtrust sanitize`` with small image batches that stall forever after the second,
so a test can kill it mid-run deterministically (one 64-row batch finished too fast to catch).

Usage: python stalled_sanitize.py ARGS... (the arguments of ``vlmtrust sanitize``).
"""

import sys
import time
from typing import Any

from vlmtrust.cli.main import main
from vlmtrust.sanitize import pipeline

BATCH = 2
BATCHES_BEFORE_STALL = 2

_real = pipeline._process_batch
_calls = 0


def _stalling(*args: Any, **kwargs: Any) -> Any:
    global _calls
    _calls += 1
    if _calls > BATCHES_BEFORE_STALL:
        time.sleep(3600)  # the test kills the process here
    return _real(*args, **kwargs)


pipeline.IMAGE_BATCH = BATCH
pipeline._process_batch = _stalling
sys.argv = ["vlmtrust", "sanitize", *sys.argv[1:]]
main()
