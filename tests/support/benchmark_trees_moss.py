"""A small xirui-li/MOSSBench clone in its exact published layout, built from code: the same
file names, keys and image path scheme (placeholder queries and tiny PNGs, no benchmark
content)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from benchmark_trees import tiny_image

from vlmtrust.data.benchmarks.mossbench import CONTRAST, STIMULI

#: queries per stimulus type of the published benign set (pids run 1-100, 101-200, 201-300)
PUBLISHED = 100
TYPES = tuple(STIMULI)


def mossbench_clone(
    root: Path,
    per_type: int = PUBLISHED,
    contrast: bool = True,
    table: bool = False,
    types: int = 3,
) -> Path:
    """``data/images_information/information.json`` + ``data/images/<pid>.png`` (``per_type``
    benign queries per stimulus type, pids numbered as published), and with ``contrast`` the
    ``data_contrast/`` set (the published per-type share of those pids); with ``table`` also the
    root's ``information.csv`` + ``images/``."""
    benign: dict[str, dict[str, Any]] = {}
    for t, over in enumerate(TYPES[:types]):
        for i in range(per_type):
            pid = str(t * PUBLISHED + i + 1)
            benign[pid] = _entry(pid, over, f"[placeholder benign query {pid}]", full=True)
    _write(root / "data", benign)
    if contrast:
        harmful: dict[str, dict[str, Any]] = {}
        for pid, entry in benign.items():
            stimulus = STIMULI[entry["metadata"]["over"]]
            # the published contrast set keeps every pid of types 1 and 3, 44 of type 2's:
            # the same share of a smaller copy (rounded up)
            if (int(pid) - 1) % PUBLISHED < -(-CONTRAST[stimulus] * per_type // PUBLISHED):
                over = entry["metadata"]["over"]
                harmful[pid] = _entry(pid, over, f"[placeholder harmful query {pid}]", full=False)
        _write(root / "data_contrast", harmful)
    if table:
        _table(root, benign)
    return root


def _entry(pid: str, over: str, question: str, full: bool) -> dict[str, Any]:
    """One value of information.json; the contrast set's metadata holds ``over`` only."""
    metadata: dict[str, object] = {"over": over}
    if full:
        metadata |= {"human": int(pid) % 2, "child": 0, "syn": 1, "ocr": 0, "harm": [7]}
    return {
        "image": f"images/{pid}.png",
        "short description": "[placeholder description]",
        "question": question,
        "metadata": metadata,
        "pid": pid,
        "description": "[placeholder description]",
    }


def _write(folder: Path, entries: dict[str, dict[str, Any]]) -> None:
    file = folder / "images_information" / "information.json"
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(json.dumps(entries, indent=4), encoding="utf-8")
    for pid, entry in entries.items():
        tiny_image(f"{folder.name}{pid}", folder / str(entry["image"]))


def _table(root: Path, benign: dict[str, dict[str, Any]]) -> None:
    """The root's information.csv (the stimulus type in words) and images/<pid>.png."""
    columns = [
        "pid", "question", "image_path", "short description", "description", "meta_data_over",
        "meta_data_human", "meta_data_child", "meta_data_syn", "meta_data_ocr", "meta_data_harm",
    ]  # fmt: skip
    with (root / "information.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for pid, entry in benign.items():
            metadata = entry["metadata"]
            writer.writerow(
                {
                    "pid": pid,
                    "question": entry["question"],
                    "image_path": entry["image"],
                    "short description": entry["short description"],
                    "description": entry["description"],
                    "meta_data_over": STIMULI[metadata["over"]],
                    **{f"meta_data_{k}": metadata[k] for k in ("human", "child", "syn", "ocr")},
                    "meta_data_harm": 7,
                }
            )
            tiny_image(f"root{pid}", root / str(entry["image"]))
