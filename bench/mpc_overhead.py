"""What secure multi-party scoring (``mpc_inference``: 3 local MPyC processes) costs against
plaintext scoring of the same zoo:clip zero-shot head on the same images: seconds for the batch
on shares (the parties' own protocol time, process start apart) and with process start (the
job's wall time), against ``embeddings @ W.T + b``; bytes all parties sent, against a float32
embedding out and float32 logits back per image; and the joint threshold audit's time and
bytes. Prints one JSON line.
"""

from __future__ import annotations

import json

import numpy as np

from _private import FLOAT32_BYTES, IMAGES, zoo_clip_head
from _timing import compare, load
from vlmtrust.mitigations.private.mpc import MpcSetting, joint_threshold_audit, mpc_logits

AUDIT_SCORES = (200, 150)


def main() -> None:
    load_start = load()
    setup = zoo_clip_head()
    prompts, head, embeddings, plain = setup.prompts, setup.head, setup.embeddings, setup.plain
    setting = MpcSetting()

    def on_shares() -> tuple[np.ndarray, float, float, int]:
        logits, run = mpc_logits(head, embeddings, setting)
        return logits, run.protocol_seconds, run.wall_seconds, run.bytes_exchanged

    def plaintext() -> np.ndarray:
        return head.logits(embeddings)

    # each MPC run times itself inside the parties (process start left out); plaintext by wall
    timed = compare(
        {"mpc": on_shares, "plain": plaintext},
        repeats=3,
        timer=lambda v: v[1] if isinstance(v, tuple) else float("nan"),
    )
    plain_timed = compare({"plain": plaintext, "again": plaintext}, repeats=3)
    mpc_s = timed.best("mpc")
    plain_s = plain_timed.best("plain")
    logits, _, _, sent = timed.values["mpc"][-1]
    wall_s = min(v[2] for v in timed.values["mpc"])
    plain_bytes = FLOAT32_BYTES * (embeddings.shape[1] + len(prompts)) * IMAGES
    rng = np.random.default_rng(7)
    scores = [rng.uniform(size=n) for n in AUDIT_SCORES]
    exceeds, audit = joint_threshold_audit(scores[0], scores[1], threshold=0.8, limit=0.25)
    share = sum(float((s > 0.8).sum()) for s in scores) / sum(AUDIT_SCORES)
    print(
        json.dumps(
            {
                "bench": "mpc_overhead",
                "model": "zoo:clip",
                "images": IMAGES,
                "classes": len(prompts),
                "mpc": setting.details(),
                "mpc_runs_protocol_s": [round(t, 4) for t in timed.seconds["mpc"]],
                "plain_timing": plain_timed.summary()["plain"],
                "seconds_per_image": {
                    "mpc_protocol": round(mpc_s / IMAGES, 5),
                    "mpc_with_process_start": round(wall_s / IMAGES, 5),
                    "plain": round(plain_s / IMAGES, 8),
                },
                "seconds_ratio": round(mpc_s / plain_s, 1),
                "seconds_ratio_with_process_start": round(wall_s / plain_s, 1),
                "bytes": {"mpc": sent, "plain": plain_bytes},
                "bytes_ratio": round(sent / plain_bytes, 1),
                "logit_abs_error_max": float(np.abs(logits - plain).max()),
                "argmax_agreement": float((logits.argmax(1) == plain.argmax(1)).mean()),
                "audit": {
                    "scores_per_party": list(AUDIT_SCORES),
                    "exceeds": exceeds,
                    "plaintext_exceeds": share > 0.25,
                    "protocol_s": round(audit.protocol_seconds, 4),
                    "wall_s": round(audit.wall_seconds, 4),
                    "bytes": audit.bytes_exchanged,
                },
                "load_start": load_start,
                "load_end": load(),
            }
        )
    )


if __name__ == "__main__":
    main()
