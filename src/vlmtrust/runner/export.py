"""``vlmtrust export``: the fixed model out of the artifact cache, as a standard Hugging Face
checkpoint a team can ship, with a model card saying what was fixed and what it measured.

The mitigated model is built exactly as a scan builds it (``Trainer.wrap``: the cached artifact
when a scan already trained it, else one training run that the next scan reuses), so what is
exported is what was measured. A LoRA adapter is merged into the base weights (or written beside
it with ``adapter_only``); the base checkpoint's tokenizer, processor and chat-template files are
copied, so ``transformers`` and ``hf:DIR`` load the result directly. Wrappers change prompts or
filter answers at run time and have no weights: they are refused with one line.

The folder is written under a temporary name and renamed when complete: a failure or an
interrupt leaves no half-written checkpoint.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.outputs import check_output_dir
from vlmtrust.core.records import MetricRow
from vlmtrust.core.spec import parse_spec, split_variants
from vlmtrust.models.hf import CHECKPOINT_FILES
from vlmtrust.runner.run import parse_variant

#: files beside the weights that change what a checkpoint computes (tokenizer, processor, prompt
#: format, decoding defaults; the video processor's too, for whoever uses it): copied as they are
BESIDE_WEIGHTS = sorted((CHECKPOINT_FILES - {"config.json"}) | {"video_preprocessor_config.json"})
CARD_FILE = "README.md"
PROVENANCE_FILE = "vlmtrust_export.json"


@dataclass(frozen=True)
class Exported:
    out: Path
    base: str
    mitigation: str
    merged: bool
    compared_rows: int


def export(
    model: str, mitigate: str, out: Path, *, adapter_only: bool = False, results: Path | None = None
) -> Exported:
    """Write the checkpoint of ``model`` fixed by the trainer(s) ``mitigate`` into ``out``."""
    from vlmtrust.mitigations.base import build_mitigation, variant_label
    from vlmtrust.mitigations.trainers.base import Trainer
    from vlmtrust.models.base import resolve_model

    check_output_dir(out)
    if out.is_dir() and any(out.iterdir()):
        raise ConfigError(f"--out {out} is not empty", "name a new folder to export to")
    handle = resolve_model(model)
    if handle.kind != "hf":
        raise ConfigError(
            f"export writes Hugging Face checkpoints, and {handle.name} is a {handle.kind}: model",
            "export an hf: model (zoo organisms ship inside vlmtrust; openai: models live on "
            "their server)",
        )
    variants = split_variants(mitigate)
    if len(variants) != 1:
        raise ConfigError(
            f"--mitigate {mitigate!r} names {len(variants)} variants",
            "export one variant: a trainer, or trainers composed with + (a+b)",
        )
    specs = [parse_spec(part) for part in variants[0].split("+")]
    trainers = [build_mitigation(spec) for spec in specs]
    for spec, built in zip(specs, trainers, strict=True):
        if not isinstance(built, Trainer):
            raise ConfigError(
                f"{spec.name} changes prompts or filters answers at run time: it has no weights "
                "to export",
                f"apply it with `vlmtrust scan --mitigate {spec.name}`, or export trainers only",
            )
    # the label the scan wrote: of the validated specs (an alias such as member_data= reads
    # as its field's name there)
    label = variant_label([t.spec for t in trainers])
    if adapter_only and not any(isinstance(t, Trainer) and t.adapter for t in trainers):
        raise ConfigError(
            f"{label} tunes whole modules, not a LoRA adapter: there is no adapter to write alone",
            "drop --adapter-only",
        )
    parse_variant(variants[0], handle)  # the model offers what each trainer needs
    compared = _before_after(results, handle.name, handle.fingerprint, label)
    tuned = handle.load()
    for trainer in trainers:
        tuned = trainer.wrap(tuned)
    network, merged = _network(tuned, adapter_only)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        network.save_pretrained(str(staging), safe_serialization=True)
        base_dir = Path(handle.options["path"])
        for name in BESIDE_WEIGHTS:
            if (base_dir / name).is_file() and not (staging / name).exists():
                shutil.copy2(base_dir / name, staging / name)
        provenance = {
            "base_model": handle.name,
            "base_fingerprint": handle.fingerprint,
            "mitigation": label,
            "mitigation_specs": [s.model_dump(mode="json") for s in specs],
            "merged": merged,
            "trainer_card": getattr(tuned, "card", {}),
            "before_after": compared,
        }
        (staging / PROVENANCE_FILE).write_text(json.dumps(provenance, indent=2, default=str))
        (staging / CARD_FILE).write_text(model_card(provenance, base_dir.name))
        if out.exists():
            out.rmdir()  # empty, checked above
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Exported(out, handle.name, label, merged, len(compared))


def _network(tuned: Any, adapter_only: bool) -> tuple[Any, bool]:
    """The transformers module to save, and whether a LoRA adapter was merged into it."""
    network = tuned._model
    if hasattr(network, "peft_config") and not adapter_only:
        return network.merge_and_unload(), True
    return network, False


def _before_after(
    results: Path | None, model: str, fingerprint: str, label: str
) -> list[dict[str, Any]]:
    """Baseline and mitigated rows of ``model`` in the run at ``results``, paired by task,
    attack and metric (empty without ``results``)."""
    if results is None:
        return []
    from vlmtrust.store import ResultStore

    with ResultStore.open_existing(results) as store:
        header = store.latest_header() or {}
        rows = store.metrics()
    scanned = header.get("model", {})
    if scanned.get("fingerprint") not in (None, fingerprint):
        raise ConfigError(
            f"--results {results} scanned {scanned.get('name', 'another model')}, a different "
            f"checkpoint from {model}",
            "pass the run directory of a scan of this model",
        )
    pairs = pair_rows(rows, label)
    if not pairs:
        raise ConfigError(
            f"--results {results} has no rows of both the baseline and {label}",
            f"scan with --mitigate {label} first (the export then reuses its training)",
        )
    return pairs


def pair_rows(rows: Sequence[MetricRow], label: str) -> list[dict[str, Any]]:
    """Each metric measured both on the baseline (``none``) and on ``label``: before, after."""
    before = {(r.task, r.attack, r.metric): r for r in rows if r.mitigation == "none"}
    pairs = []
    for r in rows:
        base = before.get((r.task, r.attack, r.metric))
        if r.mitigation != label or base is None:
            continue
        pairs.append(
            {
                "task": r.task,
                "attack": r.attack,
                "metric": r.metric,
                "before": _summary(base),
                "after": _summary(r),
                # the paired test the scan attached (None for a metric without one)
                "paired": r.details.get("paired"),
            }
        )
    return sorted(pairs, key=lambda p: (p["task"], p["attack"], p["metric"]))


def _summary(row: MetricRow) -> dict[str, Any]:
    return {"value": row.value, "ci_low": row.ci_low, "ci_high": row.ci_high, "n": row.n}


def model_card(provenance: dict[str, Any], base_name: str) -> str:
    """A Hugging Face model card: metadata header, what was changed, and the measured rows."""
    label = provenance["mitigation"]
    lines = [
        "---",
        "library_name: transformers",
        f"base_model: {json.dumps(base_name)}",
        f"tags: [vlmtrust, {json.dumps(label)}]",
        "---",
        "",
        f"# {base_name} fixed with {label}",
        "",
        f"Exported by vlmtrust from `{provenance['base_model']}` "
        f"(fingerprint `{provenance['base_fingerprint'][:16]}`), mitigation `{label}`"
        + (" (LoRA adapter merged into the weights)." if provenance["merged"] else "."),
        "",
    ]
    pairs = provenance["before_after"]
    if not pairs:
        lines += [
            "No measurements were attached (export with `--results RUN_DIR`, the run directory "
            "of a scan with this mitigation, to list its before -> after rows here).",
        ]
        return "\n".join(lines) + "\n"
    lines += [
        "## Measured before -> after (95% intervals, n)",
        "",
        "The paired change is after - before on the samples both scored, with its paired",
        "95% interval and test (Holm-adjusted p); a change is real when that p < 0.05.",
        "",
        "| task | attack | metric | before | after | paired change |",
        "|---|---|---|---|---|---|",
    ]
    for p in pairs:
        cells = (
            p["task"],
            p["attack"],
            p["metric"],
            _cell(p["before"]),
            _cell(p["after"]),
            _paired_cell(p.get("paired")),
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _paired_cell(paired: dict[str, Any] | None) -> str:
    if not paired:
        return "no paired form"
    real = "real" if paired["real"] else "not shown"
    return (
        f"{paired['difference']:+.3f} [{paired['ci_low']:+.3f}, {paired['ci_high']:+.3f}], "
        f"{paired['test']} Holm p={paired['p_holm']:.2g} ({real})"
    )


def _cell(s: dict[str, Any]) -> str:
    if s["value"] is None:
        return f"n/a (n={s['n']})"
    interval = "" if s["ci_low"] is None else f" [{s['ci_low']:.3f}, {s['ci_high']:.3f}]"
    return f"{s['value']:.3f}{interval} (n={s['n']})"
