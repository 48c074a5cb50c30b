"""scan_progress: a step reported inside a unit is shown after the bar until the unit ends
(a terminal console, so rich draws the bar)."""

from __future__ import annotations

import io

from rich.console import Console

from vlmtrust.core.unit_progress import report_step
from vlmtrust.runner.progress import scan_progress


def test_a_step_reported_inside_a_unit_shows_beside_the_bar() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=200)
    with scan_progress(console, 2) as advance:
        report_step("image 1/2 step 7/81")
        advance(1)
    assert "image 1/2 step 7/81" in buffer.getvalue()
    report_step("after the scan: nobody listens")  # no error
