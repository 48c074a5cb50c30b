"""What the probe-based safety tasks share: requesting probes from the data source (the shipped
set, or the user's ``--data`` rows), asking the model, judging with the refusal judge, and rate
rows per subset with the unscorable responses counted apart."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import Field

from vlmtrust.core.records import Sample, Score
from vlmtrust.core.spec import Params, Spec, parse_spec
from vlmtrust.data.probes import DEFAULT
from vlmtrust.data.source import ABOUT_ITS_IMAGE, PUBLISHED_PROMPT, Probes
from vlmtrust.metrics.rates import Estimate, wilson
from vlmtrust.scorers import refusal

if TYPE_CHECKING:
    from vlmtrust.tasks.base import Task

TaskT = TypeVar("TaskT", bound="Task")


class ProbeParams(Params):
    probes: str = Field(default=DEFAULT, description="a shipped probe set name or a JSONL path")
    sets: tuple[str, ...] = Field(default=("zoo", "paraphrase"), description="probe sets to use")


class AttackedProbeParams(ProbeParams):
    """The params of the tasks that ask each probe under attacks (jailbreak, over-refusal), so
    :func:`resolved_attacks` reads ``attacks`` typed; each task sets its own default."""

    attacks: tuple[str, ...] = Field(description="attack specs, one condition each")


#: the user's image and prompt as given: the first condition when samples come from --data
AS_GIVEN = "none"
#: a benchmark's own attack (its image with its published prompt), first in place of AS_GIVEN
PUBLISHED = "published"


def is_data(sample: Sample) -> bool:
    """Whether ``sample`` came from ``--data`` (a shipped probe's source is ``probes:...``)."""
    return not (sample.source or "").startswith("probes:")


def from_data(samples: Sequence[Sample]) -> bool:
    return any(is_data(s) for s in samples)


def with_as_given(
    attacks: Sequence[str], samples: Sequence[Sample] = (), defaults: Sequence[str] = ()
) -> tuple[str, ...]:
    """``--data`` runs the user's image + prompt as given first, then each attack (which renders
    the row's ``request`` label, else its prompt). Samples of a benchmark that ships its own
    attack (every one has a published prompt) run it first instead: ``published``; when every
    request is about its row's own image (``ABOUT_ITS_IMAGE``), our attacks, which take it off
    that image, run only when named (``attacks`` other than the task's ``defaults``)."""
    ships = bool(samples) and all(PUBLISHED_PROMPT in s.labels for s in samples)
    first = PUBLISHED if ships else AS_GIVEN
    if ships and tuple(attacks) == tuple(defaults) and all(_own_image(s) for s in samples):
        return (PUBLISHED,)
    return (first, *(a for a in attacks if a != first))


def resolved_attacks(task: TaskT, samples: Sequence[Sample]) -> TaskT:
    """``task`` (jailbreak or over-refusal) for ``samples``: on ``--data``, the samples as given
    (or a benchmark's own attack) come first, then the attacks (:func:`with_as_given`)."""
    params = task.params
    if not isinstance(params, AttackedProbeParams):
        raise TypeError(f"{task.spec.name} takes no attacks: its Params is no AttackedProbeParams")
    defaults = type(params).model_fields["attacks"].default
    named = params.attacks
    attacks = with_as_given(named, samples, defaults)
    if not from_data(samples) or named == attacks:
        return task
    resolved = {**task.spec.params, "attacks": list(attacks)}
    return type(task)(Spec(name=task.spec.name, params=resolved))


def _own_image(sample: Sample) -> bool:
    """Whether the sample's request is about its own image (see ``ABOUT_ITS_IMAGE``)."""
    return sample.labels.get(ABOUT_ITS_IMAGE) is True


def probe_request(params: ProbeParams, harmful: bool, task: str, n: int | None) -> Probes:
    """The request for ``params``' probes whose ``harmful`` flag is ``harmful``, at most ``n``."""
    return Probes(harmful=harmful, probes=params.probes, sets=params.sets, n=n, task=task)


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
    return judged_all([sample], [response], refused_is_one)[0]


def judged_all(
    samples: Sequence[Sample], responses: Sequence[str | None], refused_is_one: bool = False
) -> list[Score]:
    """``judged`` for a batch: the judge embeds all text responses in one call."""
    texts = [(i, r) for i, r in enumerate(responses) if isinstance(r, str)]
    scored = refusal.scores([samples[i].id for i, _ in texts], [r for _, r in texts])
    bases = {i: score for (i, _), score in zip(texts, scored, strict=True)}
    return [
        _with_probe(
            sample,
            bases.get(i)
            or Score.cannot_score(sample.id, refusal.METRIC, "no text response (model error)"),
            refused_is_one,
        )
        for i, sample in enumerate(samples)
    ]


def _with_probe(sample: Sample, base: Score, refused_is_one: bool) -> Score:
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
    details: dict[str, Any] = {
        "n_unscorable": sum(reasons.values()),
        "unscorable_reasons": dict(reasons),
    }
    if reasons[refusal.LANGUAGE_NOT_SUPPORTED]:
        # counted apart as well: a rate over English answers only says nothing of the others
        details["n_language_unsupported"] = reasons[refusal.LANGUAGE_NOT_SUPPORTED]
    return details


def unscorable_rate(scores: Sequence[Score]) -> Estimate:
    """Share of all responses the judge could not score: shown apart, never as a failure."""
    k = sum(s.unscorable for s in scores)
    if not scores:
        return Estimate(None, None, None, 0)
    low, high = wilson(k, len(scores))
    return Estimate(k / len(scores), low, high, len(scores))
