"""``make demo``: scan the embedded zoo models, fix what can be fixed, and write one report.

Every pillar gets a task whose planted flaw it finds, and each planted flaw a mitigation scanned
beside the baseline on the same samples (``pbm`` for the occupation skew, ``outlier_exposure``
for the over-confidence out of distribution, ``output_guard`` for the persona insults, ``guard``
for the typographic jailbreak, ``knowledge_sanitization`` for the memorised canaries), so the
report shows measure -> fix -> re-measure. The two trainers fine-tune once (about a minute on a
laptop CPU) and are cached. The last step writes one
self-contained HTML report (plus JSON and Markdown). Re-running reuses every result.
The CLI prints the report's path, then the worst findings of both scans, as ``scan`` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from vlmtrust.core.config import RunConfig
from vlmtrust.core.outputs import check_output_dir
from vlmtrust.core.records import Finding
from vlmtrust.core.spec import Spec
from vlmtrust.metrics.findings import rank
from vlmtrust.report.build import ReportFormat, build_report
from vlmtrust.report.write import write_atomically
from vlmtrust.runner import run

#: samples per task: enough for intervals a few points wide, small enough for a quick demo
DEMO_LIMIT = 100

#: (model, tasks, mitigations scanned beside the baseline, samples per task: None = the task's
#: default; the retrieval skew needs its whole group-balanced pool to show the planted bias)
DEMO_SCANS: tuple[tuple[str, tuple[Spec, ...], tuple[str, ...], int | None], ...] = (
    (
        "zoo:clip",
        (
            Spec(name="robustness.zero_shot"),
            Spec(name="robustness.calibration"),
            Spec(name="robustness.ood"),
            Spec(name="fairness.retrieval_skew"),
            Spec(name="privacy.attribute_inference"),
        ),
        ("pbm", "outlier_exposure"),
        None,
    ),
    (
        "zoo:assistant",
        (
            Spec(name="robustness.vqa"),
            Spec(name="safety.jailbreak"),
            Spec(name="safety.toxicity"),
            Spec(name="privacy.memorization"),
        ),
        ("output_guard", "guard", "knowledge_sanitization"),
        DEMO_LIMIT,
    ),
)


@dataclass(frozen=True)
class DemoResult:
    """Where the HTML report is, and what both scans found (worst first)."""

    report: Path
    findings: list[Finding]


def run_demo(out: Path, limit: int | None = None) -> DemoResult:
    """``limit`` overrides every scan's own sample count (tests use a small one)."""
    check_output_dir(out)
    console = Console(stderr=True)
    run_dirs = []
    findings: list[Finding] = []
    for model, tasks, mitigations, scan_limit in DEMO_SCANS:
        run_dir = out / model.replace(":", "-")
        names = ", ".join(t.name for t in tasks)
        console.print(f"[bold]{model}[/]: {names}; mitigated with {', '.join(mitigations)}")
        config = RunConfig(
            model=model,
            tasks=tasks,
            mitigations=mitigations,
            out=run_dir,
            limit=limit or scan_limit,
        )
        findings += run(config, console).findings
        run_dirs.append(run_dir)
    for fmt, name in ((ReportFormat.json, "report.json"), (ReportFormat.md, "report.md")):
        write_atomically(out / name, build_report(run_dirs, fmt)[0])
    report = out / "report.html"
    write_atomically(report, build_report(run_dirs, ReportFormat.html)[0])
    return DemoResult(report, rank(findings))
