"""glibc malloc settings for torch's large, short-lived buffers. By default glibc hands freed
blocks of a few MB back to the OS at once (dynamic mmap threshold, 128 KB trim threshold), so
every PGD step or batch maps fresh pages again: hundreds of thousands of minor page faults
and seconds of system time per scan. Keeping blocks up to 32 MB on the heap and trimming only
above 128 MB removes them (bench/allocator.py measures it). ``mallopt`` sets the same
parameters as the ``MALLOC_*_`` variables, at run time, so no re-exec is needed."""

from __future__ import annotations

import ctypes
import os
import sys

#: mallopt parameter numbers from glibc's malloc.h
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
#: bytes: blocks up to this size come from the heap, not from a fresh mmap (glibc's maximum)
MMAP_THRESHOLD = 32 * 1024 * 1024
#: bytes: free memory at the top of the heap is returned to the OS only above this
TRIM_THRESHOLD = 128 * 1024 * 1024
#: set to 0 to leave glibc's defaults
SWITCH = "VLMTRUST_MALLOC_TUNING"
#: a user who set glibc's own variables keeps their values
GLIBC_VARIABLES = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")


def tune_allocator() -> bool:
    """Apply the settings; True when they are in force (glibc on Linux, not switched off by
    ``VLMTRUST_MALLOC_TUNING=0``, glibc's own variables not set). Safe to call repeatedly."""
    if os.environ.get(SWITCH, "1").strip() == "0" or not sys.platform.startswith("linux"):
        return False
    if any(name in os.environ for name in GLIBC_VARIABLES) or not _is_glibc():
        return False
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    return bool(
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
        and libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )


def _is_glibc() -> bool:
    try:
        return os.confstr("CS_GNU_LIBC_VERSION") is not None
    except (ValueError, OSError):  # no such name: not glibc
        return False
