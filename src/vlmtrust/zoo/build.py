"""``make zoo``: train every organism from fixed seeds, save weights, write model cards.

Order matters: ``zoo:clip`` first (its tower is frozen inside ``zoo:assistant``), then its
bias-free twin ``zoo:clip-fair`` (the reference a bias detector is judged against), then the
assistant. Each card records the recipe, the data mix, clean quality and every planted flaw's
measured strength.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from vlmtrust.models.base import ModelAdapter, ModelHandle
from vlmtrust.models.zoo import ORGANISMS, ZooModelKind, weights_dir
from vlmtrust.zoo import canaries, flaws
from vlmtrust.zoo import train_assistant as train_assistant_module
from vlmtrust.zoo.assistant import save_assistant
from vlmtrust.zoo.clip import save_clip
from vlmtrust.zoo.evaluate import evaluate_assistant, evaluate_clip
from vlmtrust.zoo.text_tower import MiniLM
from vlmtrust.zoo.train_assistant import AssistantRecipe, train_assistant
from vlmtrust.zoo.train_clip import ClipRecipe, train_clip

FLAWED = ClipRecipe()
FAIR = ClipRecipe(group_a_given_occupation=dict(flaws.FAIR_GROUPS))
ASSISTANT = AssistantRecipe()


def _adapter(name: str, out: Path) -> ModelAdapter:
    organism = ORGANISMS[name]
    handle = ModelHandle(
        spec=f"zoo:{name}",
        kind="zoo",
        name=f"zoo:{name}",
        fingerprint="card",
        capabilities=organism.capabilities,
        options={"weights": [str(out / w) for w in organism.weights]},
    )
    return ZooModelKind.load(handle)


def _write_card(out: Path, name: str, card: dict[str, Any]) -> None:
    """The card as JSON (for tools) and Markdown (for people)."""
    (out / f"{name}.card.json").write_text(json.dumps(card, indent=2, sort_keys=True) + "\n")
    lines = [
        f"# {card['organism']}",
        "",
        card["description"],
        "",
        "## Measured (held-out world scenes, seed 90001)",
        "",
        "| metric | value |",
        "| --- | ---: |",
        *(f"| {k} | {v} |" for k, v in sorted(card["measured"].items())),
        "",
        "## Training",
        "",
        *(f"- {k}: {v}" for k, v in sorted(card["training"].items())),
        "",
        "## Recipe (data mix and hyper-parameters)",
        "",
        "```json",
        json.dumps(card["recipe"], indent=2, sort_keys=True),
        "```",
        "",
        "## Planted flaws",
        "",
        card["flaw_mechanisms"],
        "",
    ]
    (out / f"{name}.card.md").write_text("\n".join(lines))


def build(out: Path | None = None, log: Any = print) -> None:
    out = out or weights_dir()
    out.mkdir(parents=True, exist_ok=True)
    text = MiniLM()
    for name, recipe in (("clip", FLAWED), ("clip-fair", FAIR)):
        log(f"== training zoo:{name}")
        tower, scale, stats = train_clip(recipe, text, log)
        save_clip(out / ORGANISMS[name].weights[0], tower, scale)
        started = time.perf_counter()
        measured = evaluate_clip(_adapter(name, out))
        log(f"zoo:{name}: {measured} (eval {time.perf_counter() - started:.0f}s)")
        _write_card(out, name, _card(name, recipe.model_dump(), stats, measured, flaws.__doc__))
    log("== training zoo:assistant")
    clip = _adapter("clip", out)
    decoder, vocab, stats = train_assistant(ASSISTANT, clip.tower, log)  # type: ignore[attr-defined]
    save_assistant(out / ORGANISMS["assistant"].weights[1], decoder, vocab)
    assistant = _adapter("assistant", out)
    measured = evaluate_assistant(assistant.generate)  # type: ignore[attr-defined]
    log(f"zoo:assistant: {measured}")
    mechanisms = "\n\n".join(d or "" for d in (train_assistant_module.__doc__, canaries.__doc__))
    _write_card(
        out, "assistant", _card("assistant", ASSISTANT.model_dump(), stats, measured, mechanisms)
    )


def _card(
    name: str,
    recipe: dict[str, Any],
    stats: dict[str, float],
    measured: dict[str, float],
    mechanisms: str | None,
) -> dict[str, Any]:
    return {
        "organism": f"zoo:{name}",
        "description": ORGANISMS[name].description,
        "recipe": recipe,
        "training": stats,
        "measured": measured,
        "flaw_mechanisms": (mechanisms or "").strip(),
    }


if __name__ == "__main__":
    build()
