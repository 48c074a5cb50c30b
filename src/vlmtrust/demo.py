"""``make demo``: scan the embedded default model and write a report.

Until the zoo's trained model organisms land, the default model is a tiny random CLIP built from a
config (so its accuracy sits near chance: the demo shows the pipeline, not a finding).
"""

from __future__ import annotations

from pathlib import Path

from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.report.rows import load_runs
from vlmtrust.report.text import to_json, to_markdown
from vlmtrust.report.write import write_atomically
from vlmtrust.runner import run


def run_demo(out: Path, limit: int | None = None) -> Path:
    from vlmtrust.models.tiny import build_tiny_clip

    model_dir = out / "model"
    if not (model_dir / "config.json").is_file():
        build_tiny_clip(model_dir, seed=0)
    config = RunConfig(
        model=f"hf:{model_dir}",
        tasks=(Spec(name="robustness.zero_shot"),),
        out=out,
        limit=limit,
    )
    run(config)
    runs = load_runs([out])
    write_atomically(out / "report.json", to_json(runs))
    report = out / "report.md"
    write_atomically(report, to_markdown(runs))
    return report
