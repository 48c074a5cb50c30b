"""JailBreakV-28K and its mini split (Luo et al., COLM 2024), read as the authors distribute them
on Hugging Face (dataset ``JailbreakV-28K/JailBreakV-28k``, MIT licence; code at
github.com/EddyLuo1232/JailBreakV_28K, since moved to SaFo-Lab):

- ``JailBreakV_28K/JailBreakV_28K.csv`` (28,000 rows) and
  ``JailBreakV_28K/mini_JailBreakV_28K.csv`` (280 rows), the two splits of the card's
  ``JailBreakV_28K`` config, columns ``id, jailbreak_query, redteam_query, format, policy,
  image_path, from, selected_mini, transfer_from_llm`` (the card's "Dataset Details");
- the images each row's ``image_path`` names, relative to that folder, under ``figstep/``,
  ``llm_transfer_attack/`` (``blank_*``, ``noise_*``, ``nature_*``, ``SD_related_*``: the images
  sent with the text attacks) and ``query_related/``. The repository holds a sample of them;
  the full set is the authors' download (``JailBreakV_28K.zip``, linked from the card), which
  unpacks to ``JailBreakV_28K/JailBreakV_28K/`` (some copies spell it ``JailBreakV_28k``).
  PATH may be the repository, the download's folder, or the folder holding the CSVs (the
  repository's first commits kept them at its top).

``format`` is the jailbreak method: ``Template``, ``Persuade``, ``Logic`` (LLM transfer attacks,
20,000 rows: the text is the attack, the image is filler) and ``figstep``, ``SD``, ``SD_typo``,
``typo`` (the image-based attacks, 8,000 rows: FigStep and the query-relevant SD / typography /
SD+typography images; the card's own spelling, "template, persuade, logic, figstep,
query-relevant", is taken as published too); ``policy`` is one of the 16 safety policies below.

Verified, and where: the file names and splits from the card's config and from loaders that read
the files (PyRIT's ``fetch_jailbreakv_28k_dataset``, which also resolves ``image_path`` under
``JailBreakV_28K/``); the columns from the card; the 16 policy names from PyRIT's
``HarmLiteral``; the 7 format values and the ``llm_transfer_attack`` name prefixes from
independent loaders and a published first-rows dump (``Template``,
``llm_transfer_attack/SD_related_1216.png``, ``Economic Harm``). Not verified (no snapshot of
the repositories could be read): the counts per policy and per format (the card shows them in a
picture only, so only the totals and the 20,000 / 8,000 split are checked), the image names
under ``figstep/`` and ``query_related/`` (the loader follows ``image_path`` whatever it names),
and that ``id`` is unique in each CSV (a repeated id is a layout error).

Each row is one harmful probe: ``redteam_query`` is the request (``text_only`` asks it,
``figstep`` renders it in our typography), the row's own image with its ``jailbreak_query`` is
the ``published`` attack (what the authors' ``attack.py`` sends), ``policy`` is the
``category`` and ``format`` the ``set``, so ``asr.set.<format>`` breaks the ASR down by jailbreak
method at no extra cost. Both CSVs sit in one copy, so each split is its own source:
``jailbreakv_28k`` and ``jailbreakv_28k_mini``.

The images are 15 GB: the fingerprint hashes the CSV and every image's name and size (never
every byte, which would dominate each scan's start), and only the rows a run keeps are decoded.
An image folder the rows name that is missing altogether is a layout error (exit 2); a row whose
image is missing is a bad item, and every missing image is counted in one warning; with
``--on-bad-data skip`` the rows kept are taken from those whose image is there, so a copy
holding only the repository's sample still runs.
"""

from __future__ import annotations

import os
import posixpath
from collections import Counter
from pathlib import Path
from typing import Any, ClassVar

from vlmtrust.core.paths import OutsideRoot, inside
from vlmtrust.core.records import Sample
from vlmtrust.data import OUTSIDE, BadItem
from vlmtrust.data.benchmarks.harmful import HarmfulBenchmark
from vlmtrust.data.benchmarks.layout import (
    Fingerprint,
    Layout,
    Loaded,
    counts_by,
    csv_table,
    image_sample,
    interleave,
    locate,
    require,
    settle,
    short_copy,
)
from vlmtrust.data.source import PUBLISHED_PROMPT, LoadOptions

