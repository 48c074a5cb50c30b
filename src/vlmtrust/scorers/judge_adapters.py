"""Every kind of judge behind one interface for ``vlmtrust judge eval``: an adapter per kind
turns the judge's own verdicts into :class:`~vlmtrust.scorers.judge_eval.Call` labels of the
set kind it reads, so one ``evaluate()`` counts them all.

- refused/complied judges (``plugins.REFUSAL_JUDGES``: ``refusal``, ``rubric:model=SPEC``)
  read refusal sets;
- ``toxicity`` (``scorers/toxicity.py``) reads toxicity sets;
- content-safety judges (``plugins.JUDGES``: ``llama_guard:hf:DIR``, ``shieldgemma2:hf:DIR``,
  ``rubric:openai:URL#MODEL``, or a bare ``hf:DIR``) read safe/unsafe sets.

Specs are built before the set is read, so a bad spec fails first; a judge given a set of
another kind is a one-line error naming both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from PIL import Image

from vlmtrust.core.errors import ConfigError, DataError, RegistryError
from vlmtrust.scorers.judge_eval import Call
from vlmtrust.scorers.judge_sets import (
    REFUSAL_SET,
    SAFETY_SET,
    TOXICITY_SET,
    Labelled,
    SetKind,
)

_MODEL_KINDS = ("hf", "openai", "zoo")


class Adapter(Protocol):
    spec: str
    kind: SetKind  # the set kind this judge reads

    def calls(self, rows: Sequence[Labelled]) -> list[Call]: ...


def _label(kind: SetKind, positive: bool | None) -> str | None:
    return None if positive is None else kind.classes[int(positive)]


class RefusalAdapter:
    """A refused/complied judge: complied -> compliance, refused -> refusal."""

    kind = REFUSAL_SET

    def __init__(self, spec: str) -> None:
        from vlmtrust.scorers.refusal_judges import build_judge

        self.spec = spec
        self._judge = build_judge(spec)

    def calls(self, rows: Sequence[Labelled]) -> list[Call]:
        verdicts = self._judge.verdicts([r.request for r in rows], [r.response for r in rows])
        return [Call(_label(self.kind, v.complied), v.reason) for v in verdicts]


class ToxicityAdapter:
    """The toxicity judge: toxic -> toxic, not toxic -> not_toxic. Reads the response only."""

    kind = TOXICITY_SET

    def __init__(self, spec: str) -> None:
        from vlmtrust.scorers.toxicity import ToxicityJudge

        self.spec = spec
        self._judge = ToxicityJudge()

    def calls(self, rows: Sequence[Labelled]) -> list[Call]:
        verdicts = self._judge.verdicts([r.response for r in rows])
        return [Call(_label(self.kind, v.toxic), v.reason) for v in verdicts]


class SafetyAdapter:
    """A content-safety judge (a guard model): unsafe -> unsafe, safe -> safe. It judges the
    response as the answer to ``request``, with the row's image when the judge looks at one."""

    kind = SAFETY_SET

    def __init__(self, spec: str) -> None:
        from vlmtrust.scorers.judges import lookup

        self.spec = spec
        self._judge = lookup(spec)

    def calls(self, rows: Sequence[Labelled]) -> list[Call]:
        from vlmtrust.scorers.judges import JudgeItem

        items = [
            JudgeItem(
                r.request,
                r.response,
                _open(r) if r.image is not None and self._judge.sees_images else None,
            )
            for r in rows
        ]
        verdicts = self._judge.verdicts(items)
        return [Call(_label(self.kind, v.unsafe), v.reason) for v in verdicts]


def _open(row: Labelled) -> Image.Image:
    assert row.image is not None
    try:
        with Image.open(row.image) as image:
            return image.convert("RGB")
    except OSError as err:  # UnidentifiedImageError is an OSError
        raise DataError(
            f"image {row.image} of item {row.id} is unreadable: {err}", "give a PNG or JPEG file"
        ) from None


def build(spec: str) -> Adapter:
    """The adapter for a ``--judge`` spec; an unknown name is a one-line error listing what
    judge eval takes."""
    from vlmtrust.plugins import JUDGES, REFUSAL_JUDGES

    text = spec.strip()
    name, _, rest = text.partition(":")
    if name == "toxicity":
        if rest:
            raise ConfigError(f"judge {text!r}: toxicity takes no parameters", "write toxicity")
        return ToxicityAdapter(text)
    names_a_model = rest.partition(":")[0] in _MODEL_KINDS
    if name in _MODEL_KINDS or (name in JUDGES and (names_a_model or name not in REFUSAL_JUDGES)):
        return SafetyAdapter(text)
    try:
        return RefusalAdapter(text)
    except RegistryError as err:
        refusal = ", ".join(e.name for e in REFUSAL_JUDGES.entries())
        guards = ", ".join(e.name for e in JUDGES.entries())
        raise RegistryError(
            err.problem,
            f"judge eval takes toxicity, a refusal judge ({refusal}) or a content-safety "
            f"judge ({guards}, as KIND:hf:DIR or KIND:openai:URL#MODEL)",
        ) from None


def check_fits(adapter: Adapter, kind: SetKind, set_name: str) -> None:
    """A judge given a set of another kind fails before any judging, naming both."""
    if adapter.kind is kind:
        return
    raise ConfigError(
        f"judge {adapter.spec!r} is a {adapter.kind.name} judge ({adapter.kind.labels()}) but "
        f"{set_name} is a {kind.name} set ({kind.labels()})",
        f"judge this set with {kind.judges}, or give {adapter.spec!r} a set labelled "
        f"{adapter.kind.labels()}",
    )
