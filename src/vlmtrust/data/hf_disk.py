"""A directory written by HF ``datasets``' ``save_to_disk``.

A DatasetDict contributes one split: ``test`` if present (evaluation data), else the first split
as saved. Columns: ``image`` (an Image feature, raw bytes, a ``{"bytes", "path"}`` dict or a path;
relative paths are taken from the dataset directory; a path out of it is a bad item, never
read), ``prompt`` or else ``text`` as the prompt, ``id`` (else ``row<N>``), ``group_*`` as
groups (demographic columns such as ``gender`` or ``race`` too, kept also as labels: see
``folder.DEMOGRAPHIC_COLUMNS``), and every other scalar column (strings, numbers, booleans,
class labels by name) as a label. List and nested columns are not labels and are left out.
This module is imported only when such a directory is loaded:
``datasets`` is slow to import.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import datasets

from vlmtrust.core.errors import DataError
from vlmtrust.core.images import DEFAULT_MAX_PIXELS
from vlmtrust.core.paths import OutsideRoot, inside
from vlmtrust.core.records import LabelValue, Sample
from vlmtrust.data import OUTSIDE, BadItem, UnreadableImage, make_sample
from vlmtrust.data.folder import DEMOGRAPHIC_COLUMNS

GROUP_PREFIX = "group_"
_SCALAR_DTYPES = frozenset(
    {"bool", "string", "large_string", "float16", "float32", "float64"}
    | {f"{sign}int{bits}" for sign in ("", "u") for bits in (8, 16, 32, 64)}
)


def read_hf_disk(
    path: Path, limit: int | None, max_pixels: int | None = DEFAULT_MAX_PIXELS
) -> Iterator[Sample | BadItem]:
    """Yield one Sample or BadItem per row, in row order."""
    table = _open(path)
    features = table.features
    prompt_column = next((c for c in ("prompt", "text") if c in features), None)
    has_image = "image" in features
    if not has_image and prompt_column is None:
        raise DataError(
            f"the saved dataset {path} has neither an 'image' nor a 'prompt'/'text' column "
            f"(it has: {', '.join(features)})",
            "name the image column 'image' (or the prompt column 'prompt')",
        )
    if isinstance(features.get("image"), datasets.Image):
        # Raw bytes: a corrupt image becomes a bad item instead of failing the iteration.
        table = table.cast_column("image", datasets.Image(decode=False))
    label_columns = {
        name: feature
        for name, feature in features.items()
        if name not in ("image", "id", prompt_column)
        and not name.startswith(GROUP_PREFIX)
        and _is_scalar(feature)
    }
    group_columns = [name for name in features if name.startswith(GROUP_PREFIX)]
    demographic = [name for name in label_columns if name.lower() in DEMOGRAPHIC_COLUMNS]
    if limit is not None:
        table = table.select(range(min(limit, len(table))))
    for index, row in enumerate(table):
        source = f"{path}#row{index}"
        labels = {name: _label(feature, row[name]) for name, feature in label_columns.items()}
        fields = {
            "id": f"row{index}" if row.get("id") is None else str(row["id"]),
            "prompt": row[prompt_column] if prompt_column else None,
            "labels": {name: value for name, value in labels.items() if value is not None},
            "groups": {
                **{name: str(labels[name]) for name in demographic if labels[name] is not None},
                **{
                    name.removeprefix(GROUP_PREFIX): str(row[name])
                    for name in group_columns
                    if row[name] is not None
                },
            },
        }
        if not has_image:
            yield Sample.model_validate({**fields, "source": source})
            continue
        try:
            data = _image_bytes(row["image"], path)
        except UnreadableImage as err:
            yield BadItem(path=source, reason=str(err))
            continue
        yield make_sample(data, fields, source, max_pixels)


def _open(path: Path) -> datasets.Dataset:
    _check_contained(path)
    try:
        loaded = datasets.load_from_disk(str(path))
    except (OSError, ValueError) as err:
        raise DataError(
            f"cannot read the saved dataset {path}: {err}", "re-save it with save_to_disk"
        ) from err
    if isinstance(loaded, datasets.Dataset):
        return loaded
    if not loaded:
        raise DataError(f"the saved DatasetDict {path} has no splits", "save a split in it")
    return loaded["test"] if "test" in loaded else next(iter(loaded.values()))


def _check_contained(path: Path) -> None:
    """Refuse a saved dataset whose own metadata names files outside it: ``datasets`` joins
    ``state.json``'s shard names and ``dataset_dict.json``'s split names to the folder as given,
    so ``../`` there would make it read (and us report) arbitrary files."""
    fix = "re-save the dataset with save_to_disk; its files must stay inside its folder"
    splits: list[Any] = [None]
    if (path / "dataset_dict.json").is_file():
        try:
            splits = list(json.loads((path / "dataset_dict.json").read_text())["splits"])
        except (OSError, ValueError, KeyError, TypeError):
            return  # malformed: load_from_disk says what is wrong
    try:
        for split in splits:
            folder = path if split is None else inside(path, str(split))
            for name in _shard_names(folder / "state.json"):
                inside(path, folder / name)
    except OutsideRoot:
        problem = f"the saved dataset {path} names files outside its folder"
        raise DataError(problem, fix) from None


def _shard_names(state: Path) -> list[str]:
    try:
        return [str(f["filename"]) for f in json.loads(state.read_text())["_data_files"]]
    except (OSError, ValueError, KeyError, TypeError):
        return []  # missing or odd metadata: load_from_disk says what is wrong


def _image_bytes(cell: Any, root: Path) -> bytes:
    """The encoded image in a cell, read from its path when the bytes are not stored."""
    if isinstance(cell, dict):
        cell = cell.get("bytes") or cell.get("path")
    if isinstance(cell, bytes):
        return cell
    if isinstance(cell, str):
        try:
            file = inside(root, cell)
        except OutsideRoot:
            raise UnreadableImage(f"{cell}: {OUTSIDE}") from None
        if not file.is_file():
            raise UnreadableImage(f"missing file {root / cell}")
        return file.read_bytes()
    raise UnreadableImage(f"no image in this row (found {type(cell).__name__})")


def _is_scalar(feature: Any) -> bool:
    if isinstance(feature, datasets.ClassLabel):
        return True
    return isinstance(feature, datasets.Value) and feature.dtype in _SCALAR_DTYPES


def _label(feature: Any, value: Any) -> LabelValue | None:
    """Class labels by name, so the label reads 'cat', not 3; -1 marks a missing class label."""
    if isinstance(feature, datasets.ClassLabel) and isinstance(value, int):
        return feature.int2str(value) if value >= 0 else None
    return value  # type: ignore[no-any-return]
