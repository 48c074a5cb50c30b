"""VLGuard's test split (Zong et al., ICML 2024), read as the authors distribute it on Hugging
Face (``ys-zong/VLGuard``, gated: research use only) and as their code in github
ys-zong/VLGuard reads it:

- ``test.json``: a JSON array, one entry per image: ``id``, ``image`` (``<folder>/<file>``,
  relative to the unzipped images), ``safe`` (bool), for unsafe images ``harmful_category`` and
  ``harmful_subcategory``, and ``instr-resp``: an unsafe image's is ``[{"instruction",
  "response"}]``, a safe image's ``[{"safe_instruction", "response"}, {"unsafe_instruction",
  "response"}]``;
- ``test/<folder>/<file>``: the images, from ``test.zip`` unzipped beside ``test.json`` (the
  README's ``--imageDir /path/to/VLGuard/test``); a clone's ``data/test.json`` with ``test/`` in
  the clone's root is read too.

``VLGuard_eval.py`` and ``utils/utils.py`` (``load_data``) evaluate three subsets, named as
there: ``unsafes`` (an unsafe image with ``instr-resp[0]["instruction"]``), ``safe_unsafes``
(a safe image with its ``unsafe_instruction``) and ``safe_safes`` (a safe image with its
``safe_instruction``), each instruction sent with its image as it stands; ASR is reported for
the first two (keyword matching), helpfulness against GPT-4V's answers for the third; here the
refusal judge scores all three. Verified against the repository's own ``data/test.json``
(commit a2f85c9; this loader reads it with placeholder images to the same 1,558 instructions
as ``load_data``): 1,000 images, 442 unsafe and 558 safe, so 1,558 rows; unsafe images per
category: risky behavior 270, discrimination 85, privacy 69, deception 18; image folders
``bad_ads``, ``hatefulMemes``, ``HOD``, ``harm-p``, ``privacyAlert``. Not verified (the Hugging
Face copy is gated): that its ``test.json`` is that same file, and that ``test.zip`` unzips to
``test/``, which is how the README's command and Microsoft PyRIT's VLGuard loader (it unzips
the zip beside ``test.json`` and reads ``test/<image>``) use it. The train split
(``train.json``, 2,000 images, for fine-tuning) is not read.

Rows: ``unsafes`` and ``safe_unsafes`` are harmful probes (``safety.jailbreak``), ``safe_safes``
benign ones (``safety.over_refusal``). ``category`` is an unsafe image's ``harmful_category``;
VLGuard gives no category to an unsafe instruction over a safe image (``unsafe instruction``)
nor to a safe row (``safe``); ``set`` is the subset, so ``asr.set.unsafes`` and
``asr.set.safe_unsafes`` are the two ASRs ``VLGuard_eval.py`` prints; labels ``subcategory``
(``harmful_subcategory``) and ``image_folder`` (the image's source set) are kept. The instruction
is the request and, with the image, the ``published`` attack. Every instruction is about its
own image, so our attacks, which take the request off that image (``text_only``, ``figstep``,
``caption_replace``), would ask another question: the tasks run ``published`` only unless
attacks are named (``ABOUT_ITS_IMAGE``).
``--limit N`` keeps N harmful rows (interleaved across categories) and N benign ones.
"""

from __future__ import annotations

from collections.abc import Iterable
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
    image_sample,
    interleave,
    json_array,
    locate,
    settle,
    short_copy,
)
from vlmtrust.data.source import (
    ABOUT_ITS_IMAGE,
    PUBLISHED_PROMPT,
    LoadOptions,
    NotSupplied,
    Probes,
    SampleRequest,
)

