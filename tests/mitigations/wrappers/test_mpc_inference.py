"""``--mitigate mpc_inference``: zero-shot scored on shares among 3 local MPyC processes, on the
baseline's samples, with the private_inference rows; a missing extra is a one-line error."""

import pytest
from missing_extra import assert_missing_extra_refused

from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.runner import run

N = 5


@pytest.mark.slow
def test_scan_with_mpc_inference_produces_the_rows(tmp_path):
    tasks = (
        Spec(name="robustness.zero_shot", params={"n": N, "corruptions": []}),
        Spec(name="privacy.private_inference", params={"n": N}),
    )
    config = RunConfig(
        model="zoo:clip",
        tasks=tasks,
        mitigations=("mpc_inference",),
        out=tmp_path,
        show_progress=False,
    )
    rows = {(r.task, r.mitigation, r.metric): r for r in run(config).metrics}
    base = rows["robustness.zero_shot", "none", "accuracy"]
    mpc = rows["robustness.zero_shot", "mpc_inference", "accuracy"]
    assert (base.value, base.n) == (mpc.value, mpc.n)
    task = "privacy.private_inference"
    assert rows[task, "mpc_inference", "argmax_agreement"].value == 1.0
    assert rows[task, "mpc_inference", "logit_abs_error_max"].value <= 1e-3
    details = rows[task, "mpc_inference", "bytes_per_image"].details
    assert details["parties"] == 3 and details["frac_bits"] == 20
    assert (
        rows[task, "mpc_inference", "bytes_per_image"].value
        > rows[task, "none", "bytes_per_image"].value
    )


def test_missing_extra_is_one_line_exit_2(tmp_path, monkeypatch):
    assert_missing_extra_refused(tmp_path, monkeypatch, "mpc_inference", "mpyc")
