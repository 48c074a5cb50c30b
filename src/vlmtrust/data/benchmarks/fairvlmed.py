"""Harvard-FairVLMed (Luo et al., CVPR 2024, "FairCLIP") read as its authors distribute it.

Layout, from github Harvard-Ophthalmology-AI-Lab/FairCLIP (README.md and FairCLIP/README.md: the
folders, file names, the npz fields and their codes; FairCLIP/src/modules.py
``fair_vl_med_dataset`` and src/fundus_dataloader.py: one folder per split, every ``*.npz`` in
it, ``np.load`` without pickles, ``slo_fundus`` "original size: (664, 512)" turned into a PIL
image, ``race``/``gender``/``ethnicity``/``language``/``glaucoma`` read with ``.item()``), and
the dataset card (harvardairobotics/FairVLMed: the same codes, 7,000/1,000/2,000)::

    ROOT/Training/data_xxxxx.npz    7,000 subjects
    ROOT/Validation/data_xxxxx.npz  1,000
    ROOT/Test/data_xxxxx.npz        2,000
    ROOT/data_summary.csv, gpt-4_summarized_notes.csv, original_notes.csv  (not read: every
                                    field used is in the npz files)

Each npz holds ``slo_fundus`` (the SLO fundus image, a greyscale array), ``race`` (0 Asian,
1 Black, 2 White), ``gender`` (0 Female, 1 Male), ``ethnicity`` (0 non-Hispanic, 1 Hispanic,
-1 unknown), ``language`` (0 English, 1 Spanish, 2 Other, -1 unknown), ``glaucoma`` (0 or 1),
and ``age``, ``md``, ``tds``, ``maritalstatus``, ``note``, ``note_extra`` (not read). An npz
is a zip of ``.npy`` arrays: each header is checked before any array is read (no object arrays,
so no pickles, ever; the image within the pixel cap), then the arrays are read with
``allow_pickle=False``. ``--data fairvlmed:ROOT`` reads Test (the split the paper reports);
``fairvlmed:ROOT/Training`` (or ``Validation``) reads that folder. Groups: the issue's four,
race, gender, ethnicity and language, in the card's words; an unknown (-1) value stays a label
(``Unknown``) and is left out of the groups (FairCLIP's evaluation drops such subjects; here
they are kept and reported unscorable for that attribute only). The class label is
``glaucoma``: ``glaucoma`` or ``non-glaucoma``, FairCLIP's own zero-shot prompt words
("A photo of glaucoma"). Not verified (no copy reachable): the dtype of ``slo_fundus`` (read
as any integer or float array, scaled like a 16-bit or float image when not 8-bit), and the
spelling of data_summary.csv's values, which is why it is not read.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import IO, ClassVar

import numpy as np
from PIL import Image

from vlmtrust.core.errors import DataError
from vlmtrust.core.images import DEFAULT_MAX_PIXELS, to_rgb
from vlmtrust.core.records import Sample, encode_png
from vlmtrust.data import BadItem, collect, make_sample
from vlmtrust.data.benchmarks.group_layout import GroupBenchmark
from vlmtrust.data.benchmarks.layout import Layout, exists, short_copy
from vlmtrust.data.source import DataSummary, LoadOptions

RACES = ("Asian", "Black", "White")
GENDERS = ("Female", "Male")
ETHNICITIES = ("Non-Hispanic", "Hispanic")
LANGUAGES = ("English", "Spanish", "Other")
GLAUCOMA = ("non-glaucoma", "glaucoma")
UNKNOWN = "Unknown"
#: subjects per split folder, as the authors publish them
PUBLISHED = {"Training": 7_000, "Validation": 1_000, "Test": 2_000}
DEFAULT_SPLIT = "Test"
IMAGE = "slo_fundus"
#: the npz fields read, each code -> value (-1: unknown, where the card allows it)
CODES: Mapping[str, tuple[str, ...]] = {
    "race": RACES,
    "gender": GENDERS,
    "ethnicity": ETHNICITIES,
    "language": LANGUAGES,
    "glaucoma": GLAUCOMA,
}
GROUPS = ("race", "gender", "ethnicity", "language")
NAME = re.compile(r"data_\d+\.npz")
#: folders a download may sit in below the root given
INNER = ("Harvard-FairVLMed", "FairVLMed")
LAYOUT = Layout(
    "Harvard-FairVLMed",
    "Training/ Validation/ Test/ folders of data_xxxxx.npz files (slo_fundus, race, gender, "
    "ethnicity, language, glaucoma), as github Harvard-Ophthalmology-AI-Lab/FairCLIP "
    "describes them",
)


class FairVLMedSource(GroupBenchmark):
    name = "fairvlmed"
    expects = LAYOUT.files
    get_it = (
        "huggingface.co/datasets/harvardairobotics/FairVLMed or the Google Drive folder linked "
        "from github.com/Harvard-Ophthalmology-AI-Lab/FairCLIP (non-commercial research use)"
    )
    feeds = (
        "fairness tasks per race, gender, ethnicity and language, predicting glaucoma "
        "(not counterfactual twins or prompts)"
    )
    licence = "CC BY-NC-ND 4.0 (non-commercial research only; never for clinical decisions)"
    attributes: ClassVar[Mapping[str, tuple[str, ...]]] = {g: CODES[g] for g in GROUPS}
    class_labels = ("glaucoma",)

    @classmethod
    def label_values(cls, label: str) -> tuple[str, ...] | None:
        return CODES.get(label)

    def summary(self) -> DataSummary:
        """The groups' rows, and the rows per glaucoma (``glaucoma=...``) beside them."""
        base = super().summary()
        per = Counter(f"glaucoma={s.labels['glaucoma']}" for s in self._samples)
        counts = {split: {**rows, **per} for split, rows in base.counts.items()}
        return replace(base, counts=counts)

    @classmethod
    def open(cls, path: str, options: LoadOptions) -> FairVLMedSource:
        if not path:
            raise DataError("--data fairvlmed: names no path", "pass --data fairvlmed:ROOT")
        folder = _split_folder(exists(Path(path), LAYOUT))
        files = sorted(f for f in folder.iterdir() if f.suffix == ".npz" and f.is_file())
        if not files:
            raise LAYOUT.error(f"{folder} has no .npz files")
        chosen = files if options.limit is None else files[: options.limit]
        entries = (_entry(file, folder.name, options.max_pixels) for file in chosen)
        loaded = collect(folder, entries, options.on_bad)
        if not loaded.samples:
            raise LAYOUT.error(f"no usable samples in {folder}")
        what = f"Harvard-FairVLMed {folder.name}/"
        warnings = short_copy(what, len(files), PUBLISHED[folder.name], "subjects")
        return cls(loaded.samples, loaded.skipped, warnings, folder.name)


