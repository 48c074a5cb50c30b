"""A new task written in a few lines: it scores, declares two metrics and a per-group
breakdown, and the framework builds, stamps and stores the rows the report then shows."""

from __future__ import annotations

from vlmtrust.core.records import Sample, Score
from vlmtrust.core.spec import Params, Spec
from vlmtrust.data import world
from vlmtrust.metrics.declared import by_group, mean, rate
from vlmtrust.plugins import TASKS
from vlmtrust.tasks.base import Task


class ShapeCheck(Task):  # the whole task: 26 lines, two metrics and a per-group breakdown
    Params = Params
    requires = ("Classifier",)
    metrics = (rate("correct", "accuracy"), mean("margin"), by_group(rate("correct"), "colour"))

    def samples(self, ctx) -> list[Sample]:
        return world.generate(ctx.seed, ctx.limit or 20)

    def conditions(self) -> list[Spec]:
        return [Spec(name="none")]

    def score(self, model, samples) -> list[list[Score]]:
        names = list(world.SHAPES)
        logits = model.classify([s.load_image() for s in samples], names)
        out = []
        for sample, row in zip(samples, logits, strict=True):
            top = sorted(row)[-2:]
            details = {"colour": sample.labels["colour"]}
            right = float(names[int(row.argmax())] == sample.labels["shape"])
            out.append(
                [
                    Score(sample_id=sample.id, metric="correct", value=right, details=details),
                    Score(sample_id=sample.id, metric="margin", value=float(top[1] - top[0])),
                ]
            )
        return out  # fmt: skip


NAME = "robustness.shape_check"


def test_a_declared_task_runs_end_to_end_and_reaches_the_report(tmp_path, monkeypatch):
    # registered for this test only: `--suite robustness` elsewhere must not pick it up
    monkeypatch.setattr(TASKS, "_entries", dict(TASKS._entries))
    TASKS.add(NAME, ShapeCheck, "a task written in a test")
    from vlmtrust.core.config import RunConfig
    from vlmtrust.report.build import ReportFormat, build_report
    from vlmtrust.runner import run

    summary = run(RunConfig(model="zoo:clip", tasks=(Spec(name=NAME),), out=tmp_path, limit=24))
    rows = {r.metric: r for r in summary.metrics}
    assert {"accuracy", "margin", "correct_gap"} <= set(rows)
    assert rows["accuracy"].n == 24 and rows["accuracy"].ci_low <= rows["accuracy"].value
    assert rows["margin"].ci_low <= rows["margin"].value <= rows["margin"].ci_high
    groups = [m for m in rows if m.startswith("correct[group=")]
    assert len(groups) >= 2 and sum(rows[m].n for m in groups) == 24
    assert set(rows["correct_gap"].details["by_group"]) == {m[14:-1] for m in groups}
    assert all(
        r.task == NAME and r.model == "zoo:clip" and r.mitigation == "none" for r in rows.values()
    )
    html, _ = build_report([tmp_path], ReportFormat.html)
    assert f'id="task-{NAME}"' in html and "correct per group" in html
