"""Zero-shot scoring under CKKS (TenSEAL): the client encrypts its image embedding, the server
computes the logits against its plaintext head on the ciphertext, the client decrypts.

Layout: the client writes its embedding (zero-padded to a power of two, ``rows``) once per
class column, ``slot[i * cols + k] = e[i]``; the server multiplies slot-wise by its weights laid
out the same way, sums each column with TenSEAL's im2col convolution (log2(rows) rotations, the
sum over i lands in slot k), masks every other slot to zero so the reply holds the logits and
nothing else of its weights, and adds the bias. Three multiplicative levels: the weights, the
convolution's kernel of ones, the mask. Classes beyond one ciphertext's columns go into more
replies to the same query.

What crosses the wire is serialized exactly as it would be sent: the public context (keys for
evaluation, no secret key) once, one ciphertext per image to the server, the replies back.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from vlmtrust.core.errors import ConfigError
from vlmtrust.mitigations.private.extra import import_extra
from vlmtrust.mitigations.private.linear_head import LinearHead

#: the largest total coefficient modulus (bits) with 128-bit classical security per poly degree:
#: the HomomorphicEncryption.org standard's table, which SEAL enforces by default
MAX_BITS_128 = {1024: 27, 2048: 54, 4096: 109, 8192: 218, 16384: 438, 32768: 881}
LEVELS_USED = 3


@dataclass(frozen=True)
class CkksSetting:
    """The CKKS parameters. Default: degree 8192 (4096 slots), 218 bits of modulus (49 + 3 x 40
    + 49: the most SEAL allows at 128-bit security for this degree), scale 2^40; the 40-bit
    primes carry the three rescalings, the 49-bit first prime keeps 9 bits for the integer
    part of a logit (|logit| < 2^8 with room)."""

    poly_modulus_degree: int = 8192
    coeff_mod_bit_sizes: tuple[int, ...] = (49, 40, 40, 40, 49)
    scale_bits: int = 40

    def check(self) -> None:
        limit = MAX_BITS_128.get(self.poly_modulus_degree)
        if limit is None:
            raise ConfigError(
                f"poly_modulus_degree {self.poly_modulus_degree} is not a CKKS degree",
                f"use one of {sorted(MAX_BITS_128)}",
            )
        if sum(self.coeff_mod_bit_sizes) > limit:
            raise ConfigError(
                f"coeff_mod_bit_sizes sum to {sum(self.coeff_mod_bit_sizes)} bits, over the "
                f"{limit} that keep 128-bit security at degree {self.poly_modulus_degree}",
                "use fewer or smaller primes, or a larger poly_modulus_degree",
            )
        if len(self.coeff_mod_bit_sizes) < LEVELS_USED + 2:
            raise ConfigError(
                f"the encrypted head needs {LEVELS_USED} levels: at least "
                f"{LEVELS_USED + 2} coeff_mod_bit_sizes",
                "add 40-bit primes between the first and the last",
            )

    @property
    def slots(self) -> int:
        return self.poly_modulus_degree // 2

    def details(self) -> dict[str, Any]:
        return {
            "scheme": "CKKS (TenSEAL/SEAL)",
            "poly_modulus_degree": self.poly_modulus_degree,
            "coeff_mod_bit_sizes": list(self.coeff_mod_bit_sizes),
            "coeff_modulus_bits": sum(self.coeff_mod_bit_sizes),
            "global_scale": f"2^{self.scale_bits}",
            "security": "128-bit classical (HE standard table: "
            f"<= {MAX_BITS_128[self.poly_modulus_degree]} modulus bits at this degree)",
        }


@dataclass(frozen=True)
class Layout:
    """How an embedding of ``dim`` and ``classes`` logits map onto ciphertext slots."""

    dim: int
    classes: int
    slots: int
    rows: int = field(init=False)
    cols: int = field(init=False)

    def __post_init__(self) -> None:
        rows = 1 << max(0, math.ceil(math.log2(max(self.dim, 1))))
        if rows > self.slots:
            raise ConfigError(
                f"an embedding of {self.dim} values does not fit {self.slots} CKKS slots",
                "use a larger poly_modulus_degree (16384 or 32768)",
            )
        per_reply = self.slots // rows
        cols = min(per_reply, 1 << max(0, math.ceil(math.log2(max(self.classes, 1)))))
        object.__setattr__(self, "rows", rows)
        object.__setattr__(self, "cols", cols)

    @property
    def replies(self) -> int:
        return math.ceil(self.classes / self.cols)

    def tiled(self, embedding: np.ndarray) -> list[float]:
        out = np.zeros((self.rows, self.cols))
        out[: self.dim, :] = embedding[:, None]
        return [float(x) for x in out.ravel()]

    def weights(self, head: LinearHead, reply: int) -> tuple[list[float], list[float], int]:
        """Reply ``reply``'s weights in the slot layout, its bias, and how many classes it has."""
        chunk = head.weight[reply * self.cols : (reply + 1) * self.cols]
        out = np.zeros((self.rows, self.cols))
        out[: self.dim, : len(chunk)] = chunk.T
        bias = np.zeros(self.cols)
        bias[: len(chunk)] = head.bias[reply * self.cols : (reply + 1) * self.cols]
        return [float(x) for x in out.ravel()], [float(x) for x in bias], len(chunk)


