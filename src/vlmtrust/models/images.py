"""Images as ``data:`` URLs, the one image form the OpenAI chat API carries inline.

The ``openai:`` client encodes with :func:`to_data_url` and the server decodes with
:func:`from_data_url`, so both ends agree byte for byte. PNG is lossless, so an attacked image
reaches a remote model exactly as the attack made it (JPEG would blur away a PGD perturbation).
"""

from __future__ import annotations

import base64
import binascii
import re

from PIL import Image

from vlmtrust.core.images import DEFAULT_MAX_PIXELS, UnreadableImage, decode_image
from vlmtrust.core.records import encode_png

# data:[<media type>][;<parameter>]*;base64,<payload>
_DATA_URL = re.compile(r"^data:(?P<media>[^,;]*)(?P<params>(?:;[^,;]*)*),(?P<payload>.*)$", re.S)


def to_data_url(image: Image.Image) -> str:
    """A ``data:image/png;base64,...`` URL holding ``image`` as PNG."""
    return "data:image/png;base64," + base64.b64encode(encode_png(image)).decode("ascii")


def from_data_url(url: str, max_pixels: int | None = DEFAULT_MAX_PIXELS) -> Image.Image:
    """Decode a base64 ``data:image/...`` URL into an RGB image.

    Raises ValueError with a one-line reason for anything else: another URL scheme, a non-image
    media type, non-base64 or corrupt payload, or bytes PIL cannot read as an image. RGB because
    that is what every model here consumes (as :meth:`Sample.load_image` also returns); the
    pixel cap is checked from the image header before anything is decoded.
    """
    match = _DATA_URL.match(url)
    if match is None:
        shown = url if len(url) <= 40 else url[:40] + "..."
        raise ValueError(f"not a data URL: {shown!r} (expected data:image/png;base64,...)")
    media = match["media"].strip().lower()
    if not media.startswith("image/"):
        raise ValueError(f"data URL has media type {media or 'none'!r}, expected image/*")
    if "base64" not in (p.strip().lower() for p in match["params"].split(";")):
        raise ValueError("data URL is not base64-encoded (expected ;base64,)")
    try:
        data = base64.b64decode(match["payload"].strip(), validate=True)
    except binascii.Error as err:
        raise ValueError(f"data URL payload is not valid base64 ({err})") from err
    if not data:
        raise ValueError("data URL holds no image bytes")
    try:
        return decode_image(data, max_pixels)
    except UnreadableImage as err:
        raise ValueError(f"data URL does not hold a readable {media} image: {err}") from err
