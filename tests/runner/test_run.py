"""The runner against a real tiny CLIP checkpoint and a real on-disk SQLite store."""

import sqlite3

import pytest

from vlmtrust.core.config import RunConfig
from vlmtrust.core.errors import CapabilityError, ConfigError
from vlmtrust.core.spec import Spec
from vlmtrust.models.base import ModelHandle
from vlmtrust.runner import run


def _config(clip_dir, out, **params) -> RunConfig:
    task = {"n": 12, "corruptions": ["jpeg", "contrast"], **params}
    return RunConfig(
        model=f"hf:{clip_dir}",
        tasks=(Spec(name="robustness.zero_shot", params=task),),
        out=out,
        batch_size=5,
        show_progress=False,
    )


def _results(out) -> list[tuple]:
    db = sqlite3.connect(out / "results.sqlite")
    try:
        return db.execute("SELECT * FROM results ORDER BY key").fetchall()
    finally:
        db.close()


def test_second_identical_scan_reuses_everything_with_no_model_calls(tiny_clip, tmp_path):
    config = _config(tiny_clip, tmp_path / "run")
    first = run(config)
    assert (first.planned, first.reused, first.executed) == (36, 0, 36)
    assert first.model_calls > 0
    before = _results(tmp_path / "run")
    second = run(config)
    assert (second.planned, second.reused, second.executed) == (36, 36, 0)
    assert second.model_calls == 0
    assert _results(tmp_path / "run") == before
    assert second.metrics == first.metrics


def test_recompute_runs_everything_again_and_replaces_what_was_stored(tiny_clip, tmp_path):
    config = _config(tiny_clip, tmp_path / "run")
    first = run(config)
    db = sqlite3.connect(tmp_path / "run" / "results.sqlite")
    with db:  # a stored result that no longer says what the model does
        db.execute("UPDATE results SET scores = '[]'")
    db.close()
    again = run(config.model_copy(update={"recompute": True}))
    assert (again.planned, again.reused, again.executed) == (36, 0, 36)
    assert again.model_calls > 0
    assert all(row[-1] != "[]" for row in _results(tmp_path / "run"))
    assert again.metrics == first.metrics  # the model is deterministic: the scan reproduces


def test_only_the_changed_condition_runs_again(tiny_clip, tmp_path):
    run(_config(tiny_clip, tmp_path / "run"))
    more = run(
        _config(tiny_clip, tmp_path / "run", corruptions=["jpeg", "contrast", "gaussian_blur"])
    )
    assert (more.reused, more.executed) == (36, 12)


def test_metric_rows_carry_n_and_wilson_intervals(tiny_clip, tmp_path):
    summary = run(_config(tiny_clip, tmp_path / "run"))
    rows = {(r.attack, r.metric): r for r in summary.metrics}
    clean = rows[("none", "accuracy")]
    assert clean.n == 12 and clean.ci_low <= clean.value <= clean.ci_high
    assert clean.details["chance"] == pytest.approx(1 / 8)
    jpeg_label = "corruption.jpeg"
    drop = rows[(jpeg_label, "accuracy_drop")]
    jpeg = rows[(jpeg_label, "accuracy")]
    assert drop.value == pytest.approx(clean.value - jpeg.value)


def test_bad_inputs_fail_before_anything_is_written(tiny_clip, tmp_path):
    out = tmp_path / "run"
    with pytest.raises(ConfigError, match="severity"):
        run(_config(tiny_clip, out, severity=9))
    with pytest.raises(CapabilityError, match="not a Generator"):
        from vlmtrust.tasks.robustness.zero_shot import ZeroShot

        class NeedsGenerator(ZeroShot):
            requires = ("Generator",)

        from vlmtrust.plugins import TASKS

        if "test.needs_generator" not in TASKS:
            TASKS.add("test.needs_generator", NeedsGenerator, "test only")
        run(
            _config(tiny_clip, out).model_copy(
                update={"tasks": (Spec(name="test.needs_generator"),)}
            )
        )
    assert not out.exists()


def _skew_scan(out, limit, **params):
    from io import StringIO

    from rich.console import Console

    from vlmtrust.report.build import ReportFormat, build_report

    config = RunConfig(
        model="zoo:clip",
        tasks=(Spec(name="fairness.retrieval_skew", params=params),),
        out=out,
        limit=limit,
        show_progress=False,
    )
    said = StringIO()
    summary = run(config, Console(file=said, width=300))
    markdown = build_report([out], ReportFormat.md)[0]
    return summary, said.getvalue(), markdown


def test_a_limit_below_a_tasks_minimum_warns_and_marks_its_rows(tmp_path):
    """--limit 100 on retrieval_skew: 10 sub-pools of 10 images cannot show a top-10 skew."""
    summary, said, markdown = _skew_scan(tmp_path / "small", 100)
    assert "underpowered task fairness.retrieval_skew: 100 samples" in said
    assert "raise --limit to 1000 or more" in said
    assert summary.metrics and all(
        r.details["underpowered"]
        == {
            "n_samples": 100,
            "minimum": 1000,
            "why": "each of its 10 sub-pools needs at least 10 x k = 100 images for a top-10 "
            "skew to show",
            "fix": "raise --limit to 1000 or more",
        }
        for r in summary.metrics
    )
    assert "underpowered: 100 samples < 1000" in markdown
    from vlmtrust.report.build import ReportFormat, build_report

    html = build_report([tmp_path / "small"], ReportFormat.html)[0]
    assert 'title="underpowered: 100 samples &lt; 1000' in html


def test_enough_samples_for_the_minimum_marks_nothing(tmp_path):
    summary, said, markdown = _skew_scan(tmp_path / "enough", 100, k=1, pools=10, pairs=50)
    assert "underpowered" not in said and "underpowered" not in markdown
    assert summary.metrics and not any("underpowered" in r.details for r in summary.metrics)


def test_a_mitigation_the_model_cannot_take_says_to_drop_the_mitigation():
    from vlmtrust.runner.run import parse_variant

    handle = ModelHandle(
        spec="zoo:assistant",
        kind="zoo",
        name="zoo:assistant",
        fingerprint="f",
        capabilities=frozenset({"Generator"}),
    )
    with pytest.raises(CapabilityError) as caught:
        parse_variant("debias_projection", handle)
    message = str(caught.value)
    assert "is not an Embedder, which mitigation debias_projection needs" in message
    assert "drop the mitigation from --mitigate" in message and "--suite" not in message
