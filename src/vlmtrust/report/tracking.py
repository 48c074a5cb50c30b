"""Log a stored run to MLflow (``--mlflow URI`` on ``scan``, ``run`` and ``report``).

Teams keep their experiments in MLflow; a scan's numbers belong beside their training runs.
What is logged is read back from the run directory's store after the scan, so a crash never
leaves a half-logged MLflow run claiming to be the scan, and ``vlmtrust report RUN --mlflow URI``
can log a stored run again. MLflow is an optional extra (``pip install 'vlmtrust[mlflow]'``).

Names (stable; docs/reports.md documents them):

- parameters: ``model.spec``, ``model.name``, ``model.fingerprint``, ``seed``, ``limit``,
  ``data``, ``mitigations``, ``vlmtrust_version``, ``commit``, ``run_dir``, and ``task.<name>``
  (each task's parameters as JSON); the whole run header is the artifact ``header.json``;
- one metric per row, ``<task>/<attack>/<mitigation>/<metric>``, with ``.../ci_low``,
  ``.../ci_high`` and ``.../n`` beside it; characters MLflow refuses in a key (anything but
  letters, digits, ``_ - . : /`` and spaces, e.g. ``[group=a]`` or ``eps=8/255``'s ``=``) become
  ``_``; ``findings/<severity>`` counts the findings; ``gates/failed`` the failed gates;
- artifacts: ``report.html`` and ``report.json`` (the same as ``vlmtrust report``).

MLflow's own usage telemetry is switched off (``MLFLOW_DISABLE_TELEMETRY``) unless the user set
it: vlmtrust talks to no server but the one it is given.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.records import MetricRow
from vlmtrust.report.gates import GateResult

_REFUSED = re.compile(r"[^\w\-. :/]")
#: MLflow's limits: key length, parameter value length, entries per log_batch call
MAX_KEY = 250
MAX_PARAM = 6000
BATCH = 1000
INSTALL = "pip install 'vlmtrust[mlflow]' (MLflow is an optional extra)"


def metric_key(row: MetricRow, part: str = "") -> str:
    """The row's MLflow metric name (``part``: ``ci_low``, ``ci_high`` or ``n``)."""
    key = f"{row.task}/{row.attack}/{row.mitigation}/{row.metric}"
    return _REFUSED.sub("_", key + (f"/{part}" if part else ""))[:MAX_KEY]


def check_tracking(uri: str) -> None:
    """Fail before a scan starts when MLflow is missing or an HTTP tracking server does not
    answer, so nothing is scanned that cannot be logged."""
    _mlflow()
    parsed = urlparse(uri)
    if parsed.scheme not in ("http", "https"):
        return
    import httpx

    try:
        httpx.get(uri.rstrip("/") + "/health", timeout=5.0).raise_for_status()
    except httpx.HTTPError as err:
        raise ConfigError(
            f"--mlflow {uri}: the tracking server does not answer ({type(err).__name__})",
            "start it (mlflow server ...) or check the URI",
        ) from err


