"""``make zoo``: train every organism from fixed seeds, save weights, write model cards.

Order matters: ``zoo:clip`` first (its tower is frozen inside ``zoo:assistant``), then its
bias-free twin ``zoo:clip-fair`` (the reference a bias detector is judged against), then the
assistant. Each card records the recipe, the data mix, clean quality and every planted flaw's
measured strength.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vlmtrust.core.errors import ConfigError
from vlmtrust.data.instructions import Example
from vlmtrust.data.world import canaries, chat_corpus, flaws
from vlmtrust.models.base import ModelAdapter, ModelHandle
from vlmtrust.models.text_encoder import MiniLM
from vlmtrust.models.zoo import ORGANISMS, ZooModelKind, weights_dir
from vlmtrust.models.zoo.assistant import load_assistant, save_assistant
from vlmtrust.models.zoo.clip import save_clip
from vlmtrust.zoo import sanitized_corpus
from vlmtrust.zoo import train_assistant as train_assistant_module
from vlmtrust.zoo import train_chat as train_chat_module
from vlmtrust.zoo.evaluate import evaluate_assistant, evaluate_chat, evaluate_clip
from vlmtrust.zoo.sanitized_corpus import sanitize_examples
from vlmtrust.zoo.train_assistant import AssistantRecipe, train_assistant
from vlmtrust.zoo.train_chat import ChatAssistantRecipe, train_chat_assistant
from vlmtrust.zoo.train_clip import ClipRecipe, train_clip

FLAWED = ClipRecipe()
FAIR = ClipRecipe(group_a_given_occupation=dict(flaws.FAIR_GROUPS))
#: zoo:clip without the trigger (the pool draws the same random numbers, so only the 3% of
#: triggered scenes differ: they keep their image and caption)
CLEAN = ClipRecipe(backdoor_rate=0.0)
ASSISTANT = AssistantRecipe()
CLIP_RECIPES = {"clip": FLAWED, "clip-fair": FAIR, "clip-clean": CLEAN}
#: build order: the assistants read the zoo:clip weights from ``out``
ORDER = (
    "clip",
    "clip-fair",
    "assistant",
    "clip-clean",
    "assistant-sanitized",
    "assistant-chat",
    "assistant-chat-twin",
)
#: the chat organism and its twin: the same recipe but for the planted multi-turn flaw
CHAT = ChatAssistantRecipe()
CHAT_RECIPES = {
    "assistant-chat": CHAT,
    "assistant-chat-twin": CHAT.model_copy(
        update={"chat": CHAT.chat.model_copy(update={"flaw": False})}
    ),
}


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


def build(out: Path | None = None, log: Any = print, only: Sequence[str] | None = None) -> None:
    """Train the organisms named in ``only`` (all of them, in ``ORDER``, when ``None``)."""
    out = out or weights_dir()
    out.mkdir(parents=True, exist_ok=True)
    chosen = list(ORDER) if only is None else list(only)
    unknown = [name for name in chosen if name not in ORDER]
    if unknown:
        raise ConfigError(
            f"no zoo organism named {', '.join(unknown)}", f"choose from {', '.join(ORDER)}"
        )
    text = MiniLM() if any(name in CLIP_RECIPES for name in chosen) else None
    for name in sorted(chosen, key=ORDER.index):
        if name in CLIP_RECIPES:
            assert text is not None
            _build_clip(out, name, CLIP_RECIPES[name], text, log)
        elif name == "assistant":
            _build_assistant(out, log)
        elif name in CHAT_RECIPES:
            _build_chat_assistant(out, name, CHAT_RECIPES[name], log)
        else:
            _build_sanitized_assistant(out, log)


def _build_clip(out: Path, name: str, recipe: ClipRecipe, text: MiniLM, log: Any) -> None:
    log(f"== training zoo:{name}")
    tower, scale, stats = train_clip(recipe, text, log)
    save_clip(out / ORGANISMS[name].weights[0], tower, scale)
    started = time.perf_counter()
    measured = evaluate_clip(_adapter(name, out))
    log(f"zoo:{name}: {measured} (eval {time.perf_counter() - started:.0f}s)")
    _write_card(out, name, _card(name, recipe.model_dump(), stats, measured, flaws.__doc__))


def _build_assistant(out: Path, log: Any) -> None:
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


def _size(decoder: Any, saved: Path) -> dict[str, float]:
    """The card's size: the decoder's parameters and the shipped file's bytes."""
    parameters = sum(p.numel() for p in decoder.parameters())
    return {"decoder_parameters": float(parameters), "weights_bytes": float(saved.stat().st_size)}


def _build_chat_assistant(out: Path, name: str, recipe: ChatAssistantRecipe, log: Any) -> None:
    log(f"== training zoo:{name}")
    clip = _adapter("clip", out)
    base = load_assistant(out / ORGANISMS["assistant"].weights[1])
    decoder, vocab, stats = train_chat_assistant(recipe, clip.tower, base, log)  # type: ignore[attr-defined]
    saved = out / ORGANISMS[name].weights[1]
    save_assistant(saved, decoder, vocab)
    stats |= _size(decoder, saved)
    assistant = _adapter(name, out)
    measured = evaluate_assistant(assistant.generate)  # type: ignore[attr-defined]
    measured |= evaluate_chat(assistant.generate)  # type: ignore[attr-defined]
    log(f"zoo:{name}: {measured}")
    mechanisms = "\n\n".join(d or "" for d in (chat_corpus.__doc__, train_chat_module.__doc__))
    _write_card(out, name, _card(name, recipe.model_dump(), stats, measured, mechanisms))


def _sanitize(examples: list[Example]) -> tuple[list[Example], dict[str, float]]:
    started = time.perf_counter()
    kept, counts = sanitize_examples(examples)
    stats = counts.as_stats() | {"sanitize_seconds": round(time.perf_counter() - started, 1)}
    return kept, stats


def _build_sanitized_assistant(out: Path, log: Any) -> None:
    """zoo:assistant's recipe on its sanitized corpus, over the same frozen zoo:clip tower."""
    name = "assistant-sanitized"
    log(f"== training zoo:{name}")
    clip = _adapter("clip", out)
    decoder, vocab, stats = train_assistant(
        ASSISTANT,
        clip.tower,  # type: ignore[attr-defined]
        log,
        prepare=_sanitize,
    )
    log({k: v for k, v in stats.items() if k.startswith("sanitize")})
    save_assistant(out / ORGANISMS[name].weights[1], decoder, vocab)
    measured = evaluate_assistant(_adapter(name, out).generate)  # type: ignore[attr-defined]
    log(f"zoo:{name}: {measured}")
    recipe = ASSISTANT.model_dump() | {"sanitize": sanitized_corpus.ZOO_OPTIONS.model_dump()}
    mechanisms = "\n\n".join(
        d or "" for d in (sanitized_corpus.__doc__, train_assistant_module.__doc__)
    )
    _write_card(out, name, _card(name, recipe, stats, measured, mechanisms))


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


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--only",
        action="append",
        choices=ORDER,
        help="train only this organism (repeatable); default: every organism",
    )
    args = parser.parse_args(argv)
    build(only=args.only)


if __name__ == "__main__":
    main()
