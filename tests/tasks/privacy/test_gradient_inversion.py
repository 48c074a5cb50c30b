"""privacy.gradient_inversion: the pieces on hand-worked cases, the scan end to end on zoo:clip,
and (slow) whether the default attack beats the flat mean-colour baseline."""

import pytest
import torch

from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.runner import run
from vlmtrust.tasks.privacy.gradient_inversion import (
    GradientInversionParams,
    gradient_cosine_loss,
    linear_input_from_gradient,
    total_variation,
)


def test_a_linear_layers_input_is_its_weight_gradient_over_its_bias_gradient() -> None:
    torch.manual_seed(0)
    layer = torch.nn.Linear(5, 3)
    h = torch.randn(1, 5)
    loss = (layer(h) ** 2).sum()
    weight_grad, bias_grad = torch.autograd.grad(loss, [layer.weight, layer.bias])
    assert torch.allclose(linear_input_from_gradient(weight_grad, bias_grad), h[0], atol=1e-6)


def test_gradient_cosine_loss_and_total_variation_on_hand_cases() -> None:
    a = [torch.tensor([1.0, 0.0]), torch.tensor([[0.0, 2.0]])]
    assert float(gradient_cosine_loss(a, a)) == pytest.approx(0.0, abs=1e-6)
    assert float(gradient_cosine_loss(a, [-t for t in a])) == pytest.approx(2.0)
    orthogonal = [torch.tensor([0.0, 3.0]), torch.tensor([[0.0, 0.0]])]
    assert float(gradient_cosine_loss(a, orthogonal)) == pytest.approx(1.0)
    assert float(total_variation(torch.full((1, 3, 4, 4), 0.3))) == 0.0
    step = torch.zeros(1, 1, 2, 2)
    step[..., 1] = 1.0  # one vertical edge: 0 down the rows, 1 across each row's 1 pair
    assert float(total_variation(step)) == pytest.approx(1.0)


def test_params_refuse_unknown_fields() -> None:
    with pytest.raises(ValueError, match="extra"):
        GradientInversionParams(iterations=5)  # type: ignore[call-arg]


def test_scan_reports_images_gains_restarts_and_the_exact_feature_leak(tmp_path) -> None:
    params = {"n": 1, "steps": 12, "restarts": 2}
    task = Spec(name="privacy.gradient_inversion", params=params)
    summary = run(RunConfig(model="zoo:clip", tasks=(task,), out=tmp_path, show_progress=False))
    rows = {r.metric: r for r in summary.metrics}
    assert rows["psnr"].n == 1 and rows["ssim"].value is not None
    for metric in ("psnr", "ssim"):
        gain = rows[f"{metric}_gain"].value
        assert gain == pytest.approx(rows[metric].value - rows[f"{metric}_baseline"].value)
    details = rows["psnr"].details
    assert set(details["images"]) == {"original", "reconstruction"}
    ((first, last),) = details["match_loss_first_last"]
    assert last < first  # the dummy's gradient moves towards the shared one
    assert details["restart_kept"][0] in (0, 1) and details["restarts"] == 2
    # the pooled feature leaks exactly from the projection's weight and bias gradients
    (error,) = details["feature_recovery_error"]
    assert error is not None and error < 1e-4


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,  # a timeout or crash still fails
    reason="unmet (README): at the default budget the reconstruction is still below the flat "
    "mean-colour baseline on PSNR and SSIM; strict, so meeting it turns this red to un-mark",
)
def test_default_attack_beats_the_flat_mean_colour_baseline(tmp_path) -> None:
    task = Spec(name="privacy.gradient_inversion", params={})  # defaults: n=4 world scenes
    summary = run(RunConfig(model="zoo:clip", tasks=(task,), out=tmp_path, show_progress=False))
    rows = {r.metric: r for r in summary.metrics}
    assert rows["psnr"].n >= 4
    for metric in ("psnr_gain", "ssim_gain"):
        low = rows[metric].ci_low
        assert low is not None and low > 0, (metric, rows[metric].value, low)
