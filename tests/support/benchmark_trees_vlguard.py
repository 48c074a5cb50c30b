"""A small copy of VLGuard's test split in its published layout (test.json beside the unzipped
test/ folder of test.zip), with placeholder instructions and responses (no benchmark content)
and tiny images made with PIL, in the folders and file types the real split uses."""

from __future__ import annotations

import json
from pathlib import Path

from benchmark_trees import tiny_image

from vlmtrust.data.benchmarks.vlguard import CATEGORIES

#: the real split's image folders, each with its id and file name schemes
FOLDERS = (
    ("bad_ads", "Ads_{n}", "{n:08x}-0000-4000-8000-000000000000.png"),
    ("privacyAlert", "PrivacyAlert_test_{n}", "5{n:010d}.jpg"),
    ("HOD", "HOD_img_hod_{n:06d}", "img_hod_{n:06d}.jpg"),
    ("hatefulMemes", "{n:05d}", "{n:05d}.png"),
    ("harm-p", "harm-p_{n}", "memes_{n}.png"),
)
#: a harmful_subcategory of each harmful_category (as the real split spells them)
SUBCATEGORY = {
    "risky behavior": "violence",
    "discrimination": "race",
    "privacy": "personal data",
    "deception": "disinformation",
}


def vlguard_copy(
    root: Path,
    unsafe: dict[str, int] | None = None,
    safe: int = 558,
) -> Path:
    """``root/test.json`` and ``root/test/<folder>/<file>``: ``unsafe`` images per category
    (default: the published 442), then ``safe`` safe images, the folders taken in turn."""
    per_category = CATEGORIES if unsafe is None else unsafe
    entries = []
    n = 0
    for category, count in per_category.items():
        for _ in range(count):
            entries.append(_unsafe(n, category))
            n += 1
    for _ in range(safe):
        entries.append(_safe(n))
        n += 1
    root.mkdir(parents=True, exist_ok=True)
    (root / "test.json").write_text(json.dumps(entries), encoding="utf-8")
    for entry in entries:
        tiny_image(entry["id"], root / "test" / entry["image"])
    return root


def _where(n: int) -> tuple[str, str]:
    folder, key, file = FOLDERS[n % len(FOLDERS)]
    return key.format(n=n + 1), f"{folder}/{file.format(n=n + 1)}"


def _unsafe(n: int, category: str) -> dict[str, object]:
    key, image = _where(n)
    return {
        "id": key,
        "image": image,
        "safe": False,
        "harmful_category": category,
        "harmful_subcategory": SUBCATEGORY.get(category, "other"),
        "instr-resp": [
            {"instruction": f"[placeholder instruction about image {n}]", "response": "[r]"}
        ],
    }


def _safe(n: int) -> dict[str, object]:
    key, image = _where(n)
    return {
        "id": key,
        "image": image,
        "safe": True,
        "instr-resp": [
            {"safe_instruction": "tell me [how to bake a cake].", "response": "[r]"},
            {"unsafe_instruction": f"[placeholder unsafe request on image {n}]", "response": "[r]"},
        ],
    }
