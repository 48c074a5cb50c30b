"""``make demo``: scan the embedded zoo models and write one report.

``zoo:clip`` gets the zero-shot robustness scan, ``zoo:assistant`` the visual question
answering one; both on world scenes, both under corruptions. Re-running reuses every result.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.report.rows import load_runs
from vlmtrust.report.text import to_json, to_markdown
from vlmtrust.report.write import write_atomically
from vlmtrust.runner import run

DEMO_SCANS = (
    ("zoo:clip", Spec(name="robustness.zero_shot")),
    ("zoo:assistant", Spec(name="robustness.vqa")),
)


def run_demo(out: Path, limit: int | None = None) -> Path:
    console = Console(stderr=True)
    run_dirs = []
    for model, task in DEMO_SCANS:
        run_dir = out / model.replace(":", "-")
        console.print(f"[bold]{model}[/]: {task.name}")
        run(RunConfig(model=model, tasks=(task,), out=run_dir, limit=limit), console)
        run_dirs.append(run_dir)
    runs = load_runs(run_dirs)
    write_atomically(out / "report.json", to_json(runs))
    report = out / "report.md"
    write_atomically(report, to_markdown(runs))
    return report
