"""The toxicity judge's tuning set (``calibration/toxicity_tuning.jsonl``): what a learned
toxicity classifier is trained on and its threshold chosen on.

About ten times the first set (``data/toxicity_calibration.jsonl``, whose 205 rows it contains
unchanged, with ``"identity": ""``, since the zoo's rude personas write exactly those) and far
more varied: insults with and without profanity, veiled and violent threats, harassment, sexual
harassment, sarcastic put-downs, insults riding on a useful caption or VQA answer and a toxic
clause inside a long benign answer; hate against each identity group (dehumanising, exclusion,
stereotype attacks, "go back", slurs used at someone) against benign text naming the same group
(self-descriptions, neutral statements, counter-speech, facts, slurs mentioned in discussion,
reclaimed terms), so per-identity false-positive rates can be learned down; and positive
profanity, frustration at things, criticism of ideas, blunt feedback, news, fiction, medical and
legal text, refusals, captions, look-alike words and near-empty answers. Generated from templates
crossed with identities, targets and scenes (seeded) plus hand-written items, among them a block
of harder ones (``toxicity_tuning_hard``: subtle toxicity and the benign identity text the first
head over-flagged), then the dev sets (``calibration/toxicity_dev.jsonl`` to
``toxicity_dev5.jsonl``, the first to fifth held-out sets, each measured once before it was
folded in) appended unchanged, last.
Built by
``build()``; a test checks the shipped file matches (``python -m
vlmtrust.scorers.toxicity_tuning`` rewrites it).
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

from vlmtrust.scorers import toxicity_tuning_groups as g
from vlmtrust.scorers import toxicity_tuning_hard as h
from vlmtrust.scorers import toxicity_tuning_text as t

SEED = 0
FILE = "toxicity_tuning.jsonl"
FIRST = ("data", "toxicity_calibration.jsonl")
#: the dev sets: each hand-written as the held-out set of one version of the judge, measured once
#: on it, then folded in (its errors studied) when a fresh held-out set replaced it
DEV = tuple(("calibration", f"toxicity_dev{n}.jsonl") for n in ("", "2", "3", "4", "5"))
IDENTITIES = g.IDENTITIES

#: hand-written texts used verbatim: kind -> (toxic, texts)
HAND: dict[str, tuple[bool, tuple[str, ...]]] = {
    "insult_no_profanity": (True, t.INSULT_NO_PROFANITY),
    "insult_profanity": (True, t.INSULT_PROFANITY),
    "threat_no_profanity": (True, t.THREAT_NO_PROFANITY),
    "threat_violence": (True, t.THREAT_VIOLENCE),
    "harassment": (True, t.HARASSMENT),
    "sexual_harassment": (True, t.SEXUAL_HARASSMENT),
    "sarcastic_putdown": (True, t.SARCASTIC_PUTDOWN),
    "positive_profanity": (False, t.POSITIVE_PROFANITY),
    "frustration_at_things": (False, t.FRUSTRATION_AT_THINGS),
    "criticism_of_ideas": (False, t.CRITICISM_OF_IDEAS),
    "blunt_feedback": (False, t.BLUNT_FEEDBACK),
    "news_violence": (False, t.NEWS_VIOLENCE),
    "fiction_summary": (False, t.FICTION_SUMMARY),
    "medical_legal": (False, t.MEDICAL_LEGAL),
    "refusal_of_toxic_request": (False, t.REFUSALS),
    "lookalike_word": (False, t.LOOKALIKE),
    "empty_ish": (False, t.EMPTYISH),
}
#: hand-written kinds that are also said to someone (a name, a handle, a role)
ADDRESSED = (
    "insult_no_profanity",
    "insult_profanity",
    "threat_no_profanity",
    "threat_violence",
    "sarcastic_putdown",
    "positive_profanity",
    "criticism_of_ideas",
    "blunt_feedback",
)
TARGETS = ("Sam,", "Hey Jess,", "@mike_92", "Listen, Priya,", "Dear moderator,", "Tom,", "Hey you,")
#: how many rows each identity group gets from each family of templates
PER_GROUP = {
    "dehumanising": 4,
    "exclusion": 3,
    "stereotype": 3,
    "threat": 1,
    "harassment": 1,
    "slur": 2,
    "go_back": 2,
    "self": 4,
    "neutral": 4,
    "counter": 2,
    "factual": 2,
    "mention": 2,
}


def build() -> list[dict[str, Any]]:
    """The first set's rows, then generated and hand-written ones, then the dev set's rows as
    shipped; texts are unique."""
    rng = np.random.default_rng(SEED)
    rows: list[dict[str, Any]] = [{**r, "identity": ""} for r in _first_rows()]
    seen = {r["text"] for r in rows}

    def add(text: str, toxic: bool, kind: str, identity: str = "") -> None:
        if text in seen:
            return
        seen.add(text)
        rows.append({"text": text, "toxic": toxic, "kind": kind, "identity": identity})

    def pick(options: tuple[str, ...]) -> str:
        return str(options[int(rng.integers(len(options)))])

    def some(options: tuple[str, ...], n: int) -> list[str]:
        idx = rng.choice(len(options), size=min(n, len(options)), replace=False)
        return [options[int(i)] for i in idx]

    def caption() -> str:
        return pick(t.SCENES)

    for group in g.GROUPS:
        _add_group(group, add, pick, some, caption)
    for kind, (toxic, texts) in HAND.items():
        for text in texts:
            add(text, toxic, kind)
        if kind in ADDRESSED:
            for text in texts:
                add(f"{pick(TARGETS)} {_lower(text)}", toxic, kind)
    for text, toxic, kind, identity in g.HAND_IDENTITY:
        add(text, toxic, kind, identity)
    for scene in t.SCENES:
        for frame in some(t.CAPTION_FRAMES, 3):
            add(_fill(frame, scene), False, "caption")
        said = _fill(pick(t.CAPTION_FRAMES), scene)
        add(f"{pick(t.INSULT_PREFIXES)} {_lower(said)}", True, "insult_with_answer")
        add(f"{said} {pick(t.INSULT_SUFFIXES)}", True, "insult_with_answer")
        add(
            f"{pick(t.INSULT_PREFIXES)} {said} {pick(t.INSULT_SUFFIXES)}",
            True,
            "insult_with_answer",
        )
        add(f"{pick(t.SCENE_PRAISE)} {said}", False, "positive_profanity_with_answer")
    for question, answer in t.VQA:
        add(answer, False, "vqa_answer")
        add(f"Q: {question} A: {answer}", False, "vqa_answer")
        add(f"{pick(t.INSULT_PREFIXES)} {answer}", True, "insult_with_answer")
        add(f"{answer} {pick(t.INSULT_SUFFIXES)}", True, "insult_with_answer")
        add(f"{answer} {pick(t.SARCASTIC_PUTDOWN)}", True, "insult_with_answer")
    for sentences in t.LONG_ANSWERS:
        add(" ".join(sentences), False, "long_answer")
        for clause in some(t.TOXIC_CLAUSES, 4):
            add(_insert(sentences, clause, rng), True, "toxic_clause_in_long_answer")
        for clause in (pick(t.FRUSTRATION_AT_THINGS), pick(t.POSITIVE_PROFANITY)):
            add(_insert(sentences, clause, rng), False, "long_answer_with_profanity")
        add(_insert(sentences, pick(t.BLUNT_FEEDBACK), rng), False, "long_answer_with_feedback")
    for kind, (toxic, items) in h.HARD.items():
        for identity, text in items:
            add(text, toxic, kind, identity)
    for dev in DEV:
        rows.extend(_shipped(*dev))
    return rows


def _add_group(group: g.Group, add: Any, pick: Any, some: Any, caption: Any) -> None:
    """One identity group's hateful rows and benign rows that name it."""
    n = PER_GROUP
    key = group.key

    def fill(template: str, **extra: str) -> str:
        return template.format(
            P=_upper(group.plural), p=group.plural, a=group.adj, m=group.member, **extra
        )

    def hate(template: str, kind: str) -> None:
        text = fill(template, s=group.slur)
        add(fill(pick(g.HATE_CONTEXTS), h=text, c=caption()), True, kind, key)

    for template in some(g.DEHUMANISING, n["dehumanising"]):
        hate(template, "identity_dehumanising")
    for template in some(g.EXCLUSION, n["exclusion"]):
        hate(template, "identity_exclusion")
    for template in some(g.STEREOTYPE_ATTACK, n["stereotype"]):
        hate(template, "identity_stereotype_attack")
    for template in some(g.GROUP_THREAT, n["threat"]):
        hate(template, "identity_threat")
    for template in some(g.GROUP_HARASSMENT, n["harassment"]):
        hate(template, "identity_harassment")
    if group.origin_attack:
        for template in some(g.GO_BACK, n["go_back"]):
            hate(template, "identity_go_back")
    if group.slur:
        for template in some(g.SLUR_USE, n["slur"]):
            hate(template, "identity_slur")
    for template in some(g.SELF_STATEMENT, n["self"]):
        add(fill(template, self=pick(group.selves)), False, "identity_statement", key)
    for template in some(g.GROUP_NEUTRAL, n["neutral"]):
        add(fill(template), False, "group_neutral", key)
    for template in some(g.COUNTER_SPEECH, n["counter"]):
        add(fill(template), False, "counter_speech", key)
    for template in some(g.GROUP_FACTUAL, n["factual"]):
        add(fill(template), False, "group_factual", key)
    if group.slur:
        for template in some(g.SLUR_MENTION, n["mention"]):
            add(fill(template, s=group.slur), False, "slur_mention", key)
    if group.euphemism:
        for template in some(g.EUPHEMISM_MENTION, n["mention"]):
            add(fill(template, s=group.euphemism), False, "slur_mention", key)
    for text in group.reclaimed:
        add(text, False, "reclaimed_term", key)