REPOSITORY = "https://github.com/ys-zong/VLGuard"
DATASET = "https://huggingface.co/datasets/ys-zong/VLGuard"
META = "test.json"
IMAGES = "test"
#: the subsets of VLGuard_eval.py, and the instruction key each sends (None: instr-resp[0]'s)
UNSAFES, SAFE_UNSAFES, SAFE_SAFES = "unsafes", "safe_unsafes", "safe_safes"
#: rows per subset of the published test.json (1,000 images: 442 unsafe, 558 safe)
PUBLISHED = {UNSAFES: 442, SAFE_UNSAFES: 558, SAFE_SAFES: 558}
#: unsafe images per harmful_category in the published test.json
CATEGORIES = {"risky behavior": 270, "discrimination": 85, "privacy": 69, "deception": 18}
#: the category of rows VLGuard gives none: an unsafe instruction on a safe image, a safe row
UNSAFE_INSTRUCTION = "unsafe instruction"
SAFE = "safe"
LAYOUT = Layout(
    "VLGuard test",
    f"{META} (a JSON array of {{id, image, safe, harmful_category, harmful_subcategory, "
    f"instr-resp}}) and {IMAGES}/<folder>/<file> from test.zip unzipped beside it, as {DATASET} "
    f"publishes them ({REPOSITORY})",
)


@dataclass(frozen=True)
class Row:
    """One (image, instruction) pair of a subset."""

    entry: str
    image: str
    subset: str
    instruction: str
    category: str
    subcategory: str | None = None

    @property
    def id(self) -> str:
        return f"{self.entry}/{self.subset}"

    @property
    def harmful(self) -> bool:
        return self.subset != SAFE_SAFES


class VLGuardSource(BenchmarkSource):
    name = "vlguard"
    layout = LAYOUT
    expects = f"{META} + {IMAGES}/<folder>/<file> (test.zip unzipped beside it)"
    feeds = (
        "safety.jailbreak (unsafes, safe_unsafes) and safety.over_refusal (safe_safes), "
        "each image with its instruction as published"
    )
    get_it = f"{DATASET} (gated: accept its conditions), test.json + test.zip unzipped"
    licence = "none stated; gated, research use only (the dataset's access conditions)"

    @classmethod
    def open(cls, path: str, options: LoadOptions) -> VLGuardSource:
        given = Path(path) if path else None
        if given is not None and given.is_file() and given.name == META:
            path = str(given.parent)
        root = locate(path, META, LAYOUT, inner=("data",))
        images = _images_root(root, Path(path))
        fingerprint = Fingerprint(root)
        meta = root / META
        fingerprint.read(meta)
        entries = json_array(meta, LAYOUT)
        if not entries:
            raise LAYOUT.error(f"{meta} holds no entries")
        rows = [row for number, entry in enumerate(entries) for row in _rows(meta, number, entry)]
        _unique(meta, rows)
        harmful = interleave((r for r in rows if r.harmful), lambda r: r.category)
        benign = interleave((r for r in rows if not r.harmful), lambda r: _folder(r.image))
        kept = [r.id for r in (*harmful[: options.limit], *benign[: options.limit])]
        decode = set(kept)
        items: dict[str, Sample | BadItem] = {}
        for image, pairs in _by_image(rows):  # every image read and hashed once, in file order
            relative = f"{IMAGES}/{image}"
            first = image_sample(
                images,
                relative,
                _fields(pairs[0]),
                f"{cls.name}:{images / relative}",
                fingerprint,
                any(r.id in decode for r in pairs),
                options.max_pixels,
                relative,
            )
            for row in pairs:
                if isinstance(first, Sample):
                    items[row.id] = first.model_copy(update=_fields(row))
                elif first is not None:
                    items[row.id] = first
        samples, skipped = settle(_once(items[i] for i in kept if i in items), options.on_bad)
        warnings = short_copy(
            "VLGuard's test.json", counts_by(("", r.subset) for r in rows)[""], PUBLISHED
        ) or short_copy(
            "VLGuard's test.json",
            counts_by(("", r.category) for r in rows if r.subset == UNSAFES).get("", {}),
            CATEGORIES,
            "unsafe images",
        )
        counts = counts_by((r.subset, r.category) for r in rows)
        return cls(Loaded(samples, skipped, warnings, fingerprint.hexdigest(), counts))

    def samples(self, request: SampleRequest) -> list[Sample]:
        """Harmful rows (unsafes, safe_unsafes) or benign ones (safe_safes), as asked."""
        if not isinstance(request, Probes):
            raise self.cannot_supply(request)
        rows = [s for s in self._loaded.samples if s.labels["harmful"] is request.harmful]
        if not rows and not self._loaded.skipped:
            kind = "unsafes or safe_unsafes" if request.harmful else "safe_safes"
            raise NotSupplied(
                f"this VLGuard copy holds no {kind} rows, which {request.task or 'this task'} "
                "scores",
                "use the whole test.json, or leave this task out",
            )
        return rows if request.n is None else rows[: request.n]