def _split_folder(path: Path) -> Path:
    """``path`` itself when it is a split folder, else the Test folder in it (or in a download's
    own top folder)."""
    if path.is_dir() and path.name in PUBLISHED:
        return path
    for root in (path, *(path / inner for inner in INNER)):
        if (root / DEFAULT_SPLIT).is_dir():
            return root / DEFAULT_SPLIT
    if path.is_dir():
        raise LAYOUT.error(f"{path} has no {DEFAULT_SPLIT}/ folder")
    raise LAYOUT.error(f"{path} is not a folder")


class _Unreadable(ValueError):
    """An npz member vlmtrust will not read; the message says why."""


def _entry(file: Path, split: str, max_pixels: int | None = DEFAULT_MAX_PIXELS) -> Sample | BadItem:
    """One subject's npz as a Sample, or a BadItem saying why not."""
    if not NAME.fullmatch(file.name):
        return BadItem(str(file), "not named data_xxxxx.npz")
    try:
        arrays = _read_npz(file.read_bytes(), (IMAGE, *CODES), max_pixels)
        values = {key: _code(key, arrays[key]) for key in CODES}
        image = _picture(arrays[IMAGE])
    except OSError as err:
        return BadItem(str(file), f"unreadable file ({err.strerror})")
    except (_Unreadable, zipfile.BadZipFile, ValueError) as err:
        return BadItem(str(file), str(err))
    groups = {key: values[key] for key in GROUPS if values[key] != UNKNOWN}
    fields = {
        "id": f"{split}/{file.stem}",
        "labels": {**values, "split": split},
        "groups": groups,
    }
    return make_sample(image, fields, f"fairvlmed:{file}", max_pixels)


