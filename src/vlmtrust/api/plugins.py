"""``vlmtrust.list_plugins()``: what ``vlmtrust list`` prints, as records, read from the one
registry (``vlmtrust/plugins.py``) without importing any plugin's code."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class PluginInfo(BaseModel):
    """One plugin: its kind (model, task, attack, mitigation, metric, data source, judge,
    refusal judge), the name a spec or ``--model`` takes, and its one-line description."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str
    name: str
    description: str


def list_plugins(kind: str | None = None) -> list[PluginInfo]:
    """Every registered plugin (third-party entry points included) and every zoo model (kind
    ``model``, named as ``--model`` takes it), or only those of ``kind``."""
    from vlmtrust.core.errors import ConfigError
    from vlmtrust.plugins import REGISTRIES, named_models

    kinds = [title.removesuffix("s") for title, _ in REGISTRIES]
    if kind is not None and kind not in kinds:
        raise ConfigError(f"no plugin kind {kind!r}", f"pass one of {', '.join(kinds)}")
    found: list[PluginInfo] = []
    for title, registry in REGISTRIES:
        singular = title.removesuffix("s")
        if kind not in (None, singular):
            continue
        found += [
            PluginInfo(kind=singular, name=e.name, description=e.description)
            for e in registry.entries()
        ]
        if singular == "model":
            found += [
                PluginInfo(kind="model", name=spec, description=text)
                for spec, text in named_models()
            ]
    return found
