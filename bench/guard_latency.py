"""Guard latency on zoo:assistant: what the input guard adds to each request, with its default
pixel-level text-presence gate (OCR only where ``mitigations/wrappers/text_gate.py`` sees
text), with the older detector gate (rapidocr's detector first) and with no gate (OCR on every
image).

Traffic: clean world scenes with caption/VQA questions (no text in them) mixed with FigStep
images (harmful requests and benign twins, rendered as in the zoo's training), one request per
call, the three variants timed back to back on each request in rotating order (the machine is
shared: pairing keeps load from other processes out of the differences), averaged over requests.
Prints one JSON line: the gated guard's added seconds per request as a ratio to the bare call and
to the OCR-always guard's added seconds, and FigStep recall (harmful images blocked)
under both, plus the mix, so the ratios can be read against the share of images with text.

Two mixes from the same run: the bench's own (12 clean scenes, 10 FigStep images: 45% text, far
more than real traffic) over exactly those requests, and a mix with 10% text images, weighting the
per-kind mean added seconds (clean scenes from ``CLEAN + EXTRA_CLEAN`` requests) 90 : 5 : 5.
"""

from __future__ import annotations

import json
import os
import time

import numpy as np
import torch
from PIL import Image

from vlmtrust.core.spec import Spec
from vlmtrust.data import world
from vlmtrust.data.world import prompts
from vlmtrust.data.world.typography import render_lines
from vlmtrust.mitigations.base import build_mitigation
from vlmtrust.models.base import resolve_model

CLEAN, HARMFUL, BENIGN = 12, 6, 4
#: more clean scenes, measured alike, for the per-kind mean of the 10%-text mix only
EXTRA_CLEAN = 12
REALISTIC_MIX = {"clean": 0.90, "harmful": 0.05, "benign": 0.05}
QUESTIONS = ("describe the image.", "what colour is the object?", "what shape is it?")


def _requests() -> tuple[list[Image.Image], list[str], list[str]]:
    """(images, prompts, kind per request) in a fixed interleaved order."""
    items: list[tuple[Image.Image, str, str]] = []
    for i, scene in enumerate(world.generate(seed=11, n=CLEAN)):
        items.append((scene.load_image(), QUESTIONS[i % 3], "clean"))
    for i, request in enumerate(prompts.ALL_HARMFUL[1::2][:HARMFUL]):
        lines = prompts.figstep_lines(request)
        items.append((render_lines(lines), prompts.FIGSTEP_PROMPTS[i % 2], "harmful"))
    for i, request in enumerate(prompts.BENIGN_REQUESTS[:BENIGN]):
        lines = prompts.figstep_lines(request)
        items.append((render_lines(lines), prompts.FIGSTEP_PROMPTS[i % 2], "benign"))
    order = sorted(range(len(items)), key=lambda k: (k * 7) % len(items))
    extra = world.generate(seed=12, n=EXTRA_CLEAN)
    items += [(s.load_image(), QUESTIONS[i % 3], "extra_clean") for i, s in enumerate(extra)]
    order += list(range(len(order), len(items)))
    return [items[k][0] for k in order], [items[k][1] for k in order], [items[k][2] for k in order]


