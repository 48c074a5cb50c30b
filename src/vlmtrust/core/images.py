"""One way to turn untrusted bytes into a picture, used wherever an image enters vlmtrust (data
loaders, ``sanitize``, the servers, user trigger patches).

Why one function: a 20 KB PNG can declare 179 Mpx and cost gigabytes once decoded, 16-bit
greyscale decodes to flat white under a plain ``convert("RGB")``, a phone photo is stored sideways
with an EXIF orientation tag, and some formats Pillow can open call out to other programs
(EPS runs Ghostscript). So: the size is read from the header and refused above a pixel cap
*before* anything is decoded, only common raster formats are opened, only the first frame of an
animation is kept, and every mode becomes the RGB a person would see.
"""

from __future__ import annotations

import io
import warnings
from typing import TYPE_CHECKING, Final

from PIL import Image, ImageOps, UnidentifiedImageError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

#: Default pixel cap: 40 Mpx (an 8000 x 5000 photo; 120 MB as RGB). Pillow only warns at
#: 89 Mpx and refuses at 179 Mpx, which is gigabytes per image on a server.
DEFAULT_MAX_PIXELS: Final = 40_000_000
#: Raster formats opened at all; others (EPS needs Ghostscript, exotic plugins) are refused.
ALLOWED_FORMATS: Final = (  # JPEG covers MPO, the multi-picture JPEG of phones
    "PNG",
    "JPEG",
    "GIF",
    "BMP",
    "TIFF",
    "WEBP",
    "PPM",
    "ICO",
    "TGA",
)
_SIXTEEN_BIT = frozenset({"I;16", "I;16B", "I;16L", "I;16N", "I"})
_WITH_ALPHA = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})


class UnreadableImage(ValueError):
    """The bytes are not an image vlmtrust will decode; the message is the reason, in a few
    words, without a file name (the caller knows where the bytes came from)."""


def decode_image(data: bytes, max_pixels: int | None = DEFAULT_MAX_PIXELS) -> Image.Image:
    """Decode ``data`` into an RGB image, refusing anything over ``max_pixels`` from its header.

    ``max_pixels=None`` lifts the cap: only for bytes vlmtrust produced or already checked.
    """
    return upright_rgb(open_image(data, max_pixels))


def open_image(data: bytes, max_pixels: int | None = DEFAULT_MAX_PIXELS) -> Image.Image:
    """The first frame of ``data``, fully decoded in its own mode and orientation (``format``
    and EXIF kept, so a caller can tell whether the bytes are fine as they are)."""
    try:
        with warnings.catch_warnings():
            # We check the size ourselves below; a raised cap must not print Pillow's warning.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            Image.init()  # every plugin registered, so ``formats=`` can name each (idempotent)
            image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
            width, height = image.size
            if max_pixels is not None and width * height > max_pixels:
                raise UnreadableImage(
                    f"{width}x{height} pixels is over the limit of {_mpx(max_pixels)} "
                    f"({_mpx(width * height)}); resize it, or raise --max-image-pixels"
                )
            if getattr(image, "is_animated", False):  # not n_frames: it walks every frame
                image.seek(0)
            image.load()
            return image
    except UnreadableImage:
        raise
    except UnidentifiedImageError:
        raise UnreadableImage("not a readable image (unknown or corrupt format)") from None
    except Image.DecompressionBombError:  # Pillow's own cap, 179 Mpx, checked in open()
        limit = _mpx(max_pixels) if max_pixels is not None else "179 Mpx"
        raise UnreadableImage(
            f"far too many pixels: over the limit of {limit} (a decompression bomb?)"
        ) from None
    except MemoryError:
        raise UnreadableImage("too large to decode in memory") from None
    except Exception as err:  # hostile bytes make Pillow's parsers fail in many ways
        raise UnreadableImage(f"not a readable image ({type(err).__name__}: {err})") from None


def upright_rgb(image: Image.Image) -> Image.Image:
    """``image`` turned upright by its EXIF orientation, as RGB (see :func:`to_rgb`)."""
    return to_rgb(ImageOps.exif_transpose(image))


def to_rgb(image: Image.Image) -> Image.Image:
    """The RGB picture a person would see: 16-bit and float greyscale scaled (not clipped to
    white), transparency over white (as transformers' ``convert_to_rgb`` does), CMYK, palette
    and the rest through Pillow's conversions."""
    if image.mode == "RGB":
        return image
    if image.mode in _SIXTEEN_BIT or image.mode == "F":
        return Image.fromarray(_to_eight_bit(image), mode="L").convert("RGB")
    if (image.mode == "P" and "transparency" in image.info) or image.mode in _WITH_ALPHA:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def _to_eight_bit(image: Image.Image) -> npt.NDArray[np.uint8]:
    import numpy as np  # only these rare modes need it; the CLI starts faster without

    values = np.asarray(image, dtype=np.float64)
    if image.mode == "F":
        # float images are either 0..1 or 0..255; anything else is clipped
        scale = 255.0 if values.size and np.nanmax(values) <= 1.0 else 1.0
        values = np.nan_to_num(values * scale)
    elif image.mode.startswith("I;16") or (values.size and values.max() > 255):
        values = values / 257.0
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


def _mpx(pixels: int) -> str:
    return f"{pixels / 1e6:.0f} Mpx" if pixels >= 10**6 else f"{pixels} px"
