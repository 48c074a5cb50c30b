"""vlguard_lora on the tiny random LLaVA of the hf: tests: what a few seconds of LoRA training
move, measured on held-out data. Prints ONE JSON line: training seconds, adapter size, the
refusal's log-likelihood per token on held-out harmful and benign FigStep probes before/after,
the base model's own answers' log-likelihood on held-out world scenes before/after, and how many
greedy answers the refusal judge calls refusals. A random model cannot read: expect harmful and
benign FigStep probes to move alike. Usage: python bench/vlguard_lora_tiny.py

Run with `make bench` (it puts tests/support, home of tiny_models, on the path)."""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from tiny_models import build_tiny_llava
from vlmtrust_testing import prompt_folder

from _timing import load
from vlmtrust.attacks.base import build_attack
from vlmtrust.core.spec import Spec
from vlmtrust.data.instructions import Example
from vlmtrust.data.probes import load_probes
from vlmtrust.mitigations.trainers.vlguard_lora import REFUSAL, VlguardLora, world_prompts
from vlmtrust.models.base import resolve_model
from vlmtrust.models.hf_generator_tuning import answer_logprobs
from vlmtrust.scorers import refusal

#: the spec tests/mitigations/trainers/test_vlguard_lora.py trains
SPEC = {
    "train_data": "replay",
    "steps": 40,
    "lr": 0.01,
    "safety_examples": 40,
    "replay": 24,
    "target_modules": ["q_proj", "v_proj", "lm_head"],
}
PROBES, SCENES = 20, 30


def per_token(model: Any, examples: list[Example]) -> float:
    with torch.no_grad():
        logp, tokens = answer_logprobs(model, examples)
    return round(float((logp / tokens).mean()), 3)


def refusals(model: Any, examples: list[Example]) -> int:
    answers = model.generate([e.image for e in examples], [e.prompt for e in examples])
    return sum(refusal.judge(a).complied is False for a in answers)


def main() -> None:
    load_start = load()
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["VLMTRUST_CACHE"] = tmp
        os.chdir(tmp)  # train_data is named relative to the working folder
        replay = [(image, {"prompt": prompt}) for image, prompt in world_prompts(1000, 24)]
        prompt_folder(Path(tmp) / "replay", replay)
        path = build_tiny_llava(Path(tmp) / "llava", seed=0)
        base = resolve_model(f"hf:{path}?max_new_tokens=12").load()
        started = time.perf_counter()
        tuned = VlguardLora(Spec(name="vlguard_lora", params=SPEC)).wrap(base)
        seconds = time.perf_counter() - started
        figstep = build_attack(Spec(name="figstep"))
        paraphrases = [p for p in load_probes() if p.set == "paraphrase"]
        probes = {}
        for kind, harmful in (("harmful", True), ("benign", False)):
            chosen = [p.to_sample() for p in paraphrases if p.harmful == harmful][:PROBES]
            attacked = [figstep.apply(s) for s in chosen]
            probes[kind] = [
                Example(kind, a.load_image(), a.prompt or "", REFUSAL) for a in attacked
            ]
        scenes = world_prompts(777, SCENES)
        answers = base.generate([i for i, _ in scenes], [p for _, p in scenes])
        own = [Example("scene", i, p, a) for (i, p), a in zip(scenes, answers, strict=True)]
        result = {
            "spec": SPEC,
            "train_seconds": round(seconds, 1),
            "load_average": round(os.getloadavg()[0], 1),
            "load_start": load_start,
            "adapter_weights": tuned.card["trainable_parameters"],
            "n_probes": PROBES,
            "n_scenes": SCENES,
            "refusal_logp_per_token": {
                kind: {"base": per_token(base, ex), "tuned": per_token(tuned, ex)}
                for kind, ex in probes.items()
            },
            "own_answer_logp_per_token_on_scenes": {
                "base": per_token(base, own),
                "tuned": per_token(tuned, own),
            },
            "greedy_refusals": {
                kind: {"base": refusals(base, ex), "tuned": refusals(tuned, ex)}
                for kind, ex in [*probes.items(), ("scenes", own)]
            },
        }
    result["load_end"] = load()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
