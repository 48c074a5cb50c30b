"""The cache key of one result. Change any input and only the affected results re-run."""

from __future__ import annotations

from collections.abc import Sequence

from vlmtrust.core.records import Sample
from vlmtrust.core.spec import Spec, canonical_json, sha256_hex
from vlmtrust.store import SCHEMA_VERSION


def result_key(
    task: Spec,
    attack: Spec,
    mitigations: Sequence[Spec],
    sample: Sample,
    model_fingerprint: str,
) -> str:
    return result_keys(task, attack, mitigations, [sample_digest(sample)], model_fingerprint)[0]


def sample_digest(sample: Sample) -> tuple[str, str]:
    """What a key needs of a sample: its id and content hash. A plan computes it once per
    sample, not once per condition (the hash reads every image byte)."""
    return sample.id, sample.content_hash()


def result_keys(
    task: Spec,
    attack: Spec,
    mitigations: Sequence[Spec],
    samples: Sequence[tuple[str, str]],
    model_fingerprint: str,
) -> tuple[str, ...]:
    """The keys of one condition's samples (``sample_digest`` each), equal to ``result_key``
    per sample; the specs are serialised once per condition, not once per sample."""
    head = (
        task.canonical(),
        attack.canonical(),
        canonical_json([m.model_dump(mode="json") for m in mitigations]),
    )
    tail = (model_fingerprint, str(SCHEMA_VERSION))
    return tuple(sha256_hex(*head, sample_id, digest, *tail) for sample_id, digest in samples)
