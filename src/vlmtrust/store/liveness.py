"""Whether the process that started a run is still alive.

A scan killed with ``kill -9`` (or by the OOM killer, or a power cut) never writes its run's
final status, so the run would read "running" forever. Each run therefore records its process:
pid, host, and on Linux the boot id and the process's start time, which tell a pid the kernel
has since reused from the original. A run is *gone* only when that is certain: same host and
the pid no longer exists, is a zombie, or belongs to a later process. A run started on another
host (a store on a shared disk) is never judged, so a scan running there is never marked.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Owner:
    """The process that runs a scan."""

    pid: int
    host: str
    #: ``boot_id:start_ticks`` where /proc offers them, else None (then the pid alone decides)
    started: str | None = None


def this_process() -> Owner:
    return Owner(pid=os.getpid(), host=socket.gethostname(), started=_started(os.getpid()))


def is_gone(owner: Owner) -> bool:
    """True when the owner has certainly exited (on this host); False while it runs or when
    this host cannot tell."""
    if owner.host != socket.gethostname() or owner.pid <= 0:
        return False
    try:
        os.kill(owner.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # it exists, as another user's process
    except OSError:
        return False
    stat = _stat(owner.pid)
    if stat is None:
        return False
    state, started = stat
    if state in ("Z", "X"):  # exited, not yet reaped by its parent
        return True
    return owner.started is not None and started is not None and started != owner.started


def _started(pid: int) -> str | None:
    stat = _stat(pid)
    return None if stat is None else stat[1]


def _stat(pid: int) -> tuple[str, str | None] | None:
    """(state, ``boot_id:start_ticks``) from /proc, or None where there is no /proc."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    try:
        boot_id = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        boot_id = ""
    # the command name (field 2) may hold spaces and parentheses: split after its last ")"
    fields = text[text.rfind(")") + 2 :].split()
    if len(fields) < 20:
        return None
    return fields[0], f"{boot_id}:{fields[19]}"
