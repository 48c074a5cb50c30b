"""Progress inside one work unit (issue 27): a gradient inversion's steps or a red-team
campaign's rounds take minutes on a real-size model, while the scan's bar only moves when a
whole unit ends. A task says where it is with :func:`report_step`; the runner shows it beside the
bar. Nothing listens outside a scan (a task run directly, a Ray worker): the call does nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_LISTENER: ContextVar[Callable[[str], None] | None] = ContextVar("unit_progress", default=None)


def report_step(where: str) -> None:
    """Tell the scan's progress display where the running unit is (``where``: a short line,
    e.g. ``image 2/4 step 40/81``)."""
    listener = _LISTENER.get()
    if listener is not None:
        listener(where)


@contextmanager
def listening(listener: Callable[[str], None]) -> Iterator[None]:
    """Route :func:`report_step` calls made inside the block to ``listener``."""
    token = _LISTENER.set(listener)
    try:
        yield
    finally:
        _LISTENER.reset(token)
