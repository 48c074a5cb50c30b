"""The cache key of one result. Change any input and only the affected results re-run."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from typing import overload

import numpy as np

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


def packed_keys(
    task: Spec,
    attack: Spec,
    mitigations: Sequence[Spec],
    samples: Iterable[tuple[str, str]],
    model_fingerprint: str,
) -> PackedKeys:
    """``result_keys``, the same keys, held as 32 raw bytes each (a hex string costs 113): what
    a plan of many samples keeps per condition. ``samples`` is read once, as it comes."""
    head = (
        task.canonical(),
        attack.canonical(),
        canonical_json([m.model_dump(mode="json") for m in mitigations]),
    )
    tail = (model_fingerprint, str(SCHEMA_VERSION))
    packed = bytearray()
    print_ = _Fingerprint(head, tail)
    for sample_id, digest in samples:
        packed += _sha256(*head, sample_id, digest, *tail)
        print_.add(sample_id, digest)
    return PackedKeys(bytes(packed), print_.hexdigest())


class _Fingerprint:
    """sha256 over a condition's key inputs and every sample's ``(id, content hash)``: names
    the keys (each is a function of exactly these) for a tenth of the cost of hashing them."""

    def __init__(self, head: tuple[str, ...], tail: tuple[str, ...]) -> None:
        self._h = hashlib.sha256()
        for part in (*head, *tail):
            self.add(part)

    def add(self, *parts: str) -> None:
        for part in parts:
            data = part.encode("utf-8")
            self._h.update(len(data).to_bytes(8, "big"))
            self._h.update(data)

    def hexdigest(self) -> str:
        return self._h.hexdigest()


def lazy_keys(
    task: Spec,
    attack: Spec,
    mitigations: Sequence[Spec],
    samples: Sequence[tuple[str, str]],
    model_fingerprint: str,
) -> LazyKeys:
    """``result_keys``, the same keys, each computed from its sample's digest when read: what a
    plan keeps where its samples stay in the store (``runner.lazy.StoredSamples``), so a fully
    cached re-run holds no key per sample (about 2 us a key to compute again)."""
    head = (
        task.canonical(),
        attack.canonical(),
        canonical_json([m.model_dump(mode="json") for m in mitigations]),
    )
    return LazyKeys(head, (model_fingerprint, str(SCHEMA_VERSION)), samples)


class LazyKeys(Sequence[str]):
    """Result keys computed on reading from ``samples``' ``(id, content hash)``."""

    def __init__(
        self, head: tuple[str, ...], tail: tuple[str, ...], samples: Sequence[tuple[str, str]]
    ) -> None:
        self._head, self._tail, self._samples = head, tail, samples

    def __len__(self) -> int:
        return len(self._samples)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return self._key(self._samples[index])

    def __iter__(self) -> Iterator[str]:
        return (self._key(digest) for digest in self._samples)

    @property
    def fingerprint(self) -> str:
        """What names these keys (equal to ``packed_keys``' for the same inputs)."""
        print_ = _Fingerprint(self._head, self._tail)
        for sample_id, digest in self._samples:
            print_.add(sample_id, digest)
        return print_.hexdigest()

    def _key(self, digest: tuple[str, str]) -> str:
        return _sha256(*self._head, *digest, *self._tail).hex()


def _sha256(*parts: str) -> bytes:
    """``sha256_hex``'s digest as bytes (same length-prefixed parts)."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8")
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.digest()


class PackedKeys(Sequence[str]):
    """Result keys as one bytes object, each key its hex text when read."""

    def __init__(self, packed: bytes, fingerprint: str | None = None) -> None:
        self._packed = packed
        #: what names these keys (``LazyKeys.fingerprint``), where ``packed_keys`` made them
        self.fingerprint = fingerprint

    def __len__(self) -> int:
        return len(self._packed) // 32

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        at = index + len(self) if index < 0 else index
        if not 0 <= at < len(self):
            raise IndexError(index)
        return self._packed[32 * at : 32 * at + 32].hex()

    def __iter__(self) -> Iterator[str]:
        return (self._packed[at : at + 32].hex() for at in range(0, len(self._packed), 32))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PackedKeys):
            return self._packed == other._packed
        return isinstance(other, Sequence) and list(self) == list(other)

    def __hash__(self) -> int:
        return hash(self._packed)


def has_duplicate_ids(samples: Sequence[Sample]) -> bool:
    """Whether a sample id repeats, found from 8-byte hashes (a set of every id of a 100k-sample
    plan would cost ~10 MB), compared exactly only where two hashes meet."""
    hashes = np.fromiter((hash(s.id) for s in samples), dtype=np.int64, count=len(samples))
    ordered = np.sort(hashes)
    met = ordered[1:][ordered[1:] == ordered[:-1]]
    if not met.size:
        return False
    suspects = set(met.tolist())
    ids = [s.id for s in samples if hash(s.id) in suspects]
    return len(set(ids)) != len(ids)
