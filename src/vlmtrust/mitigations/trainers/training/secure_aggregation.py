"""Secure aggregation with pairwise additive masks (Bonawitz et al. 2017, the masking half of
SecAgg): the server learns the sum of the clients' updates and nothing else about any one.

Each client encodes its (sample-weighted) update as fixed-point integers modulo 2^64, so masks
cancel exactly, not within float rounding. Every pair of clients (i, j) agrees on a seed with
X25519 (``cryptography``): each sends the server its public key, the server forwards the keys,
and both ends derive the same secret without the server learning it. For each tensor and round
the seed expands into a uniform mask that the lower-numbered client adds and the other
subtracts; in the server's sum every mask meets its negative. What the server sees of one
client is its encoded update plus a uniform mask: uniformly random on its own.

Not implemented (said in docs/privacy.md): SecAgg's dropout recovery (Shamir shares of each
client's mask seeds), so every client must report every round, as they do in this simulation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

import numpy as np
import torch

from vlmtrust.core.errors import ConfigError

#: fixed-point resolution: an update is sent as round(value * 2^FRACTION_BITS) modulo 2^64
FRACTION_BITS = 24
#: an X25519 public key on the wire
PUBLIC_KEY_BYTES = 32


def _x25519() -> object:
    try:
        from cryptography.hazmat.primitives.asymmetric import x25519
    except ImportError as err:  # pragma: no cover - cryptography ships with the dev install
        raise ConfigError(
            "--secure-aggregation needs the cryptography package (X25519 key agreement)",
            "pip install cryptography, or drop --secure-aggregation",
        ) from err
    return x25519


class PairwiseKeys:
    """Each client's X25519 key pair and the secret it shares with every other client (the
    server only relays public keys: ``wire_bytes`` counts them)."""

    def __init__(self, clients: int) -> None:
        x25519 = _x25519()
        self.private = [x25519.X25519PrivateKey.generate() for _ in range(clients)]  # type: ignore[attr-defined]
        self.public = [key.public_key() for key in self.private]
        self.clients = clients

    def secret(self, i: int, j: int) -> bytes:
        """What client ``i`` computes with client ``j``'s public key (equal to j's with i's)."""
        return bytes(self.private[i].exchange(self.public[j]))

    def wire_bytes(self) -> int:
        """Key bytes on the wire: each public key up to the server, then to every other client."""
        return PUBLIC_KEY_BYTES * (self.clients + self.clients * (self.clients - 1))


def encode(update: Mapping[str, torch.Tensor], clients: int) -> dict[str, np.ndarray]:
    """Fixed-point integers (uint64, two's complement) of ``update``; refuses values whose sum
    over ``clients`` could overflow."""
    limit = 2.0 ** (62 - FRACTION_BITS) / max(1, clients)
    encoded = {}
    for name, tensor in update.items():
        values = tensor.detach().double().numpy()
        if values.size and float(np.abs(values).max()) >= limit:
            raise ValueError(f"update {name} exceeds the fixed-point range (|x| >= {limit:.3g})")
        encoded[name] = np.round(values * 2.0**FRACTION_BITS).astype(np.int64).view(np.uint64)
    return encoded


def decode(summed: Mapping[str, np.ndarray]) -> dict[str, torch.Tensor]:
    return {
        name: torch.from_numpy(values.view(np.int64).astype(np.float64) / 2.0**FRACTION_BITS)
        .float()
        .contiguous()
        for name, values in summed.items()
    }


def _mask(secret: bytes, round_index: int, name: str, shape: tuple[int, ...]) -> np.ndarray:
    seed = hashlib.sha256(secret + f"|{round_index}|{name}".encode()).digest()
    generator = np.random.Generator(np.random.PCG64(int.from_bytes(seed[:16], "little")))
    return generator.integers(0, 2**64, size=shape, dtype=np.uint64, endpoint=False)


def mask(
    keys: PairwiseKeys, client: int, round_index: int, encoded: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Client ``client``'s encoded update plus its masks with every other client (mod 2^64)."""
    masked = {}
    for name, values in encoded.items():
        total = values.copy()
        for other in range(keys.clients):
            if other == client:
                continue
            pad = _mask(keys.secret(client, other), round_index, name, values.shape)
            total = total + pad if client < other else total - pad  # uint64 wraps: mod 2^64
        masked[name] = total
    return masked


def sum_masked(updates: Sequence[Mapping[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """The server's sum of masked updates (mod 2^64): the masks cancel, the sum remains."""
    summed = {name: values.copy() for name, values in updates[0].items()}
    for update in updates[1:]:
        for name, values in update.items():
            summed[name] = summed[name] + values
    return summed
