"""A small JailBreakV-28K copy in the layout of the Hugging Face dataset
(``JailBreakV_28K/{JailBreakV_28K,mini_JailBreakV_28K}.csv`` with the card's nine columns, and
the images under ``figstep/``, ``llm_transfer_attack/``, ``query_related/``), with placeholder
queries and tiny images. The ``llm_transfer_attack`` names follow the published ones
(``SD_related_1216.png``, ``nature_1365.jpeg``); the names under ``figstep/`` and
``query_related/`` are placeholders (the loader follows ``image_path`` whatever it names)."""

from __future__ import annotations

import csv
from pathlib import Path

from benchmark_trees import tiny_image

from vlmtrust.data.benchmarks.jailbreakv import (
    COLUMNS,
    FORMATS,
    IMAGE_FOLDERS,
    OPTIONAL,
    POLICIES,
    TRANSFER,
)

#: the images sent with the text (LLM transfer) attacks: name prefix -> extension
TRANSFER_IMAGES = (("blank", "png"), ("noise", "png"), ("nature", "jpeg"), ("SD_related", "png"))


def jailbreakv_copy(
    root: Path,
    rows: int = 112,
    mini: int = 28,
    policies: int = len(POLICIES),
    folder: str = "JailBreakV_28K",
) -> Path:
    """The dataset repository at ``root``: ``rows`` rows cycling through ``policies`` policies
    then the 7 formats (so the first 16 x 7 cover every pair), ``mini`` of them (evenly spread)
    also in the mini CSV with ``selected_mini`` True; the CSVs and images in ``root/folder``."""
    data = root / folder
    for images in IMAGE_FOLDERS:
        (data / images).mkdir(parents=True, exist_ok=True)
    table = []
    step = max(1, rows // mini) if mini else 0
    picked = set(range(0, rows, step)[:mini]) if mini else set()
    formats = list(FORMATS)
    for k in range(rows):
        policy = POLICIES[k % policies]
        format_ = formats[(k // policies) % len(formats)]
        image = _image_path(format_, k)
        tiny_image(f"{k}{format_}", data / image)
        table.append(
            {
                "id": str(k),
                "jailbreak_query": f"[placeholder {format_} jailbreak wrapping request {k}]",
                "redteam_query": f"[placeholder request {k} on {policy.lower()}]",
                "format": format_,
                "policy": policy,
                "image_path": image,
                "from": "[placeholder source]",
                "selected_mini": str(k in picked),
                "transfer_from_llm": str(FORMATS[format_] == TRANSFER),
            }
        )
    write_rows(data / "JailBreakV_28K.csv", table)
    write_rows(data / "mini_JailBreakV_28K.csv", [r for k, r in enumerate(table) if k in picked])
    return root


def write_rows(file: Path, rows: list[dict[str, str]], columns: tuple[str, ...] = ()) -> None:
    """``rows`` as a CSV with the card's columns (or ``columns``), as pandas writes them."""
    file.parent.mkdir(parents=True, exist_ok=True)
    with file.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=columns or COLUMNS + OPTIONAL, extrasaction="ignore"
        )
        writer.writeheader()
        writer.writerows(rows)


def read_rows(file: Path) -> list[dict[str, str]]:
    with file.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _image_path(format_: str, k: int) -> str:
    if FORMATS[format_] == TRANSFER:
        prefix, extension = TRANSFER_IMAGES[k % len(TRANSFER_IMAGES)]
        return f"llm_transfer_attack/{prefix}_{k}.{extension}"
    if format_ == "figstep":
        return f"figstep/query_{k}_6.png"
    return f"query_related/{format_}_{k}.png"
