"""privacy.gradient_inversion: the pieces on hand-worked cases, the scan end to end on zoo:clip,
and (slow) whether the default attack beats the flat mean-colour baseline."""

import pytest
import torch

from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.core.unit_progress import listening
from vlmtrust.models.base import resolve_model
from vlmtrust.runner import run
from vlmtrust.tasks.base import DataContext, build_task
from vlmtrust.tasks.privacy.gradient_inversion import GradientInversionParams
from vlmtrust.tasks.privacy.gradient_leaks import (
    gradient_cosine_loss,
    leaked_mean_colour,
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


def test_a_flat_images_colour_leaks_from_a_conv_then_batchnorm_gradient() -> None:
    """No padding, so every input patch is the colour: each channel's weighted average is it."""
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(3, 4, 3, bias=False)
    bn = torch.nn.BatchNorm2d(4).eval()
    bn.running_mean.uniform_(-0.5, 0.5)
    bn.running_var.uniform_(0.5, 2.0)
    colour = torch.tensor([0.2, 0.6, 0.9])
    x = (colour.view(1, 3, 1, 1).expand(1, 3, 6, 6) - 0.5) / 0.5
    loss = (torch.relu(bn(conv(x))) * torch.randn(1, 4, 4, 4)).sum()
    conv_grad, bias_grad = torch.autograd.grad(loss, [conv.weight, bn.bias])
    found = leaked_mean_colour(conv_grad, bn, bias_grad, mean=0.5, std=0.5)
    assert found is not None and torch.allclose(found, colour, atol=1e-5)
    assert leaked_mean_colour(conv_grad, bn, torch.zeros(4), 0.5, 0.5) is None


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
    # the start is the mean colour the first conv + BatchNorm gradients leak (0.05 measured)
    assert details["init"] == "leaked_colour"
    (colour_error,) = details["start_colour_error"]
    assert colour_error is not None and colour_error < 0.1


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_default_attack_leaks_more_than_the_attacker_knew_without_the_gradient(tmp_path) -> None:
    """The defaults on 4 world scenes: the reconstruction beats the prior baseline (the mean of
    64 other world scenes, what the attacker knows without the gradient) on PSNR and SSIM with
    the paired intervals above 0. It does not beat the oracle flat image of each original's own
    mean colour (README): those rows must exist, no claim is made on them."""
    task = Spec(name="privacy.gradient_inversion", params={})  # defaults: n=4 world scenes
    summary = run(RunConfig(model="zoo:clip", tasks=(task,), out=tmp_path, show_progress=False))
    rows = {r.metric: r for r in summary.metrics}
    assert rows["psnr"].n >= 4
    for metric in ("psnr_gain_prior", "ssim_gain_prior"):
        low = rows[metric].ci_low
        assert low is not None and low > 0, (metric, rows[metric].value, low)
    for metric in ("psnr_baseline", "ssim_baseline", "psnr_gain", "ssim_gain"):
        assert rows[metric].value is not None and rows[metric].n == rows["psnr"].n


def test_every_step_is_reported_with_its_image_and_restart() -> None:
    task = build_task(
        Spec(name="privacy.gradient_inversion", params={"n": 2, "steps": 3, "restarts": 2})
    )
    model = resolve_model("zoo:clip").load()
    heard: list[str] = []
    with listening(heard.append):
        task.score(model, task.samples(DataContext(seed=0)))
    assert heard[0] == "image 1/2 restart 1/2 step 1/3"
    assert heard[-1] == "image 2/2 restart 2/2 step 3/3" and len(heard) == 2 * 2 * 3