def _read_npz(data: bytes, keys: tuple[str, ...], max_pixels: int | None) -> dict[str, np.ndarray]:
    """The ``keys`` arrays of an npz, each header checked before its data is read."""
    out: dict[str, np.ndarray] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        for key in keys:
            member = f"{key}.npy"
            if member not in names:
                raise _Unreadable(f"no {key!r} array")
            with archive.open(member) as handle:
                shape, dtype = _header(handle, key)
            _check(key, shape, dtype, max_pixels)
            with archive.open(member) as handle:
                out[key] = np.lib.format.read_array(handle, allow_pickle=False)
    return out


def _header(handle: IO[bytes], key: str) -> tuple[tuple[int, ...], np.dtype]:
    """The shape and dtype an ``.npy`` member declares."""
    version = np.lib.format.read_magic(handle)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(handle)
    elif version == (2, 0):
        shape, _, dtype = np.lib.format.read_array_header_2_0(handle)
    else:
        raise _Unreadable(f"{key!r} is an .npy version {version} array")
    return tuple(shape), np.dtype(dtype)


def _check(key: str, shape: tuple[int, ...], dtype: np.dtype, max_pixels: int | None) -> None:
    if dtype.hasobject:
        raise _Unreadable(f"{key!r} holds Python objects (pickles), which vlmtrust never loads")
    if dtype.kind not in "uif":
        raise _Unreadable(f"{key!r} is a {dtype} array, not numbers")
    if key != IMAGE:
        if int(np.prod(shape)) != 1:
            raise _Unreadable(f"{key!r} has shape {shape}, not one value")
        return
    if not (len(shape) == 2 or (len(shape) == 3 and shape[2] in (1, 3))):
        raise _Unreadable(f"{key!r} has shape {shape}, not an image (height x width)")
    pixels = shape[0] * shape[1]
    if max_pixels is not None and pixels > max_pixels:
        raise _Unreadable(
            f"{key!r} is {shape[1]}x{shape[0]} pixels, over the limit of {max_pixels:,}; "
            "raise --max-image-pixels"
        )


def _code(key: str, array: np.ndarray) -> str:
    """The card's word for a coded field (-1: Unknown, where the card allows it)."""
    value = array.item()
    vocabulary = CODES[key]
    if float(value).is_integer() and 0 <= int(value) < len(vocabulary):
        return vocabulary[int(value)]
    if value == -1 and key in GROUPS:
        return UNKNOWN
    codes = ", ".join(f"{i} {word}" for i, word in enumerate(vocabulary))
    raise _Unreadable(f"{key} code {value!r} is not one of {codes} (or -1 unknown)")


def _picture(array: np.ndarray) -> bytes:
    """The fundus array as PNG bytes: 8-bit as it is, other depths scaled to 8 bits the way
    :func:`vlmtrust.core.images.to_rgb` scales 16-bit and float images."""
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.dtype != np.uint8:
        values = np.nan_to_num(array.astype(np.float64))
        if values.size and values.max() <= 1.0:
            values = values * 255.0
        elif values.size and values.max() > 255:
            values = values / 257.0
        array = np.clip(np.rint(values), 0, 255).astype(np.uint8)
    return encode_png(to_rgb(Image.fromarray(np.ascontiguousarray(array))))
