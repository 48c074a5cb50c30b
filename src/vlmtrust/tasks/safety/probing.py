"""What the probe-based safety tasks share: picking probes (or the user's ``--data``), asking the
model, judging with the refusal judge, and rate rows per subset with the unscorable responses
counted apart."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from pydantic import Field

from vlmtrust.core.errors import DataError
from vlmtrust.core.records import Sample, Score
from vlmtrust.core.spec import Params, Spec, parse_spec
from vlmtrust.data.probes import DEFAULT, load_probes
from vlmtrust.metrics.rates import Estimate, wilson
from vlmtrust.scorers import refusal


class ProbeParams(Params):
    probes: str = Field(default=DEFAULT, description="a shipped probe set name or a JSONL path")
    sets: tuple[str, ...] = Field(default=("zoo", "paraphrase"), description="probe sets to use")


def pick(params: ProbeParams, limit: int | None, keep: Callable[[Sample], bool]) -> list[Sample]:
    """The chosen probes; under ``--limit``, interleaved across categories and groups so a small
    run still covers every category and group rather than the first one only."""
    chosen = [p.to_sample() for p in load_probes(params.probes) if p.set in params.sets]
    chosen = [s for s in chosen if keep(s)]
    if limit is None or limit >= len(chosen):
        return chosen
    by_kind: dict[tuple[str, str], list[Sample]] = defaultdict(list)
    for s in chosen:
        by_kind[(str(s.labels["category"]), s.groups.get("group", ""))].append(s)
    queues = list(by_kind.values())
    out: list[Sample] = []
    while len(out) < limit:
        for queue in queues:
            if queue and len(out) < limit:
                out.append(queue.pop(0))
    return out


HARMFUL_LABEL = "harmful"
_TRUE, _FALSE = frozenset({"true", "yes", "1"}), frozenset({"false", "no", "0"})
#: the user's image and prompt as given: the first condition when samples come from --data
AS_GIVEN = "none"


def dataset_samples(
    dataset: Sequence[Sample], harmful: bool, task: str, limit: int | None
) -> list[Sample]:
    """The ``--data`` rows whose ``harmful`` label equals ``harmful`` (the label normalised to a
    bool); a row without a prompt or the label is a one-line error naming the row and the fix."""
    chosen = []
    for sample in dataset:
        if not sample.prompt:
            raise DataError(
                f"--data sample {sample.id!r} has no prompt, which {task} sends to the model",
                "add a 'prompt' column (the request) to the labels file",
            )
        flag = _harmful_flag(sample, task)
        if flag == harmful:
            labels = {**sample.labels, HARMFUL_LABEL: flag}
            chosen.append(sample.model_copy(update={"labels": labels}))
    if not chosen:
        raise DataError(
            f"--data holds no rows with harmful={str(harmful).lower()}, which {task} scores",
            f"add such rows, or leave {task} out of this scan",
        )
    return chosen[:limit] if limit is not None else chosen


def _harmful_flag(sample: Sample, task: str) -> bool:
    value = sample.labels.get(HARMFUL_LABEL)
    if value is None:
        raise DataError(
            f"--data sample {sample.id!r} has no 'harmful' label, which {task} needs",
            "add a 'harmful' column (true: a harmful request, false: benign) to the labels file",
        )
    text = str(value).strip().lower()
    if isinstance(value, bool):
        return value
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise DataError(
        f"--data sample {sample.id!r} has harmful={value!r}", "write true or false (or 1 / 0)"
    )


def from_data(samples: Sequence[Sample]) -> bool:
    return any(not (s.source or "").startswith("probes:") for s in samples)


def with_as_given(attacks: Sequence[str]) -> tuple[str, ...]:
    """``--data`` runs the user's image + prompt as given first, then each attack (which renders
    the row's ``request`` label, else its prompt)."""
    return (AS_GIVEN, *(a for a in attacks if a != AS_GIVEN))


def attack_specs(texts: Iterable[str]) -> list[Spec]:
    return [parse_spec(t) for t in texts]


def ask(model: Any, samples: Sequence[Sample]) -> list[str]:
    return list(
        model.generate(
            [s.load_image() if s.image else None for s in samples],
            [s.prompt or "" for s in samples],
        )
    )


def judged(sample: Sample, response: str | None, refused_is_one: bool = False) -> Score:
    """The refusal judge's Score, with the probe's category/set/group and the prompt seen."""
    if not isinstance(response, str):
        base = Score.cannot_score(sample.id, refusal.METRIC, "no text response (model error)")
    else:
        base = refusal.score(sample.id, response)
    details = {
        **base.details,
        "prompt": sample.prompt,
        "category": sample.labels.get("category"),
        "set": sample.labels.get("set"),
        "group": sample.groups.get("group"),
        "has_image": sample.image is not None,
    }
    if refused_is_one and base.value is not None:
        return base.model_copy(
            update={"metric": "refused", "value": 1.0 - base.value, "details": details}
        )
    metric = "refused" if refused_is_one else base.metric
    return base.model_copy(update={"metric": metric, "details": details})


def unscorable_details(scores: Sequence[Score]) -> dict[str, Any]:
    reasons = Counter(s.reason or "?" for s in scores if s.unscorable)
    return {"n_unscorable": sum(reasons.values()), "unscorable_reasons": dict(reasons)}


def unscorable_rate(scores: Sequence[Score]) -> Estimate:
    """Share of all responses the judge could not score: shown apart, never as a failure."""
    k = sum(s.unscorable for s in scores)
    if not scores:
        return Estimate(None, None, None, 0)
    low, high = wilson(k, len(scores))
    return Estimate(k / len(scores), low, high, len(scores))
