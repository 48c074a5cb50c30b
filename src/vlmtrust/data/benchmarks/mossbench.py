"""MOSSBench (Li et al. 2024, "MOSSBench: Is your multimodal language model oversensitive to safe
queries?"): benign image + query pairs built so that a visual stimulus makes a model refuse a
harmless request, read as github.com/xirui-li/MOSSBench distributes it (CC BY-SA 4.0 per its
README; a test set, not for training).

Verified from the repository itself (its last commit, 8d68b06):

- ``data/images_information/information.json``: an object keyed by ``pid`` (``"1"`` ...
  ``"300"``), each value ``{"image": "images/<pid>.png", "question", "pid", "short
  description", "description", "metadata": {"over": "type 1" | "type 2" | "type 3", "human",
  "child", "syn", "ocr": 0/1, "harm": [0-7]}}``; ``MOSSBench/utils/utils.py`` (``OverDataset``)
  reads it and joins ``image`` to the data folder, so images are ``data/images/<pid>.png``.
  ``experiments/main.py`` counts ``type 1`` / ``type 2`` / ``type 3`` as Exaggerated Risk /
  Negated Harm / Counterintuitive Interpretation (its README table); 100 queries each;
- ``data_contrast/images_information/information.json`` and ``data_contrast/images/<pid>.png``:
  the paper's contrast set, 244 harmful queries (100 / 44 / 100 per stimulus type, the same pids
  as the benign pairs they contrast, 46 with an edited image), the same keys with ``metadata``
  holding ``over`` only; no script in the repository reads it;
- ``information.csv`` and ``images/`` at the repository root: the benign set again as a table
  (columns ``pid,question,image_path,short description,description,meta_data_over,...``,
  ``meta_data_over`` naming the stimulus type in words), the files third-party loaders read from
  the Hugging Face copy (``AIcell/MOSSBench``); accepted when PATH has no ``information.json``.
  The Hugging Face card itself could not be read here.

PATH is the clone (or its ``data`` folder; ``data_contrast`` is then looked for beside it).
Each benign pair answers ``safety.over_refusal`` (set ``oversensitivity``), each contrast
query ``safety.jailbreak`` (set ``contrast``): the query as the request (``text_only`` asks it
without the image), the pair itself as the ``published`` attack (the benchmark's own image with
its own query), the stimulus type as ``category``. A copy without the contrast set has no
harmful rows: a task asking for them is left out with that reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vlmtrust.core.records import Sample
from vlmtrust.data import BadItem
from vlmtrust.data.benchmarks.layout import (
    BenchmarkSource,
    Fingerprint,
    Layout,
    Loaded,
    counts_by,
    csv_table,
    image_sample,
    interleave,
    json_object,
    settle,
    short_copy,
)
from vlmtrust.data.source import PUBLISHED_PROMPT, LoadOptions, NotSupplied, Probes, SampleRequest

#: ``metadata.over`` -> the stimulus type it stands for (experiments/main.py, README)
STIMULI = {
    "type 1": "Exaggerated Risk",
    "type 2": "Negated Harm",
    "type 3": "Counterintuitive Interpretation",
}
#: published queries per stimulus type: the benign set, then the harmful contrast set
BENIGN = dict.fromkeys(STIMULI.values(), 100)
CONTRAST = {"Exaggerated Risk": 100, "Negated Harm": 44, "Counterintuitive Interpretation": 100}
INFORMATION = "images_information/information.json"
CONTRAST_FOLDER = "data_contrast"
TABLE = "information.csv"
TABLE_COLUMNS = ("pid", "question", "image_path", "meta_data_over")
#: the sets' names: the Hugging Face config of the benign set, and the contrast folder's
SETS = {False: "oversensitivity", True: "contrast"}
REPOSITORY = "https://github.com/xirui-li/MOSSBench"


@dataclass(frozen=True)
class Row:
    """One query of either set, as read."""

    pid: str
    question: str
    image: str
    stimulus: str
    flags: dict[str, bool]


class MOSSBench(BenchmarkSource):
    name = "mossbench"
    layout = Layout(
        "MOSSBench",
        f"data/{INFORMATION} (an object of pid -> {{'image', 'question', 'metadata': {{'over': "
        "'type 1|2|3', ...}}}), data/images/<pid>.png and, for the harmful contrast set, "
        f"{CONTRAST_FOLDER}/{INFORMATION} + {CONTRAST_FOLDER}/images/<pid>.png, as in "
        f"{REPOSITORY} (or its root's {TABLE} + images/)",
    )
    expects = (
        f"an xirui-li/MOSSBench clone: data/{INFORMATION} + data/images/ (300 benign pairs), "
        f"{CONTRAST_FOLDER}/ (244 harmful contrast queries)"
    )
    feeds = (
        "safety.over_refusal (benign pairs, per stimulus type) and safety.jailbreak (the "
        "contrast set's harmful queries), each pair as condition published"
    )
    get_it = f"git clone {REPOSITORY}"
    licence = "CC BY-SA 4.0 (README; a test set, not for training)"

    @classmethod
    def open(cls, path: str, options: LoadOptions) -> MOSSBench:
        given = _directory(path, cls.layout)
        found = [r for r in (given / "data", given) if (r / INFORMATION).is_file()]
        if not found and (given / TABLE).is_file():
            return cls._load({False: _table_set(given, cls.layout)}, options)
        if not found:
            raise cls.layout.error(f"{given} has no data/{INFORMATION} (nor {TABLE})")
        root = found[0]
        sets = {False: _json_set(root, "data", cls.layout)}
        contrast = root.parent / CONTRAST_FOLDER
        if (contrast / INFORMATION).is_file():
            sets[True] = _json_set(contrast, CONTRAST_FOLDER, cls.layout)
        return cls._load(sets, options)

    @classmethod
    def _load(cls, sets: dict[bool, _Set], options: LoadOptions) -> MOSSBench:
        fingerprint = Fingerprint(next(iter(sets.values())).folder)
        warnings: list[str] = []
        kept: list[Sample | BadItem] = []
        counts: dict[str, dict[str, int]] = {}
        for harmful, found in sets.items():
            fingerprint.read(found.file, found.file_name)
            chosen = interleave(found.rows, lambda r: r.stimulus)[: options.limit]
            decode = {row.pid for row in chosen}
            items: dict[str, Sample | BadItem] = {}
            for row in found.rows:  # every image is read and hashed in file order
                fields = _fields(row, harmful)
                item = image_sample(
                    found.folder,
                    row.image,
                    fields,
                    f"{cls.name}:{found.folder / row.image}",
                    fingerprint,
                    row.pid in decode,
                    options.max_pixels,
                    f"{found.prefix}/{row.image}",
                )
                if item is not None:
                    items[row.pid] = item
            kept += [items[row.pid] for row in chosen if row.pid in items]
            per_stimulus = counts_by((SETS[harmful], r.stimulus) for r in found.rows)
            counts |= per_stimulus
            published = CONTRAST if harmful else BENIGN
            what = "MOSSBench's contrast set" if harmful else "MOSSBench"
            warnings += short_copy(what, per_stimulus[SETS[harmful]], published, "queries")
        if True not in sets:
            warnings.append(
                f"MOSSBench's harmful contrast set ({CONTRAST_FOLDER}/{INFORMATION}) is not in "
                "this copy: safety.jailbreak has no rows from it"
            )
        samples, skipped = settle(kept, options.on_bad)
        return cls(Loaded(samples, skipped, warnings, fingerprint.hexdigest(), counts))

    def samples(self, request: SampleRequest) -> list[Sample]:
        if not isinstance(request, Probes):
            raise self.cannot_supply(request)
        if request.harmful and SETS[True] not in self._loaded.counts:
            task = request.task or "this task"
            raise NotSupplied(
                f"this MOSSBench copy has no harmful contrast set ({CONTRAST_FOLDER}/), which "
                f"{task} scores",
                f"use a full clone of {REPOSITORY}, or run {task} without --data",
            )
        rows = [s for s in self._loaded.samples if s.labels["harmful"] is request.harmful]
        return rows if request.n is None else rows[: request.n]


@dataclass(frozen=True)
class _Set:
    """One set's index file and rows; images are relative to ``folder``; ``prefix`` names the
    folder in the fingerprint, so a copy hashes the same wherever PATH points."""

    folder: Path
    prefix: str
    file: Path
    file_name: str
    rows: list[Row]


def _directory(path: str, layout: Layout) -> Path:
    if not path:
        raise layout.error("no path given (--data NAME:PATH)")
    given = Path(path)
    if not given.is_dir():
        raise layout.error(f"{given} is not a directory")
    return given


def _json_set(folder: Path, prefix: str, layout: Layout) -> _Set:
    """``<folder>/images_information/information.json`` read strictly."""
    file = folder / INFORMATION
    rows = [_json_row(file, key, entry, layout) for key, entry in json_object(file, layout).items()]
    if not rows:
        raise layout.error(f"{file} holds no queries")
    return _Set(folder, prefix, file, f"{prefix}/{INFORMATION}", rows)


def _json_row(file: Path, key: str, entry: Any, layout: Layout) -> Row:
    where = f"{file} entry {key!r}"
    if not isinstance(entry, dict):
        raise layout.error(f"{where} is not an object")
    for field in ("image", "question"):
        if not isinstance(entry.get(field), str) or not entry[field].strip():
            raise layout.error(f"{where} has no {field!r}")
    metadata = entry.get("metadata")
    if not isinstance(metadata, dict) or metadata.get("over") not in STIMULI:
        found = metadata.get("over") if isinstance(metadata, dict) else None
        raise layout.error(
            f"{where} has no metadata 'over' of {', '.join(map(repr, STIMULI))} (found {found!r})"
        )
    flags = {k: bool(metadata[k]) for k in ("human", "child", "syn", "ocr") if k in metadata}
    return Row(
        key, entry["question"].strip(), entry["image"].strip(), STIMULI[metadata["over"]], flags
    )


def _table_set(given: Path, layout: Layout) -> _Set:
    """The root's ``information.csv`` (the Hugging Face copy's table) read strictly."""
    file = given / TABLE
    names = set(STIMULI.values())
    rows: list[Row] = []
    seen: set[str] = set()
    for line, cells in csv_table(file, TABLE_COLUMNS, layout):
        for column in TABLE_COLUMNS:
            if not cells[column].strip():
                raise layout.error(f"{file} line {line} has an empty {column!r}")
        stimulus = cells["meta_data_over"].strip()
        if stimulus not in names:
            raise layout.error(
                f"{file} line {line} has the stimulus type {stimulus!r}, not one of "
                + ", ".join(map(repr, STIMULI.values()))
            )
        flags = {
            k: cells[f"meta_data_{k}"].strip() == "1"
            for k in ("human", "child", "syn", "ocr")
            if cells.get(f"meta_data_{k}", "").strip()
        }
        pid = cells["pid"].strip()
        if pid in seen:
            raise layout.error(f"{file} line {line} repeats the pid {pid!r}")
        seen.add(pid)
        rows.append(
            Row(pid, cells["question"].strip(), cells["image_path"].strip(), stimulus, flags)
        )
    if not rows:
        raise layout.error(f"{file} holds no rows")
    return _Set(given, "data", file, TABLE, rows)


def _fields(row: Row, harmful: bool) -> dict[str, Any]:
    labels: dict[str, Any] = {
        "category": row.stimulus,
        "set": SETS[harmful],
        "harmful": harmful,
        "request": row.question,
        PUBLISHED_PROMPT: row.question,
        **row.flags,
    }
    if row.pid.isdigit():
        labels["pid"] = int(row.pid)
    return {"id": f"{SETS[harmful]}/{row.pid}", "prompt": row.question, "labels": labels}