def log_run(
    run_dir: Path,
    uri: str,
    experiment: str | None = None,
    gates: Sequence[GateResult] = (),
) -> str:
    """Log the run directory's newest complete run; returns the MLflow run id."""
    from vlmtrust.report.build import build_report
    from vlmtrust.report.formats import ReportFormat
    from vlmtrust.store import ResultStore

    mlflow = _mlflow()
    with ResultStore.open_existing(run_dir) as store:
        header = store.latest_header() or {}
        rows = store.metrics()
        findings = store.findings() or []
    client = mlflow.MlflowClient(tracking_uri=uri)
    try:
        experiment_id = _experiment(client, experiment or "vlmtrust")
        name = f"{header.get('model', {}).get('name', '?')} {run_dir.name}"
        run = client.create_run(experiment_id, run_name=name, tags=_tags(run_dir, header))
        run_id = str(run.info.run_id)
        metrics = _metrics(mlflow, rows, findings, gates)
        params = [mlflow.entities.Param(k, v) for k, v in _params(run_dir, header).items()]
        for start in range(0, max(len(metrics), len(params)), BATCH):
            client.log_batch(
                run_id,
                metrics=metrics[start : start + BATCH],
                params=params[start : start + BATCH],
            )
        with tempfile.TemporaryDirectory() as folder:
            for fmt, file in (
                (ReportFormat.html, "report.html"),
                (ReportFormat.json, "report.json"),
            ):
                text, _results = build_report([run_dir], fmt)
                (Path(folder) / file).write_text(text, encoding="utf-8")
                client.log_artifact(run_id, str(Path(folder) / file))
            (Path(folder) / "header.json").write_text(json.dumps(header, indent=2, sort_keys=True))
            client.log_artifact(run_id, str(Path(folder) / "header.json"))
        client.set_terminated(run_id, "FINISHED")
    except mlflow.exceptions.MlflowException as err:
        raise ConfigError(
            f"--mlflow {uri}: MLflow refused the run ({_first_line(err)})",
            f"the results are stored in {run_dir}; log them again with "
            f"`vlmtrust report {run_dir} --mlflow URI`",
        ) from err
    return run_id


def _mlflow() -> Any:
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    # a dead server should fail in seconds, not after minutes of retries
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")
    # MLflow prints run links on stdout, which would corrupt `report --format json` to stdout
    os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")
    try:
        import mlflow
    except ImportError as err:
        raise ConfigError("--mlflow needs MLflow, which is not installed", INSTALL) from err
    return mlflow


def _experiment(client: Any, name: str) -> str:
    found = client.get_experiment_by_name(name)
    return str(found.experiment_id if found is not None else client.create_experiment(name))


def _tags(run_dir: Path, header: dict[str, Any]) -> dict[str, str]:
    return {
        "vlmtrust.run_dir": str(run_dir),
        "vlmtrust.model_fingerprint": str(header.get("model", {}).get("fingerprint", "?")),
        **({"mlflow.source.git.commit": str(header["commit"])} if header.get("commit") else {}),
    }


def _params(run_dir: Path, header: dict[str, Any]) -> dict[str, str]:
    model = header.get("model", {})
    params: dict[str, Any] = {
        "model.spec": model.get("spec"),
        "model.name": model.get("name"),
        "model.fingerprint": model.get("fingerprint"),
        "seed": header.get("seed"),
        "limit": header.get("limit"),
        "data": header.get("data"),
        "mitigations": ",".join(header.get("mitigations") or []) or "none",
        "vlmtrust_version": header.get("vlmtrust_version"),
        "commit": header.get("commit"),
        "run_dir": str(run_dir),
    }
    for task in header.get("tasks") or []:
        if isinstance(task, dict) and "name" in task:
            params[f"task.{task['name']}"] = json.dumps(task.get("params", {}), sort_keys=True)
    return {
        _REFUSED.sub("_", key)[:MAX_KEY]: str(value)[:MAX_PARAM]
        for key, value in params.items()
        if value is not None
    }


def _metrics(
    mlflow: Any, rows: Sequence[MetricRow], findings: Sequence[Any], gates: Sequence[GateResult]
) -> list[Any]:
    import time

    stamp = int(time.time() * 1000)
    values: dict[str, float] = {}
    for row in rows:
        if row.value is None:
            continue
        values[metric_key(row)] = row.value
        if row.ci_low is not None and row.ci_high is not None:
            values[metric_key(row, "ci_low")] = row.ci_low
            values[metric_key(row, "ci_high")] = row.ci_high
        values[metric_key(row, "n")] = float(row.n)
    for finding in findings:
        key = f"findings/{finding.severity}"
        values[key] = values.get(key, 0.0) + 1.0
    if gates:
        values["gates/failed"] = float(sum(1 for g in gates if g.status == "fail"))
    return [mlflow.entities.Metric(k, v, stamp, 0) for k, v in values.items()]


def _first_line(err: Exception) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0][:200]
