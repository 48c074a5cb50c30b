"""One scan of zoo:clip with a private-scoring mitigation: zero-shot accuracy and the
private_inference rows on the same ``n`` samples, keyed by (task, mitigation, metric)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.runner import run


def private_scan_rows(out: Path, mitigation: str, n: int) -> dict[tuple[str, str, str], Any]:
    tasks = (
        Spec(name="robustness.zero_shot", params={"n": n, "corruptions": []}),
        Spec(name="privacy.private_inference", params={"n": n}),
    )
    config = RunConfig(
        model="zoo:clip", tasks=tasks, mitigations=(mitigation,), out=out, show_progress=False
    )
    return {(r.task, r.mitigation, r.metric): r for r in run(config).metrics}
