"""``--mitigate mpc_inference``: zero-shot scored on shares among 3 local MPyC processes, on the
baseline's samples, with the private_inference rows; a missing extra is a one-line error."""

import pytest
from missing_extra import assert_missing_extra_refused
from private_scan import private_scan_rows

N = 5


@pytest.mark.slow
def test_scan_with_mpc_inference_produces_the_rows(tmp_path):
    rows = private_scan_rows(tmp_path, "mpc_inference", N)
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
