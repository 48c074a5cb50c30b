"""``--mlflow URI``: a scan logged to a real local MLflow tracking server (sqlite backend) is
read back through the MLflow client: its parameters, every metric row under its documented
name (value, interval, n) and the HTML/JSON reports as artifacts; a dead server stops the scan
before anything runs; the server's processes are gone afterwards."""

from __future__ import annotations

import json

import pytest
from cli_run import run_cli
from mlflow_server import free_port, group_alive, mlflow_server

from vlmtrust.core.records import MetricRow
from vlmtrust.report.tracking import metric_key
from vlmtrust.store import ResultStore

SCAN = ("--model", "zoo:clip", "--task", "robustness.zero_shot", "--limit", "8", "--quiet")


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_scan_logged_to_mlflow_reads_back_through_the_client(tmp_path):
    import mlflow

    (tmp_path / "server").mkdir()
    out = tmp_path / "run"
    with mlflow_server(tmp_path / "server") as (uri, group):
        result = run_cli("scan", *SCAN, "--out", str(out), "--mlflow", uri)
        assert result.code == 0, result.stderr
        assert "logged to MLflow run" in result.stderr
        client = mlflow.MlflowClient(tracking_uri=uri)
        experiment = client.get_experiment_by_name("vlmtrust")
        (run,) = client.search_runs([experiment.experiment_id])
        with ResultStore.open_existing(out) as store:
            rows = store.metrics()
            header = store.latest_header() or {}
        params, metrics = run.data.params, run.data.metrics
        assert params["model.spec"] == "zoo:clip" and params["limit"] == "8"
        assert params["model.fingerprint"] == header["model"]["fingerprint"]
        assert json.loads(params["task.robustness.zero_shot"])["n"] == 200
        scored = [r for r in rows if r.value is not None]
        assert scored
        for row in scored:
            assert metrics[metric_key(row)] == pytest.approx(row.value)
            assert metrics[metric_key(row, "n")] == row.n
        assert run.info.status == "FINISHED"
        names = {a.path for a in client.list_artifacts(run.info.run_id)}
        assert {"report.html", "report.json", "header.json"} <= names
        local = client.download_artifacts(run.info.run_id, "report.json", str(tmp_path))
        with open(local) as logged_file:
            logged = json.load(logged_file)["rows"]
        assert len(logged) == len(rows)
        # logging again from the stored run is a second MLflow run with the same numbers
        again = run_cli("report", str(out), "--format", "json", "--mlflow", uri)
        assert again.code == 0, again.stderr
        assert json.loads(again.stdout)["rows"]  # stdout holds the report and nothing else
        runs = client.search_runs([experiment.experiment_id])
        assert len(runs) == 2
        assert runs[0].data.metrics == runs[1].data.metrics
    assert not group_alive(group)  # the server and its workers are gone


def test_a_dead_tracking_server_stops_the_scan_before_it_runs(tmp_path):
    out = tmp_path / "run"
    dead = f"http://127.0.0.1:{free_port()}"
    result = run_cli("scan", *SCAN, "--out", str(out), "--mlflow", dead)
    assert result.code == 2
    assert result.stderr.count("\n") == 1 and "does not answer" in result.stderr
    assert not out.exists()


def test_metric_names_keep_only_what_mlflow_accepts():
    row = MetricRow(
        task="fairness.group_performance", attack="pgd:eps=8/255", mitigation="none",
        metric="accuracy[group=a b]", value=0.5, ci_low=0.4, ci_high=0.6, n=10, model="m",
    )  # fmt: skip
    assert metric_key(row) == "fairness.group_performance/pgd:eps_8/255/none/accuracy_group_a b_"
    assert metric_key(row, "ci_low").endswith("/ci_low")


def test_a_plans_mlflow_key_is_checked_before_any_scan(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    dead = f"http://127.0.0.1:{free_port()}"
    plan = tmp_path / "plan.toml"
    plan.write_text(
        f'out = "runs/plan"\nmodels = ["zoo:clip"]\ntasks = ["robustness.zero_shot"]\n'
        f'limit = 4\nmlflow = "{dead}"\n'
    )
    result = run_cli("run", str(plan))
    assert result.code == 2
    assert result.stderr.count("\n") == 1 and "plan.toml:5" in result.stderr
    assert not (tmp_path / "runs").exists()
