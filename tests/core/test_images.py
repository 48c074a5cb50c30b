"""core/images on real files of every awkward kind: bombs refused from the header, 16-bit and
float greyscale scaled instead of flat white, alpha over white, CMYK, palettes, animations,
EXIF orientation, formats that call out to other programs."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from vlmtrust.core.images import UnreadableImage, decode_image, open_image
from vlmtrust.core.records import Sample


def _encoded(image: Image.Image, fmt: str = "PNG", **options: object) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format=fmt, **options)
    return buf.getvalue()


def bomb(side: int = 13_400) -> bytes:
    """A PNG of ~20 KB that declares ``side`` x ``side`` pixels (179 Mpx at the default)."""
    return _encoded(Image.new("1", (side, side)), optimize=True)


def _peak_rss_kib(path: Path, decode: bool) -> int:
    """Peak RSS of a fresh process that reads ``path`` and (maybe) tries to decode it."""
    code = (
        "import resource, sys\n"
        "from vlmtrust.core.images import decode_image\n"
        "data = open(sys.argv[1], 'rb').read()\n"
        "if sys.argv[2] == '1':\n"
        "    try:\n"
        "        decode_image(data)\n"
        "    except ValueError:\n"
        "        pass\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, str(path), "1" if decode else "0"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(run.stdout.strip())


def test_a_decompression_bomb_is_refused_from_its_header_without_decoding(
    tmp_path: Path,
) -> None:
    data = bomb()
    assert len(data) < 30_000
    with pytest.raises(UnreadableImage, match="over the limit of 40 Mpx"):
        decode_image(data)
    (tmp_path / "bomb.png").write_bytes(data)
    # decoding would take 179 MB for the grey plane alone; refusing takes next to nothing
    grown = _peak_rss_kib(tmp_path / "bomb.png", True) - _peak_rss_kib(tmp_path / "bomb.png", False)
    assert grown < 50 * 1024
    with pytest.raises(UnreadableImage, match="10000x10000 pixels is over the limit of 40 Mpx"):
        decode_image(bomb(10_000))
    with pytest.raises(UnreadableImage, match="over the limit of 1000 px"):
        decode_image(_encoded(Image.new("RGB", (40, 40))), max_pixels=1000)


def test_sixteen_bit_greyscale_keeps_its_shades() -> None:
    ramp = (np.arange(64, dtype=np.uint16).reshape(8, 8) * 1000).astype(np.uint16)
    data = _encoded(Image.fromarray(ramp))
    rgb = np.asarray(decode_image(data))
    assert rgb.shape == (8, 8, 3)
    assert len(np.unique(rgb)) > 50  # a plain convert("RGB") gives one value: 255
    assert rgb[0, 0, 0] == 0 and rgb[7, 7, 0] == round(63_000 / 257)
    # the loader keeps PNG bytes as they are, so Sample.load_image must decode them the same way
    sample = Sample(id="s", image=data)
    assert np.array_equal(np.asarray(sample.load_image()), rgb)


def test_float_images_are_scaled_from_zero_to_one() -> None:
    plane = np.linspace(0.0, 1.0, 16, dtype=np.float32).reshape(4, 4)
    rgb = np.asarray(decode_image(_encoded(Image.fromarray(plane, mode="F"), "TIFF")))
    assert rgb.min() == 0 and rgb.max() == 255


def test_alpha_and_transparent_palettes_sit_on_white() -> None:
    clear = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    assert decode_image(_encoded(clear)).getpixel((0, 0)) == (255, 255, 255)
    palette = Image.new("P", (4, 4), 0)
    palette.putpalette([0, 0, 0, 10, 200, 30] + [0] * 762)
    palette.putpixel((1, 1), 1)
    data = _encoded(palette, transparency=0)
    decoded = decode_image(data)
    assert decoded.getpixel((0, 0)) == (255, 255, 255)
    assert decoded.getpixel((1, 1)) == (10, 200, 30)


def test_cmyk_becomes_rgb() -> None:
    cmyk = Image.new("CMYK", (4, 4), (0, 255, 255, 0))  # pure red in ink
    assert decode_image(_encoded(cmyk, "JPEG", quality=100)).getpixel((0, 0))[0] > 240


def test_only_the_first_frame_of_an_animation() -> None:
    frames = [Image.new("RGB", (4, 4), c) for c in ((255, 0, 0), (0, 0, 255))]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:])
    assert decode_image(buf.getvalue()).getpixel((0, 0)) == (255, 0, 0)


def test_exif_orientation_is_applied() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    data = _encoded(Image.new("RGB", (8, 4)), "JPEG", exif=exif)
    assert open_image(data).size == (8, 4)  # as stored
    assert decode_image(data).size == (4, 8)  # as shown


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not an image at all",
        b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n",  # EPS would run Ghostscript
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,  # a PNG signature and garbage
    ],
)
def test_hostile_bytes_are_one_readable_reason(data: bytes) -> None:
    with pytest.raises(UnreadableImage, match="not a readable image") as err:
        decode_image(data)
    assert "\n" not in str(err.value)


def test_a_truncated_image_is_unreadable() -> None:
    data = _encoded(Image.effect_noise((64, 64), 50).convert("RGB"))
    with pytest.raises(UnreadableImage, match="not a readable image"):
        decode_image(data[: len(data) // 2])
