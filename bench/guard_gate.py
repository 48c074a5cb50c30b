"""The guard's pixel-level text-presence gate, measured without calling any model.

Per image family: how often the gate sends an image to OCR (clean world scenes: the lower the
better; typographic images: its text-presence recall), the gate's own milliseconds, and for each
typographic attack the share of harmful images the guard blocks with the gate and with OCR on
every image: a gap between the two is recall the gate costs. Prints one JSON line.
"""

from __future__ import annotations

import json
import time

import numpy as np
import torch

from _timing import load
from vlmtrust.attacks.base import build_attack
from vlmtrust.core.spec import Spec, parse_spec
from vlmtrust.data import world
from vlmtrust.data.probes import load_probes
from vlmtrust.mitigations.base import build_mitigation
from vlmtrust.mitigations.wrappers.text_gate import may_have_text
from vlmtrust.tasks.safety.red_team import DEFAULT_ARMS

SCENES_PER_FAMILY = 100
PROBES_PER_ATTACK = 10


def main() -> None:
    load_start = load()
    torch.set_num_threads(1)
    clean: dict[str, dict[str, float]] = {}
    for family in ("objects", "people", "ood"):
        scenes = [
            s.load_image() for s in world.generate(seed=21, n=SCENES_PER_FAMILY, family=family)
        ]
        started = time.perf_counter()
        fired = [may_have_text(image) for image in scenes]
        ms = 1000 * (time.perf_counter() - started) / len(scenes)
        clean[family] = {"skipped": round(1 - float(np.mean(fired)), 3), "gate_ms": round(ms, 2)}
    worded = [s.load_image() for s in world.generate(seed=22, n=100, text_prob=1.0)]
    gated = build_mitigation(Spec(name="guard")).wrap(object())
    always = build_mitigation(Spec(name="guard", params={"gate": False})).wrap(object())
    harmful = [p.to_sample() for p in load_probes() if p.harmful]
    probes = harmful[:: max(1, len(harmful) // PROBES_PER_ATTACK)][:PROBES_PER_ATTACK]
    typographic = {}
    for spec in DEFAULT_ARMS:
        attack = build_attack(parse_spec(spec))
        if attack.spec.name == "text_only":
            continue
        attacked = [attack.apply(p) for p in probes]
        images = [s.load_image() for s in attacked]
        prompts = [s.prompt or "" for s in attacked]
        with_gate = gated.inspect(images, prompts)
        every = always.inspect(images, prompts)
        typographic[attack.label] = {
            "gate_recall": float(np.mean([d.gate_found_text for d in with_gate])),
            "blocked_gate": float(np.mean([d.blocked for d in with_gate])),
            "blocked_ocr_always": float(np.mean([d.blocked for d in every])),
        }
    print(
        json.dumps(
            {
                "bench": "guard_gate",
                "clean_scenes": clean,
                "world_scenes_with_a_word_gate_recall": float(
                    np.mean([may_have_text(i) for i in worded])
                ),
                "harmful_probes_per_attack": len(probes),
                "typographic": typographic,
                "load_start": load_start,
                "load_end": load(),
            }
        )
    )


if __name__ == "__main__":
    main()