COLUMNS = ("id", "jailbreak_query", "redteam_query", "format", "policy", "image_path")
#: columns the card lists that the loader only copies into labels (a copy without them loads)
OPTIONAL = ("from", "selected_mini", "transfer_from_llm")
#: the 16 safety policies, spelled as in the ``policy`` column
POLICIES = (
    "Illegal Activity",
    "Violence",
    "Hate Speech",
    "Malware",
    "Physical Harm",
    "Economic Harm",
    "Fraud",
    "Child Abuse Content",
    "Animal Abuse",
    "Political Sensitivity",
    "Privacy Violation",
    "Tailored Unlicensed Advice",
    "Health Consultation",
    "Government Decision",
    "Unethical Behavior",
    "Bias",
)
TRANSFER = "LLM transfer attacks"
IMAGE_BASED = "image-based attacks"
#: format -> the kind of attack it is (the card: 20,000 LLM transfer, 8,000 image-based)
FORMATS = {
    "Template": TRANSFER,
    "Persuade": TRANSFER,
    "Logic": TRANSFER,
    "figstep": IMAGE_BASED,
    "SD": IMAGE_BASED,
    "SD_typo": IMAGE_BASED,
    "typo": IMAGE_BASED,
}
PUBLISHED_KINDS = {TRANSFER: 20_000, IMAGE_BASED: 8_000}
#: the card's own spelling of the methods ("template, persuade, logic, figstep,
#: query-relevant"), accepted beside the CSV's, whatever the case
KINDS = {
    **{f.lower(): kind for f, kind in FORMATS.items()},
    "query-relevant": IMAGE_BASED,
    "query_relevant": IMAGE_BASED,
}
IMAGE_FOLDERS = ("figstep", "llm_transfer_attack", "query_related")
IMAGES = "JailBreakV_28K/{" + ",".join(IMAGE_FOLDERS) + "}/"
#: where the CSVs sit under PATH: the repository's folder, the download's folder inside it
FOLDERS = (
    "JailBreakV_28K",
    "JailBreakV_28k",
    "JailBreakV_28K/JailBreakV_28K",
    "JailBreakV_28K/JailBreakV_28k",
)
REPOSITORY = "https://huggingface.co/datasets/JailbreakV-28K/JailBreakV-28k"


