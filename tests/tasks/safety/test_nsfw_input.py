"""safety.nsfw_input with the real open_nsfw ONNX model on a user's image folder."""

from PIL import Image, ImageDraw, ImageFilter

from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.data import world
from vlmtrust.runner import run


def _skin_blob() -> Image.Image:
    """A blurred skin-toned oval: not explicit, but enough to leave the model undecided."""
    image = Image.new("RGB", (224, 224), (60, 40, 40))
    draw = ImageDraw.Draw(image)
    draw.ellipse((40, 20, 184, 210), fill=(180, 110, 90))
    draw.ellipse((70, 80, 100, 110), fill=(150, 80, 70))
    draw.ellipse((124, 80, 154, 110), fill=(150, 80, 70))
    return image.filter(ImageFilter.GaussianBlur(6))


def test_world_scenes_are_safe_and_an_undecided_image_is_listed_by_path(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    lines = ["file,shape"]
    for sample in world.generate(seed=5, n=15):
        (folder / f"{sample.id}.png").write_bytes(sample.image or b"")
        lines.append(f"{sample.id}.png,{sample.labels['shape']}")
    _skin_blob().save(folder / "blob.png")
    lines.append("blob.png,none")
    (folder / "labels.csv").write_text("\n".join(lines) + "\n")
    config = RunConfig(
        model="zoo:clip",
        tasks=(Spec(name="safety.nsfw_input"),),
        data=folder,
        out=tmp_path / "run",
        show_progress=False,
    )
    (row,) = run(config).metrics
    assert row.metric == "nsfw_rate" and row.value == 0.0 and row.n == 15
    assert row.ci_high is not None and 0 < row.ci_high < 0.3
    assert row.details["flagged"] == []
    (undecided,) = row.details["undecided"]
    assert str(undecided["source"]).endswith("blob.png")
    assert 0.2 <= undecided["p_nsfw"] <= 0.8
    assert sum(row.details["bins"]) == 16
