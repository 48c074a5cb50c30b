"""Severity rules: which metric rows are findings and how bad each is, from the documented
defaults shipped in ``severity.toml`` and an optional user file that overrides them. Kept below
the runner and the report so a scan stores findings and a report re-derives them the same way."""

from __future__ import annotations

import re
import tomllib
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from vlmtrust.core.errors import ConfigError

#: severities a rule sets thresholds for, worst first
LEVELS = ("critical", "high", "medium", "low")


class Rule(BaseModel):
    """One metric pattern's thresholds: distances from the reference in the bad direction."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    metric: str
    bad: Literal["higher", "lower"]
    #: a number, or ``attack:NAME``: the same row under that clean condition
    reference: float | str
    title: str
    note: str = ""
    percent: bool = False
    critical: float
    high: float
    medium: float
    low: float

    @model_validator(mode="after")
    def _consistent(self) -> Rule:
        try:
            re.compile(self.metric)
        except re.error as err:
            raise ValueError(f"metric {self.metric!r} is not a regular expression ({err})") from err
        if isinstance(self.reference, str) and not self.reference.startswith("attack:"):
            raise ValueError(f"reference {self.reference!r} is neither a number nor attack:NAME")
        steps = [self.critical, self.high, self.medium, self.low]
        if steps != sorted(steps, reverse=True):
            raise ValueError("thresholds must not grow from critical to low")
        return self

    @property
    def reference_attack(self) -> str | None:
        if isinstance(self.reference, str):
            return self.reference.removeprefix("attack:")
        return None

    def matches(self, metric: str) -> bool:
        return re.fullmatch(self.metric, metric) is not None

    def distance(self, value: float, reference: float) -> float:
        """How far ``value`` is from ``reference`` in the bad direction (negative: better)."""
        return value - reference if self.bad == "higher" else reference - value

    def severity(self, distance: float) -> str:
        """The worst level whose threshold ``distance`` reaches, else ``info``."""
        for level in LEVELS:
            if distance >= getattr(self, level) - 1e-12:
                return level
        return "info"


def default_rules() -> tuple[Rule, ...]:
    """The shipped defaults (``metrics/severity.toml``)."""
    text = files("vlmtrust.metrics").joinpath("severity.toml").read_text("utf-8")
    return _rules(tomllib.loads(text), {}, "the default severity.toml")


def load_rules(path: Path | None) -> tuple[Rule, ...]:
    """The defaults, overridden key by key by the user's file when one is given."""
    if path is None:
        return default_rules()
    fix = "see the default thresholds in vlmtrust/metrics/severity.toml"
    try:
        user = tomllib.loads(path.read_text("utf-8"))
    except OSError as err:
        raise ConfigError(f"cannot read severity file {path} ({err.strerror or err})", fix) from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"severity file {path} is not valid TOML ({err})", fix) from err
    text = files("vlmtrust.metrics").joinpath("severity.toml").read_text("utf-8")
    return _rules(tomllib.loads(text), user, f"severity file {path}")


def _rules(defaults: dict[str, Any], user: dict[str, Any], where: str) -> tuple[Rule, ...]:
    fix = "see the default thresholds in vlmtrust/metrics/severity.toml"
    merged = {name: dict(table) for name, table in defaults.items()}
    for name, table in user.items():
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: {name} must be a table ([{name}])", fix)
        unknown = sorted(set(table) - set(Rule.model_fields) - {"name"} | ({"name"} & set(table)))
        if unknown:
            raise ConfigError(f"{where}: rule {name}: unknown key(s) {', '.join(unknown)}", fix)
        merged[name] = {**merged.get(name, {}), **table}
    rules = []
    for name, table in merged.items():
        try:
            rules.append(Rule.model_validate({**table, "name": name}))
        except ValidationError as err:
            first = err.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "rule"
            raise ConfigError(f"{where}: rule {name}: {field}: {first['msg']}", fix) from err
    return tuple(rules)


def rule_for(rules: tuple[Rule, ...], metric: str) -> Rule | None:
    """The first rule whose pattern matches the whole metric name."""
    return next((r for r in rules if r.matches(metric)), None)