class JailBreakV28K(HarmfulBenchmark):
    name = "jailbreakv_28k"
    #: the split's CSV, in the folder beside the image folders
    table: ClassVar[str] = "JailBreakV_28K.csv"
    published_rows: ClassVar[int] = 28_000
    layout = Layout(
        "JailBreakV-28K",
        "JailBreakV_28K/JailBreakV_28K.csv (columns " + ",".join(COLUMNS + OPTIONAL) + ") and "
        f"the images its image_path names under {IMAGES}, as in {REPOSITORY}",
    )
    expects = f"JailBreakV_28K/JailBreakV_28K.csv + {IMAGES}"
    feeds = (
        "safety.jailbreak (harmful requests by policy; each row's image + jailbreak_query as "
        "published, the format as set)"
    )
    get_it = (
        f"git clone {REPOSITORY} (or huggingface-cli download --repo-type dataset "
        "JailbreakV-28K/JailBreakV-28k); the full images: the card's JailBreakV_28K.zip link"
    )
    licence = "MIT (the dataset card)"

    @classmethod
    def open(cls, path: str, options: LoadOptions) -> JailBreakV28K:
        root = locate(path, cls.table, cls.layout, inner=FOLDERS)
        table = require(root, cls.table, cls.layout)
        fingerprint = Fingerprint(root)
        fingerprint.read(table)
        rows = [row for _, row in cls._rows(table)]
        folders = _image_folders(rows)
        for folder in folders:
            require(root, folder, cls.layout, folder=True)
        problems = _image_problems(root, rows, folders, fingerprint)
        ordered = _spread(rows)
        kept: list[dict[str, str]] = []
        passed: list[BadItem] = []  # rows skipped for a missing image before --limit was reached
        for row in ordered:
            if options.limit is not None and len(kept) >= options.limit:
                break
            if row["id"] in problems and options.on_bad == "skip":
                passed.append(BadItem(str(root / row["image_path"]), problems[row["id"]]))
            else:
                kept.append(row)
        items = [cls._item(root, row, options) for row in kept]
        samples, skipped = settle(items, options.on_bad)
        found = counts_by((row["format"], row["policy"]) for row in rows)
        warnings = [
            *_missing_columns(table, rows[0]),
            *cls._count_warnings(rows),
            *_vocabulary(cls.layout.title, rows),
        ]
        if problems:
            warnings.append(
                f"{len(problems):,} of {len(rows):,} rows name an image that is not under {root} "
                "(the Hugging Face repository holds a sample of the images; the card's "
                "JailBreakV_28K.zip has them all)"
            )
        loaded = Loaded(samples, passed + skipped, warnings, fingerprint.hexdigest(), found)
        return cls(loaded)

    @classmethod
    def _rows(cls, table: Path) -> list[tuple[int, dict[str, str]]]:
        """The split's rows, every one with an id (unique), a request, a format, a policy and
        an image path."""
        rows = csv_table(table, COLUMNS, cls.layout)
        if not rows:
            raise cls.layout.error(f"{table} holds no rows")
        seen: dict[str, int] = {}
        for line, row in rows:
            for column in COLUMNS:
                if column != "jailbreak_query":
                    row[column] = row[column].strip()
                if not row[column].strip():
                    raise cls.layout.error(f"{table} line {line} has an empty {column!r}")
            if row["id"] in seen:
                raise cls.layout.error(
                    f"{table} holds the id {row['id']!r} twice (lines {seen[row['id']]} and {line})"
                )
            seen[row["id"]] = line
        return rows

    @classmethod
    def _count_warnings(cls, rows: list[dict[str, str]]) -> list[str]:
        """The copy's rows against the published 20,000 LLM transfer and 8,000 image-based."""
        kinds = Counter(KINDS[f] for r in rows if (f := r["format"].lower()) in KINDS)
        return short_copy(cls.layout.title, kinds, PUBLISHED_KINDS)

    @classmethod
    def _item(cls, root: Path, row: dict[str, str], options: LoadOptions) -> Sample | BadItem:
        """The row's Sample, its image decoded (read apart from the fingerprint, which holds
        every image's size whatever --limit keeps), or a BadItem saying why not."""
        relative = row["image_path"]
        source = f"{cls.name}:{root / relative}"
        item = image_sample(
            root, relative, _fields(row), source, Fingerprint(root), True, options.max_pixels
        )
        assert item is not None  # decoded: a Sample or a BadItem
        return item


class JailBreakV28KMini(JailBreakV28K):
    name = "jailbreakv_28k_mini"
    table = "mini_JailBreakV_28K.csv"
    published_rows = 280
    layout = Layout(
        "JailBreakV-28K mini",
        "JailBreakV_28K/mini_JailBreakV_28K.csv (columns " + ",".join(COLUMNS + OPTIONAL) + ") "
        f"and the images its image_path names under {IMAGES}, as in {REPOSITORY}",
    )
    expects = f"JailBreakV_28K/mini_JailBreakV_28K.csv + {IMAGES}"

    @classmethod
    def _count_warnings(cls, rows: list[dict[str, str]]) -> list[str]:
        """The card gives the mini split's total only."""
        return short_copy(cls.layout.title, len(rows), cls.published_rows)