def main() -> None:
    torch.set_num_threads(1)
    assistant = resolve_model("zoo:assistant").load()
    images, asks, kinds = _requests()
    gated = build_mitigation(Spec(name="guard")).wrap(assistant)
    always = build_mitigation(Spec(name="guard", params={"gate": False})).wrap(assistant)
    detector = build_mitigation(Spec(name="guard", params={"gate_kind": "detector"}))
    detector_gated = detector.wrap(assistant)
    # warm-up: load OCR, MiniLM, open_nsfw and the decoder on requests not measured
    scene = world.generate(seed=99, n=1)[0].load_image()
    for model in (assistant, gated, always, detector_gated):
        model.generate([render_lines(["warm up", "1."]), scene], ["describe it.", "describe it."])
    variants = {
        "bare": assistant,
        "gate": gated,
        "ocr_always": always,
        "gate_detector": detector_gated,
    }
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    blocked: dict[str, list[bool]] = {name: [] for name in variants}
    for i, (image, ask) in enumerate(zip(images, asks, strict=True)):
        # paired and in rotating order, so load from other processes hits all three alike
        names = list(variants)
        for name in names[i % len(names) :] + names[: i % len(names)]:
            started = time.perf_counter()
            (answer,) = variants[name].generate([image], [ask])
            seconds[name].append(time.perf_counter() - started)
            blocked[name].append(answer == prompts.REFUSAL)
    mix = np.array([k != "extra_clean" for k in kinds])  # the bench's own mix
    bare = np.array(seconds["bare"])
    # mean: the traffic's average cost per request (clean and text-bearing images mixed)
    guarded = ("gate", "ocr_always", "gate_detector")
    paired = {n: np.array(seconds[n]) - bare for n in guarded}
    added = {n: float(np.mean(paired[n][mix])) for n in guarded}
    bare_s = float(np.mean(bare[mix]))
    median = {n: float(np.median(paired[n][mix])) for n in guarded}
    # per kind, the extra clean scenes with the others: the 10%-text mix's weights
    kind_of = np.array(["clean" if k == "extra_clean" else k for k in kinds])
    per_kind = {
        n: {k: float(np.mean(paired[n][kind_of == k])) for k in REALISTIC_MIX} for n in guarded
    }
    realistic = {n: sum(w * per_kind[n][k] for k, w in REALISTIC_MIX.items()) for n in guarded}

    measured = list(gated.decisions)[-len(images) :]  # not the warm-up's
    in_mix = [d for d, m in zip(measured, mix, strict=True) if m]

    def share(name: str, kind: str) -> float:
        hits = [b for b, k in zip(blocked[name], kinds, strict=True) if k == kind]
        return sum(hits) / len(hits)

    print(
        json.dumps(
            {
                "bench": "guard_latency",
                "requests": int(mix.sum()),
                "mix": {
                    "clean_scenes": CLEAN,
                    "figstep_harmful": HARMFUL,
                    "figstep_benign": BENIGN,
                },
                "statistic": "mean over requests of paired per-request seconds",
                "bare_s_per_request": round(bare_s, 4),
                "added_s_per_request_gate": round(added["gate"], 4),
                "added_s_per_request_ocr_always": round(added["ocr_always"], 4),
                "added_ratio_to_bare": round(added["gate"] / bare_s, 2),
                "added_ratio_to_ocr_always": round(added["gate"] / added["ocr_always"], 3),
                "median_added_s_gate": round(median["gate"], 4),
                "median_added_s_ocr_always": round(median["ocr_always"], 4),
                "gate": "pixels",
                "added_s_per_request_gate_detector": round(added["gate_detector"], 4),
                "detector_gate_ratio_to_ocr_always": round(
                    added["gate_detector"] / added["ocr_always"], 3
                ),
                "median_added_s_gate_detector": round(median["gate_detector"], 4),
                "figstep_recall_gate": share("gate", "harmful"),
                "figstep_recall_gate_detector": share("gate_detector", "harmful"),
                "figstep_recall_ocr_always": share("ocr_always", "harmful"),
                "benign_twin_refusal_gate": share("gate", "benign"),
                "benign_twin_refusal_ocr_always": share("ocr_always", "benign"),
                "ocr_share_gate": round(sum(d.ocr_ran for d in in_mix) / len(in_mix), 3),
                "mix_10pct_text": {
                    "weights": REALISTIC_MIX,
                    "clean_scenes_measured": int((kind_of == "clean").sum()),
                    "added_s_per_request_gate": round(realistic["gate"], 4),
                    "added_s_per_request_ocr_always": round(realistic["ocr_always"], 4),
                    "added_ratio_to_ocr_always": round(
                        realistic["gate"] / realistic["ocr_always"], 3
                    ),
                    "detector_gate_ratio_to_ocr_always": round(
                        realistic["gate_detector"] / realistic["ocr_always"], 3
                    ),
                },
                "added_s_by_kind": {
                    n: {k: round(v, 4) for k, v in per_kind[n].items()} for n in guarded
                },
                "load_average_1min": round(os.getloadavg()[0], 2),
                "cpu_count": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
