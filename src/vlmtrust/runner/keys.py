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
    return sha256_hex(
        task.canonical(),
        attack.canonical(),
        canonical_json([m.model_dump(mode="json") for m in mitigations]),
        sample.id,
        sample.content_hash(),
        model_fingerprint,
        str(SCHEMA_VERSION),
    )