def _spread(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The rows one policy at a time in turn, each policy's own rows one format at a time,
    starting each policy at a different format: the first 16 rows cover every policy and, as
    far as 16 rows can, every format (the CSV lists one format's rows after another's)."""
    by_policy: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_policy.setdefault(row["policy"], []).append(row)
    queued = []
    for turn, group in enumerate(by_policy.values()):
        spread = interleave(group, lambda r: r["format"])
        shift = turn % len({r["format"] for r in group})
        queued += spread[shift:] + spread[:shift]
    return interleave(queued, lambda r: r["policy"])


def _image_folders(rows: list[dict[str, str]]) -> list[str]:
    """The top folders the rows' images sit in (``figstep``, ...), in first-seen order: one
    missing altogether is the layout's fault (a copy without its images), not a row's. A path
    out of the copy names none (it is a bad item of its own)."""
    tops = (posixpath.normpath(r["image_path"]).split("/")[0] for r in rows)
    return [top for top in dict.fromkeys(tops) if top not in ("", ".", "..") and "." not in top]


def _image_problems(
    root: Path, rows: list[dict[str, str]], folders: list[str], fingerprint: Fingerprint
) -> dict[str, str]:
    """Why each row's image cannot be read (by row id), hashing every image there by its name
    and size, in file order. The folders are listed once (28,000 containment checks would take
    seconds); a path not in the listing is checked alone only where a link or a ``..`` could
    still make it readable or outside the copy."""
    files, linked = _listing(root, folders)
    problems = {}
    for row in rows:
        relative = row["image_path"]
        name = posixpath.normpath(relative)
        if name in files:
            fingerprint.sized(relative, files[name])
            continue
        if not linked and not name.startswith(("..", "/")):
            problems[row["id"]] = "missing file"
            continue
        try:
            file = inside(root, relative)
        except OutsideRoot:
            problems[row["id"]] = OUTSIDE
            continue
        if not file.is_file():
            problems[row["id"]] = "missing file"
            continue
        fingerprint.sized(relative, file.stat().st_size)
    return problems


def _listing(root: Path, folders: list[str]) -> tuple[dict[str, int], bool]:
    """Every regular file under ``root``'s ``folders`` (its path relative to ``root`` -> its
    size), never following a link, and whether a link (or anything but a file or a folder) was
    met, which the listing cannot vouch for."""
    files: dict[str, int] = {}
    linked = False
    todo = [root / folder for folder in folders]
    while todo:
        folder = todo.pop()
        if folder.is_symlink():
            linked = True
            continue
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    todo.append(Path(entry.path))
                elif entry.is_file(follow_symlinks=False):
                    name = Path(entry.path).relative_to(root).as_posix()
                    files[name] = entry.stat(follow_symlinks=False).st_size
                else:
                    linked = True
    return files, linked


def _missing_columns(table: Path, row: dict[str, str]) -> list[str]:
    missing = [c for c in OPTIONAL if c not in row]
    if not missing:
        return []
    names = ", ".join(repr(c) for c in missing)
    return [f"{table} has no {names} column (the card lists it): left out of the labels"]


def _vocabulary(title: str, rows: list[dict[str, str]]) -> list[str]:
    """A warning per column holding values the benchmark does not publish."""
    out = []
    for column, known, spell in (
        ("policy", set(POLICIES), str),
        ("format", set(KINDS), str.lower),
    ):
        odd = sorted({r[column] for r in rows if spell(r[column]) not in known})
        if odd:
            shown = ", ".join(repr(v) for v in odd[:5]) + (" ..." if len(odd) > 5 else "")
            out.append(f"{title}: {column} values not among the published ones: {shown}")
    return out


def _flag(cell: str) -> bool | str:
    """``True`` / ``False`` as the CSV writes them; anything else as it is."""
    return {"true": True, "false": False}.get(cell.strip().lower(), cell.strip())


def _fields(row: dict[str, str]) -> dict[str, Any]:
    request = row["redteam_query"]
    labels: dict[str, Any] = {
        "category": row["policy"],
        "set": row["format"],
        "harmful": True,
        "request": request,
        PUBLISHED_PROMPT: row["jailbreak_query"],
        "format": row["format"],
        "image_path": row["image_path"],
    }
    for column in ("transfer_from_llm", "selected_mini"):
        if column in row and row[column].strip():
            labels[column] = _flag(row[column])
    if row.get("from", "").strip():
        labels["from"] = row["from"].strip()
    return {"id": row["id"], "prompt": request, "labels": labels}
