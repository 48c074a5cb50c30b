"""``make demo``: scan the embedded zoo models and write one report.

``zoo:clip`` gets the zero-shot, calibration and OOD robustness scans, ``zoo:assistant`` the
visual question answering one; all on world scenes. The last step writes one self-contained
HTML report of both (plus JSON and Markdown). Re-running reuses every result.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.report.build import ReportFormat, build_report
from vlmtrust.report.write import write_atomically
from vlmtrust.runner import run

DEMO_SCANS: tuple[tuple[str, tuple[Spec, ...]], ...] = (
    (
        "zoo:clip",
        (
            Spec(name="robustness.zero_shot"),
            Spec(name="robustness.calibration"),
            Spec(name="robustness.ood"),
        ),
    ),
    ("zoo:assistant", (Spec(name="robustness.vqa"),)),
)


#: samples per task: enough for intervals a few points wide, small enough for a quick demo
DEMO_LIMIT = 100


def run_demo(out: Path, limit: int | None = DEMO_LIMIT) -> Path:
    console = Console(stderr=True)
    run_dirs = []
    for model, tasks in DEMO_SCANS:
        run_dir = out / model.replace(":", "-")
        console.print(f"[bold]{model}[/]: {', '.join(t.name for t in tasks)}")
        run(RunConfig(model=model, tasks=tasks, out=run_dir, limit=limit), console)
        run_dirs.append(run_dir)
    for fmt, name in ((ReportFormat.json, "report.json"), (ReportFormat.md, "report.md")):
        write_atomically(out / name, build_report(run_dirs, fmt)[0])
    report = out / "report.html"
    write_atomically(report, build_report(run_dirs, ReportFormat.html)[0])
    return report
