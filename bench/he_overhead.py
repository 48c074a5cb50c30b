"""What encrypted inference (``he_inference``, CKKS) costs against plaintext scoring of the same
zoo:clip zero-shot head on the same images: seconds per image for the head alone (client
encrypt + server compute + client decrypt, against ``embedding @ W.T + b``), the same with the
image tower added on both sides (what a user waits for), bytes on the wire per image (one
ciphertext out and the replies back, against a float32 embedding out and float32 logits
back), the one-time key bytes, and the logit error. Prints one JSON line.
"""

from __future__ import annotations

import json
import time

import numpy as np

from _private import FLOAT32_BYTES, IMAGES, zoo_clip_head
from _timing import compare, load
from vlmtrust.mitigations.private.ckks import (
    CkksClient,
    CkksServer,
    CkksSetting,
    Layout,
    encrypted_logits,
)


def main() -> None:
    load_start = load()
    clip, images, prompts, head, embeddings, plain = zoo_clip_head()
    started = time.perf_counter()
    client = CkksClient(CkksSetting())
    public = client.public_context()
    layout = Layout(embeddings.shape[1], len(prompts), client.setting.slots)
    server = CkksServer(public, head, layout)
    setup_s = time.perf_counter() - started

    def encrypted() -> list[tuple[np.ndarray, int]]:
        out = []
        for e in embeddings:
            logits, traffic = encrypted_logits(client, server, e, len(prompts))
            out.append((logits, traffic.query_bytes + traffic.reply_bytes))
        return out

    def plaintext() -> list[np.ndarray]:
        return [head.logits(e) for e in embeddings]

    def tower() -> np.ndarray:
        return np.asarray(clip.encode_image(images))

    timed = compare({"he_head": encrypted, "plain_head": plaintext, "tower": tower}, repeats=3)
    he_logits = np.stack([logits for logits, _ in timed.values["he_head"][-1]])
    he_bytes = float(np.mean([sent for _, sent in timed.values["he_head"][-1]]))
    plain_bytes = FLOAT32_BYTES * (embeddings.shape[1] + len(prompts))
    tower_s = timed.best("tower")
    print(
        json.dumps(
            {
                "bench": "he_overhead",
                "model": "zoo:clip",
                "images": IMAGES,
                "classes": len(prompts),
                "ckks": CkksSetting().details(),
                "timing": timed.summary(),
                "seconds_per_image": {
                    "he_head": round(timed.best("he_head") / IMAGES, 5),
                    "plain_head": round(timed.best("plain_head") / IMAGES, 7),
                    "tower": round(tower_s / IMAGES, 5),
                },
                "seconds_ratio_head": round(timed.best("he_head") / timed.best("plain_head"), 1),
                "seconds_ratio_with_tower": round(
                    (tower_s + timed.best("he_head")) / (tower_s + timed.best("plain_head")), 2
                ),
                "bytes_per_image": {"he": he_bytes, "plain": plain_bytes},
                "bytes_ratio": round(he_bytes / plain_bytes, 1),
                "key_bytes_once": len(public),
                "setup_seconds_once": round(setup_s, 3),
                "logit_abs_error_max": float(np.abs(he_logits - plain).max()),
                "argmax_agreement": float((he_logits.argmax(1) == plain.argmax(1)).mean()),
                "load_start": load_start,
                "load_end": load(),
            }
        )
    )


if __name__ == "__main__":
    main()
