"""``vlmtrust train federated`` end to end on a tiny hf: CLIP (Tunable): rows written, read back,
the artifact reused by a second run; bad options are one line and exit 2."""

import json

import pytest
from cli_run import run_cli


@pytest.mark.slow
def test_train_federated_on_a_tiny_hf_clip_writes_rows(tmp_path, tiny_clip):
    args = [
        "train", "federated", "--model", f"hf:{tiny_clip}", "--clients", "2", "--rounds", "2",
        "--partition", "dirichlet:0.5", "--dp", "epsilon=8,clip=0.1", "--secure-aggregation",
        "--inversion-images", "1", "--inversion-steps", "3", "--out", str(tmp_path / "fed"),
    ]  # fmt: skip
    first = run_cli(*args)
    assert first.code == 0, first.stderr
    rows = json.loads((tmp_path / "fed" / "federated_rows.json").read_text())
    metrics = [r["metric"] for r in rows]
    assert metrics.count("accuracy") == 3 and metrics.count("client_accuracy") == 2
    assert {
        "upload_bytes_total",
        "key_bytes_total",
        "epsilon",
        "psnr_gain_prior",
        "psnr_gain_prior_dp",
    } <= set(metrics)
    final = next(r for r in rows if r["metric"] == "accuracy_final")
    assert final["n"] == 256 and final["ci_low"] <= final["value"] <= final["ci_high"]
    epsilon = next(r for r in rows if r["metric"] == "epsilon")
    assert 0 < epsilon["value"] <= 8
    upload = [r["value"] for r in rows if r["metric"] == "upload_bytes"]
    assert len(upload) == 2 and all(v > 0 for v in upload)
    again = run_cli(*args)
    assert again.code == 0 and "training federated" not in again.stderr  # the cached artifact


def test_train_federated_bad_options_are_one_line(tmp_path):
    for option, value, problem in (
        ("--partition", "dirichlet:-1", "unknown partition"),
        ("--strategy", "fedavg:mu=1", "--strategy"),
        ("--dp", "epsilon=8,noise=1", "--dp"),
    ):
        result = run_cli(
            "train", "federated", "--model", "zoo:clip", "--out", str(tmp_path / "x"), option, value
        )
        assert result.code == 2 and problem in result.stderr
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
