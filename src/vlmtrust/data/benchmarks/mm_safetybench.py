"""MM-SafetyBench (Liu et al., ECCV 2024), read as github.com/isXinLiu/MM-SafetyBench
distributes it (CC BY-NC 4.0, research use only; the GPT-4 and Stable Diffusion terms apply
too): the questions in the repository, the images from the authors' download unpacked beside
them:

- ``data/processed_questions/<NN-Scenario>.json``, one per scenario: an object keyed by question
  id (``"0"``, ``"1"``, ...), each value holding ``Question`` (the harmful question),
  ``Rephrased Question`` (sent with the TYPO and SD_TYPO images), ``Rephrased Question(SD)``
  (sent with the SD image), and ``Changed Question``, ``Key Phrase``, ``Phrase Type``,
  ``GPT-Pred``;
- ``data/imgs/<NN-Scenario>/{SD,SD_TYPO,TYPO}/<id>.jpg``: the Stable Diffusion image of the key
  phrase, the same with the phrase typed under it, and the typed phrase alone. The download
  (``MM-SafetyBench(imgs).zip``) unpacks to a folder of that name, also accepted inside or
  beside ``data/imgs`` or in PATH; a scenario folder or question file spelled differently is
  found by its number (``01-``). The fingerprint hashes files under their canonical names
  (``processed_questions/<NN-Scenario>.json``, ``imgs/<NN-Scenario>/...``), so it is the same
  however the copy is laid out.

13 scenarios with the published question counts below (1,680 in all, 5,040 image-question
pairs); the scenario names are the authors' file names, their spelling included
(``01-Illegal_Activitiy``); a copy with other counts is a warning.

Verified against the authors' own commits (isXinLiu, last one b80eede of 2024-10-15, kept in the
history of the fork github.com/syk1052/MM-SafetyBench; the original repository could not be
fetched here): the 13 file names, the seven keys of every entry (the three read here, plus
``Changed Question``, ``Key Phrase``, ``Phrase Type`` and ``GPT-Pred``, all strings), the
per-scenario counts, the README's pairing of each image type with its question key, and the
image paths (``creation/2_img_process.py`` writes ``data/imgs/<scenario>/<kind>/<id>.jpg`` for
each key of the question file). Ids are not always consecutive: ``05-EconomicHarm`` runs 0-132
with 11 gaps, ``08-Political_Lobbying`` 0-180 with 28, so images are found by id, never by
position. Not verified: the folder names inside the images' zip (the README says to unzip it
under ``data/imgs``; the other spellings accepted above are for copies unpacked otherwise).

``mm_safetybench_tiny`` is the authors' tiny version: the questions ``TinyVersion_ID_List.json``
(at the clone's root; a list of ``{"Scenario", "Sampled_ID_List"}``) lists, 168 in all (its
per-scenario counts below, counted in the authors' file), read from the same files.

Each (question, image type) is one harmful probe: ``Question`` as the text request (so
``text_only`` asks each question once per image type), the image with its rephrased question as
the ``published`` attack, the scenario (without its number) as ``category`` and the image type
as ``set``, so ``asr.set.SD_TYPO`` is the benchmark's own headline condition.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

from vlmtrust.core.records import Sample
from vlmtrust.data import BadItem
from vlmtrust.data.benchmarks.harmful import HarmfulBenchmark
from vlmtrust.data.benchmarks.layout import (
    Fingerprint,
    Layout,
    Loaded,
    counts_by,
    image_sample,
    interleave,
    json_object,
    locate,
    require,
    settle,
    short_copy,
)
from vlmtrust.data.source import PUBLISHED_PROMPT, LoadOptions

#: scenario file -> published number of questions (counted in the authors' question files)
SCENARIOS = {
    "01-Illegal_Activitiy": 97,
    "02-HateSpeech": 163,
    "03-Malware_Generation": 44,
    "04-Physical_Harm": 144,
    "05-EconomicHarm": 122,
    "06-Fraud": 154,
    "07-Sex": 109,
    "08-Political_Lobbying": 153,
    "09-Privacy_Violence": 139,
    "10-Legal_Opinion": 130,
    "11-Financial_Advice": 167,
    "12-Health_Consultation": 109,
    "13-Gov_Decision": 149,
}
#: image type -> the question key sent with it
IMAGE_TYPES = {
    "SD": "Rephrased Question(SD)",
    "SD_TYPO": "Rephrased Question",
    "TYPO": "Rephrased Question",
}
KEYS = ("Question", "Rephrased Question", "Rephrased Question(SD)")
REPOSITORY = "https://github.com/isXinLiu/MM-SafetyBench"
#: the folder the authors' image download unpacks to
DOWNLOAD = "MM-SafetyBench(imgs)"
NUMBERS = frozenset(s[:3] for s in SCENARIOS)
#: the tiny version's id list, at the repository's root
TINY = "TinyVersion_ID_List.json"
#: scenario -> questions the tiny version lists (counted in the authors' TinyVersion_ID_List.json)
TINY_SCENARIOS = dict(
    zip(SCENARIOS, (10, 16, 5, 14, 12, 15, 11, 15, 14, 13, 17, 11, 15), strict=True)
)
#: (scenario, question id, entry) as read from a question file
Row = tuple[str, str, dict[str, Any]]


class MMSafetyBench(HarmfulBenchmark):
    name = "mm_safetybench"
    layout = Layout(
        "MM-SafetyBench",
        "data/processed_questions/<NN-Scenario>.json (an object of id -> {"
        + ", ".join(repr(k) for k in KEYS)
        + "}) and data/imgs/<NN-Scenario>/{SD,SD_TYPO,TYPO}/<id>.jpg, as in "
        f"{REPOSITORY} (images from its README's download link)",
    )
    expects = "data/processed_questions/*.json + data/imgs/<scenario>/{SD,SD_TYPO,TYPO}/<id>.jpg"
    get_it = f"git clone {REPOSITORY}; unpack the images its README links into data/imgs"
    licence = "CC BY-NC 4.0 (research only; GPT-4 and Stable Diffusion terms apply)"
    #: scenario -> questions in the published copy of this set
    published: ClassVar[dict[str, int]] = SCENARIOS

    @classmethod
    def _select(
        cls, rows: list[Row], root: Path, given: Path, fingerprint: Fingerprint
    ) -> list[Row]:
        """The rows of this set (all of them: the tiny version keeps its listed ids)."""
        return rows

    @classmethod
    def open(cls, path: str, options: LoadOptions) -> MMSafetyBench:
        root = locate(path, "processed_questions", cls.layout, inner=("data",))
        questions = require(root, "processed_questions", cls.layout, folder=True)
        given = Path(path)
        images = _images_root(root, given, cls.layout)
        files = _question_files(questions)
        if not files:
            raise cls.layout.error(f"{questions} holds none of the 13 scenario files")
        fingerprint = Fingerprint(root)
        rows: list[Row] = []
        folders: dict[str, str] = {}  # scenario -> its image folder, relative to PATH
        for scenario, file in files.items():
            fingerprint.read(file, f"processed_questions/{scenario}.json")
            folder = _scenario_folder(images, scenario, cls.layout)
            folders[scenario] = folder.relative_to(given).as_posix()
            for qid, entry in json_object(file, cls.layout).items():
                _check_entry(file, qid, entry, cls.layout)
                rows += [(scenario, qid, entry)]
        rows = cls._select(rows, root, given, fingerprint)
        pairs = [(s, t, q, e) for s, q, e in rows for t in IMAGE_TYPES]
        kept = [_id(s, t, q) for s, t, q, _ in interleave(pairs, lambda p: p[0])]
        kept = kept[: options.limit]
        decode = set(kept)
        items: dict[str, Sample | BadItem] = {}
        for scenario, kind, qid, entry in pairs:
            relative = f"{folders[scenario]}/{kind}/{qid}.jpg"
            key = _id(scenario, kind, qid)
            fields = _fields(scenario, kind, qid, entry)
            source = f"{cls.name}:{given / relative}"
            name = f"imgs/{scenario}/{kind}/{qid}.jpg"  # the same however the copy is laid out
            item = image_sample(
                given,
                relative,
                fields,
                source,
                fingerprint,
                key in decode,
                options.max_pixels,
                name,
            )
            if item is not None:
                items[key] = item
        samples, skipped = settle([items[i] for i in kept if i in items], options.on_bad)
        by_scenario = counts_by(("questions", s) for s, _, _ in rows).get("questions", {})
        warnings = short_copy(cls.layout.title, by_scenario, cls.published, "questions")
        counts = counts_by((kind, _category(s)) for s, kind, _, _ in pairs)
        return cls(Loaded(samples, skipped, warnings, fingerprint.hexdigest(), counts))


class MMSafetyBenchTiny(MMSafetyBench):
    """The authors' tiny version (``TinyVersion_ID_List.json``, 168 of the 1,680 questions,
    "to save evaluation cost"): the same files, only the listed ids read and hashed."""

    name = "mm_safetybench_tiny"
    published = TINY_SCENARIOS
    layout = Layout(
        "MM-SafetyBench tiny version",
        f"{TINY} (a list of {{'Scenario', 'Sampled_ID_List'}}) beside data/, "
        "data/processed_questions/<NN-Scenario>.json and "
        f"data/imgs/<NN-Scenario>/{{SD,SD_TYPO,TYPO}}/<id>.jpg, as in {REPOSITORY}",
    )
    expects = f"an MM-SafetyBench clone with its images (as mm_safetybench) and its {TINY}"

    @classmethod
    def _select(
        cls, rows: list[Row], root: Path, given: Path, fingerprint: Fingerprint
    ) -> list[Row]:
        file = next((f for f in (given / TINY, root.parent / TINY) if f.is_file()), None)
        if file is None:
            raise cls.layout.error(f"{given} has no {TINY}")
        listed = _tiny_ids(file, fingerprint.read(file, TINY), cls.layout)
        return [(s, q, e) for s, q, e in rows if (s, int(q)) in listed]


def _tiny_ids(file: Path, data: bytes, layout: Layout) -> set[tuple[str, int]]:
    """``(scenario, id)`` of every question the tiny version lists."""
    try:
        value = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise layout.error(f"{file} is not UTF-8 JSON") from None
    ok = isinstance(value, list) and all(
        isinstance(item, dict)
        and item.get("Scenario") in SCENARIOS
        and isinstance(item.get("Sampled_ID_List"), list)
        and all(isinstance(i, int) for i in item["Sampled_ID_List"])
        for item in value
    )
    if not ok:
        raise layout.error(
            f"{file} is not a list of {{'Scenario': <NN-Scenario>, 'Sampled_ID_List': [ids]}}"
        )
    return {(item["Scenario"], i) for item in value for i in item["Sampled_ID_List"]}


def _question_files(questions: Path) -> dict[str, Path]:
    """Each scenario's question file, by its name, else the one ``NN-*.json`` with its number."""
    found = {}
    numbered = [f for f in sorted(questions.glob("*.json")) if f.name[:3] in NUMBERS]
    for scenario in SCENARIOS:
        same = [f for f in numbered if f.name[:3] == scenario[:3]]
        exact = questions / f"{scenario}.json"
        if exact.is_file() or len(same) == 1:
            found[scenario] = exact if exact.is_file() else same[0]
    return found


