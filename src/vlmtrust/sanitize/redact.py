"""Image redaction: PII text lines (found by OCR + the PII judge) covered with an opaque box in
the line's own background colour, faces Gaussian-blurred beyond recognition."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from vlmtrust.scorers.pii import Box, find_faces, find_pii_in_image


@dataclass(frozen=True)
class Redaction:
    kind: str  # "pii_text" or "face"
    box: Box
    what: str  # the entity types covered, or "face"


def redact(
    image: Image.Image, ocr: bool = True, faces: bool = True
) -> tuple[Image.Image, list[Redaction]]:
    """A redacted copy of ``image`` (the same object when nothing was found) and the changes."""
    rgb = image.convert("RGB")
    changes: list[Redaction] = []
    if ocr:
        by_box: dict[Box, set[str]] = {}
        for finding, box in find_pii_in_image(rgb):
            by_box.setdefault(box, set()).add(finding.entity)
        changes.extend(Redaction("pii_text", b, ",".join(sorted(e))) for b, e in by_box.items())
    if faces:
        changes.extend(Redaction("face", b, "face") for b in find_faces(rgb))
    if not changes:
        return image, []
    out = rgb.copy()
    draw = ImageDraw.Draw(out)
    for change in changes:
        box = _padded(change.box, rgb.size, 2)
        if change.kind == "face":
            region = out.crop(box)
            radius = max(4.0, (box[2] - box[0]) / 6)
            out.paste(region.filter(ImageFilter.GaussianBlur(radius)), box[:2])
        else:
            draw.rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill=_background(rgb, box))
    return out, changes


def _padded(box: Box, size: tuple[int, int], pad: int) -> Box:
    return (
        max(0, box[0] - pad),
        max(0, box[1] - pad),
        min(size[0], box[2] + pad),
        min(size[1], box[3] + pad),
    )


def _background(image: Image.Image, box: Box) -> tuple[int, int, int]:
    """The median colour of the box's border: the paper the text was written on."""
    pixels = np.asarray(image.crop(box))
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    r, g, b = (int(v) for v in np.median(border, axis=0))
    return (r, g, b)
