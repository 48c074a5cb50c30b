"""Ctrl-C that always stops a scan.

Python raises KeyboardInterrupt wherever the main thread is when SIGINT lands. If that is a
destructor (``__del__``, a weakref callback) or a C callback, the exception is printed as
"Exception ignored" and swallowed, and the scan would run on to the end and exit 0. The handler
installed here also records the signal, and the runner checks the record after every stored
batch, so a swallowed Ctrl-C still stops the scan at the next batch boundary.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class InterruptFlag:
    """Set by the SIGINT handler; ``check`` re-raises a Ctrl-C that was swallowed."""

    def __init__(self) -> None:
        self.raised = False

    def check(self) -> None:
        if self.raised:
            raise KeyboardInterrupt


@contextmanager
def interrupt_flag() -> Iterator[InterruptFlag]:
    """Record Ctrl-C while the block runs; leaves a handler someone else installed alone."""
    flag = InterruptFlag()
    on_main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGINT) if on_main else None
    if previous is not signal.default_int_handler:
        yield flag
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        flag.raised = True
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)
