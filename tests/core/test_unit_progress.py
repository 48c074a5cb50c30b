"""report_step: silent with no listener (a task run outside a scan), routed to the innermost
listener inside ``listening``, and the outer one back after the block."""

from __future__ import annotations

from vlmtrust.core.unit_progress import listening, report_step


def test_steps_reach_the_innermost_listener_and_nothing_listens_outside() -> None:
    outer: list[str] = []
    inner: list[str] = []
    report_step("nobody hears this")
    with listening(outer.append):
        report_step("a")
        with listening(inner.append):
            report_step("b")
        report_step("c")
    report_step("after")
    assert (outer, inner) == (["a", "c"], ["b"])
