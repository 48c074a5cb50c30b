"""``trigger``: stamp a backdoor trigger patch on the image (measurement only).

By default the zoo's planted patch (``data.world.flaws.add_trigger``: the ground truth, which
only a test or an audit of the zoo knows); ``patch=PATH`` stamps your own PNG in the bottom-right
corner instead, e.g. a trigger you suspect. The sample records which caption the trigger is meant to
force as its ``backdoor_target`` label, so a task can tell "sent to the target" from "wrong".
"""

from __future__ import annotations

import functools
from pathlib import Path

from PIL import Image
from pydantic import Field

from vlmtrust.attacks.base import Attack
from vlmtrust.core.errors import ConfigError
from vlmtrust.core.images import UnreadableImage, decode_image
from vlmtrust.core.paths import user_file
from vlmtrust.core.records import Sample
from vlmtrust.core.spec import Params, Spec
from vlmtrust.data.world.flaws import BACKDOOR_TARGET, add_trigger

TARGET_LABEL = "backdoor_target"


class TriggerParams(Params):
    target: str = Field(default=BACKDOOR_TARGET, description="the caption the trigger forces")
    patch: str | None = Field(
        default=None, description="a PNG stamped bottom-right; default: the zoo's planted patch"
    )


class Trigger(Attack):
    Params = TriggerParams
    params: TriggerParams

    def __init__(self, spec: Spec) -> None:
        super().__init__(spec)
        # read once, when the scan is planned: a bad patch stops it before anything is stored
        self.patch = None if self.params.patch is None else _read_patch(self.params.patch)

    def apply(self, sample: Sample) -> Sample:
        if sample.image is None:
            return sample
        image = sample.load_image()
        stamped = add_trigger(image) if self.patch is None else _paste(image, self.patch)
        return stamped_sample(sample, stamped, self.params.target)


def _read_patch(name: str) -> Image.Image:
    path = user_file(name, "trigger patch")
    if not path.is_file():
        raise ConfigError(f"trigger patch {name} not found", "pass patch=PATH of a PNG file")
    try:
        return _decoded(str(path), path.stat().st_mtime_ns)
    except UnreadableImage as err:
        raise ConfigError(f"trigger patch {name}: {err}", "pass patch=PATH of a PNG file") from None


@functools.lru_cache(maxsize=8)
def _decoded(path: str, mtime_ns: int) -> Image.Image:
    """The patch's pixels, read once per file version: the attack is rebuilt for every batch
    (planning, each work unit, each stored result), and ``paste`` only reads the patch."""
    return decode_image(Path(path).read_bytes())


def _paste(image: Image.Image, patch: Image.Image) -> Image.Image:
    out = image.convert("RGB").copy()
    width, height = out.size
    out.paste(patch, (max(0, width - patch.width - 2), max(0, height - patch.height - 2)))
    return out


def stamped_sample(sample: Sample, image: Image.Image, target: str) -> Sample:
    stamped = sample.with_image(image)
    return stamped.model_copy(update={"labels": {**sample.labels, TARGET_LABEL: target}})
