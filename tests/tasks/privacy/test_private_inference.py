"""privacy.private_inference without a private protocol: the plaintext split the protocols are
read against (float32 embedding out, float32 logits back, no error), on zoo:clip."""

import pytest

from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.data import world
from vlmtrust.runner import run


@pytest.mark.slow
def test_the_baseline_is_the_plaintext_split(tmp_path):
    task = Spec(name="privacy.private_inference", params={"n": 4})
    config = RunConfig(model="zoo:clip", tasks=(task,), out=tmp_path, show_progress=False)
    rows = {r.metric: r for r in run(config).metrics}
    assert set(rows) == {
        "argmax_agreement",
        "logit_abs_error_max",
        "logit_abs_error_mean",
        "seconds_per_image",
        "bytes_per_image",
    }
    assert rows["argmax_agreement"].value == 1.0 and rows["argmax_agreement"].n == 4
    assert rows["logit_abs_error_max"].value == 0.0
    # zoo:clip embeds in 384 dimensions; one float32 logit per shape class comes back
    assert rows["bytes_per_image"].value == 4 * (384 + len(world.SHAPES))
    assert rows["bytes_per_image"].details["protocol"] == "plaintext"
