"""``--mitigate he_inference``: zero-shot scored through CKKS on the baseline's samples, with the
private_inference rows; a missing extra is a one-line error, exit 2."""

import numpy as np
import pytest
from missing_extra import assert_missing_extra_refused
from private_scan import private_scan_rows

from vlmtrust.core.spec import Spec
from vlmtrust.data import world
from vlmtrust.mitigations.base import build_mitigation
from vlmtrust.models.base import resolve_model

N = 6


@pytest.mark.slow
def test_scan_with_he_inference_produces_the_rows(tmp_path):
    rows = private_scan_rows(tmp_path, "he_inference", N)
    base = rows["robustness.zero_shot", "none", "accuracy"]
    he = rows["robustness.zero_shot", "he_inference", "accuracy"]
    assert (base.value, base.n) == (he.value, he.n) == (base.value, N)
    task = "privacy.private_inference"
    assert rows[task, "he_inference", "argmax_agreement"].value == 1.0
    assert rows[task, "he_inference", "argmax_agreement"].n == N
    assert 0 < rows[task, "he_inference", "logit_abs_error_max"].value <= 1e-3
    details = rows[task, "he_inference", "bytes_per_image"].details
    assert details["poly_modulus_degree"] == 8192 and "128-bit" in details["security"]
    plain_bytes = rows[task, "none", "bytes_per_image"].value
    assert rows[task, "he_inference", "bytes_per_image"].value > 100 * plain_bytes
    assert rows[task, "he_inference", "seconds_per_image"].ci_low is not None


def test_missing_extra_is_one_line_exit_2(tmp_path, monkeypatch):
    assert_missing_extra_refused(tmp_path, monkeypatch, "he_inference", "tenseal")


@pytest.mark.slow
def test_a_linear_probe_head_under_ckks_matches_the_probe_in_plaintext():
    clip = resolve_model("zoo:clip").load()
    wrapped = build_mitigation(
        Spec(name="he_inference", params={"head": "probe", "probe_n": 120})
    ).wrap(clip)
    images = [s.load_image() for s in world.generate(41, 5)]
    prompts = [f"a photo of a {s}." for s in world.SHAPES]
    scored = wrapped.private_scores(images, prompts)
    assert (scored.private.argmax(1) == scored.plain.argmax(1)).all()
    assert np.abs(scored.private - scored.plain).max() <= 1e-3
    assert scored.protocol["head"] == "linear probe"
    assert not np.allclose(scored.plain, clip.classify(images, prompts))  # not the text head