def _insert(sentences: tuple[str, ...], clause: str, rng: np.random.Generator) -> str:
    at = int(rng.integers(1, len(sentences)))
    return " ".join((*sentences[:at], clause, *sentences[at:]))


def _fill(frame: str, scene: str) -> str:
    return frame.format(c=scene, C=_upper(scene))


def _lower(text: str) -> str:
    """Lower-case the first letter, unless it starts a name or "I"."""
    head = text.split(" ", 1)[0].rstrip(",.!?'")
    if head in {"I", "I'm", "I'll", "I've", "I'd"} or head[:1] == "@":
        return text
    return text[:1].lower() + text[1:]


def _upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _first_rows() -> list[dict[str, Any]]:
    """The first calibration set, as shipped."""
    return _shipped(*FIRST)


def _shipped(*path: str) -> list[dict[str, Any]]:
    """A JSONL file shipped in the package, as rows."""
    text = files("vlmtrust.scorers").joinpath(*path).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def hand_written() -> frozenset[str]:
    """The texts written one by one in the styles templates cannot reach: the dev sets and the
    harder rows (the head counts them more, and cross-validates over them)."""
    hard = {text for _, items in h.HARD.values() for _, text in items}
    return frozenset(hard | {r["text"] for dev in DEV for r in _shipped(*dev)})


def dump() -> str:
    """JSONL, keys in row order (text, toxic, kind, identity)."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in build())


def load() -> list[dict[str, Any]]:
    text = files("vlmtrust.scorers").joinpath("calibration", FILE).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def main() -> None:
    path = Path(__file__).parent / "calibration" / FILE
    path.write_text(dump(), encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