@dataclass
class Traffic:
    """Bytes each way and seconds per party for one image."""

    query_bytes: int = 0
    reply_bytes: int = 0
    client_seconds: float = 0.0
    server_seconds: float = 0.0


class CkksClient:
    """Holds the secret key: encrypts embeddings, decrypts logits."""

    def __init__(self, setting: CkksSetting) -> None:
        setting.check()
        self.ts = import_extra("tenseal", "mitigation he_inference")
        self.setting = setting
        ctx = self.ts.context(
            self.ts.SCHEME_TYPE.CKKS,
            poly_modulus_degree=setting.poly_modulus_degree,
            coeff_mod_bit_sizes=list(setting.coeff_mod_bit_sizes),
        )
        ctx.global_scale = 2.0**setting.scale_bits
        ctx.generate_galois_keys()
        self.context = ctx

    def public_context(self) -> bytes:
        """What the server receives once: parameters and evaluation keys, no secret key."""
        public = self.context.copy()
        public.make_context_public()
        return bytes(public.serialize())

    def encrypt(self, layout: Layout, embedding: np.ndarray) -> bytes:
        return bytes(self.ts.ckks_vector(self.context, layout.tiled(embedding)).serialize())

    def decrypt(self, replies: list[bytes], classes: int) -> np.ndarray:
        values: list[float] = []
        for reply in replies:
            values += self.ts.ckks_vector_from(self.context, reply).decrypt()
        return np.asarray(values[:classes], dtype=np.float64)


class CkksServer:
    """Holds the head in plaintext and only the public context: it can compute on ciphertexts
    but never decrypt one."""

    def __init__(self, public_context: bytes, head: LinearHead, layout: Layout) -> None:
        self.ts = import_extra("tenseal", "mitigation he_inference")
        self.context = self.ts.context_from(public_context)
        if not self.context.is_public():
            raise RuntimeError("the server must not hold the secret key")
        self.layout = layout
        self.plans = [layout.weights(head, r) for r in range(layout.replies)]
        self.ones = [[1.0] for _ in range(layout.dim)]

    def logits(self, query: bytes) -> list[bytes]:
        encrypted = self.ts.ckks_vector_from(self.context, query)
        out = []
        for weights, bias, kept in self.plans:
            summed = encrypted.mul(weights).conv2d_im2col(self.ones, self.layout.cols)
            mask = [1.0] * kept + [0.0] * (self.layout.cols - kept)
            out.append(bytes(summed.mul(mask).add(bias).serialize()))
        return out


def encrypted_logits(
    client: CkksClient, server: CkksServer, embedding: np.ndarray, classes: int
) -> tuple[np.ndarray, Traffic]:
    """One image's logits through the protocol, with its bytes and each side's seconds."""
    traffic = Traffic()
    start = time.perf_counter()
    query = client.encrypt(server.layout, embedding)
    traffic.client_seconds += time.perf_counter() - start
    start = time.perf_counter()
    replies = server.logits(query)
    traffic.server_seconds += time.perf_counter() - start
    start = time.perf_counter()
    logits = client.decrypt(replies, classes)
    traffic.client_seconds += time.perf_counter() - start
    traffic.query_bytes = len(query)
    traffic.reply_bytes = sum(len(r) for r in replies)
    return logits, traffic