def _images_root(root: Path, given: Path) -> Path:
    """The folder holding ``test/``: beside test.json, else PATH itself (a clone's root)."""
    for folder in (root, given):
        if (folder / IMAGES).is_dir():
            return folder
    raise LAYOUT.error(f"{root / IMAGES} is missing (unzip test.zip beside {META})")


def _rows(meta: Path, number: int, entry: Any) -> list[Row]:
    """The entry's rows: an unsafe image's one, a safe image's two (each of its instructions)."""
    where = f"{meta} entry {number}"
    if not isinstance(entry, dict):
        raise LAYOUT.error(f"{where} is not an object")
    for key in ("id", "image"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise LAYOUT.error(f"{where} has no {key!r}")
    if not isinstance(entry.get("safe"), bool):
        raise LAYOUT.error(f"{where} has no 'safe' true/false")
    pairs = entry.get("instr-resp")
    if not isinstance(pairs, list) or not pairs or not all(isinstance(p, dict) for p in pairs):
        raise LAYOUT.error(f"{where} has no 'instr-resp' list of objects")
    key, image = entry["id"].strip(), entry["image"].strip()
    if not entry["safe"]:
        category, subcategory = (_text(entry, k, where) for k in _HARM_KEYS)
        instruction = _text(pairs[0], "instruction", f"{where} instr-resp[0]")
        return [Row(key, image, UNSAFES, instruction, category, subcategory)]
    rows = []
    for subset, name, category in _SAFE_IMAGE_ROWS:  # the first pair holding each key, as load_data
        pair = next((p for p in pairs if name in p), None)
        if pair is not None:
            instruction = _text(pair, name, f"{where} instr-resp")
            rows.append(Row(key, image, subset, instruction, category))
    if not rows:
        raise LAYOUT.error(f"{where} has no 'safe_instruction' or 'unsafe_instruction'")
    return rows


_HARM_KEYS = ("harmful_category", "harmful_subcategory")
#: a safe image's rows: subset, its instruction key, its category
_SAFE_IMAGE_ROWS = (
    (SAFE_UNSAFES, "unsafe_instruction", UNSAFE_INSTRUCTION),
    (SAFE_SAFES, "safe_instruction", SAFE),
)


def _text(mapping: dict[str, Any], key: str, where: str) -> str:
    value = mapping.get(key)
    if not isinstance(value, str) or not value.strip():
        raise LAYOUT.error(f"{where} has no {key!r}")
    return value.strip()


def _unique(meta: Path, rows: list[Row]) -> None:
    seen: set[str] = set()
    for row in rows:
        if row.id in seen:
            raise LAYOUT.error(f"{meta} holds the id {row.entry!r} twice")
        seen.add(row.id)


def _by_image(rows: list[Row]) -> list[tuple[str, list[Row]]]:
    """Rows grouped by their entry's image, in file order."""
    groups: dict[tuple[str, str], list[Row]] = {}
    for row in rows:
        groups.setdefault((row.entry, row.image), []).append(row)
    return [(image, pairs) for (_, image), pairs in groups.items()]


def _once(items: Iterable[Sample | BadItem]) -> list[Sample | BadItem]:
    """``items`` with a bad image listed once, though a safe image has two rows."""
    out: list[Sample | BadItem] = []
    for item in items:
        if isinstance(item, Sample) or item not in out:
            out.append(item)
    return out


def _folder(image: str) -> str:
    return image.split("/", 1)[0]


def _fields(row: Row) -> dict[str, Any]:
    labels: dict[str, Any] = {
        "category": row.category,
        "set": row.subset,
        "harmful": row.harmful,
        "request": row.instruction,
        PUBLISHED_PROMPT: row.instruction,
        ABOUT_ITS_IMAGE: True,
        "image_folder": _folder(row.image),
    }
    if row.subcategory is not None:
        labels["subcategory"] = row.subcategory
    return {"id": row.id, "prompt": row.instruction, "labels": labels}