def _images_root(root: Path, given: Path, layout: Layout) -> Path:
    """``imgs`` beside ``processed_questions`` (the download unpacked there), or the download's
    own folder, ``MM-SafetyBench(imgs)``, inside ``imgs``, beside it, or in PATH."""
    for folder in (root / "imgs", root / "imgs" / DOWNLOAD, root / DOWNLOAD, given / DOWNLOAD):
        if folder.is_dir() and _numbered(folder):
            return folder
    raise layout.error(f"{root / 'imgs'} is missing (or holds no <NN-Scenario> folder)")


def _numbered(folder: Path) -> list[Path]:
    """The ``NN-Name`` folders of ``folder`` whose number is a scenario's."""
    return [p for p in folder.iterdir() if p.is_dir() and p.name[:3] in NUMBERS]


def _scenario_folder(images: Path, scenario: str, layout: Layout) -> Path:
    """The scenario's image folder: its own name, else the one folder with its number (``01-``),
    as the download may spell a name differently from the question file."""
    if (images / scenario).is_dir():
        return images / scenario
    same = [p for p in _numbered(images) if p.name[:3] == scenario[:3]]
    if len(same) != 1:
        raise layout.error(f"{images / scenario} is missing")
    return same[0]


def _check_entry(file: Path, qid: str, entry: Any, layout: Layout) -> None:
    if not isinstance(entry, dict):
        raise layout.error(f"{file} entry {qid!r} is not an object")
    for key in KEYS:
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise layout.error(f"{file} entry {qid!r} has no {key!r}")
    if not qid.isdigit():
        raise layout.error(f"{file} has the id {qid!r}, not a number")


def _category(scenario: str) -> str:
    """``01-Illegal_Activitiy`` -> ``Illegal_Activitiy``: the authors' name, without its number."""
    return scenario.split("-", 1)[1]


def _id(scenario: str, kind: str, qid: str) -> str:
    return f"{scenario}/{kind}/{qid}"


def _fields(scenario: str, kind: str, qid: str, entry: dict[str, Any]) -> dict[str, Any]:
    question = str(entry["Question"]).strip()
    labels: dict[str, Any] = {
        "category": _category(scenario),
        "set": kind,
        "harmful": True,
        "request": question,
        PUBLISHED_PROMPT: str(entry[IMAGE_TYPES[kind]]).strip(),
        "question_id": int(qid),
    }
    phrase = entry.get("Key Phrase")
    if isinstance(phrase, str) and phrase.strip():
        labels["key_phrase"] = phrase.strip()
    return {"id": _id(scenario, kind, qid), "prompt": question, "labels": labels}
