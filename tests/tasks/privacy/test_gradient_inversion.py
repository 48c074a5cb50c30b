"""privacy.gradient_inversion runs end to end on zoo:clip and the attack makes progress."""

from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.runner import run


def test_gradient_matching_improves_and_images_are_reported(tmp_path):
    task = Spec(name="privacy.gradient_inversion", params={"n": 1, "steps": 12})
    summary = run(RunConfig(model="zoo:clip", tasks=(task,), out=tmp_path, show_progress=False))
    rows = {r.metric: r for r in summary.metrics}
    assert rows["psnr"].n == 1 and rows["ssim"].value is not None
    assert set(rows["psnr"].details["images"]) == {"original", "reconstruction"}
    ((first, last),) = rows["psnr"].details["match_loss_first_last"]
    assert last < first  # the dummy's gradient moves towards the shared one
