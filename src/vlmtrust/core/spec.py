"""Specs name a plugin and its parameters; their canonical JSON is what cache keys hash."""

from __future__ import annotations

import hashlib
import json
import string
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

from vlmtrust.core.errors import ConfigError


class Spec(BaseModel):
    """A plugin name plus its parameters, e.g. corruption.jpeg with {"severity": 2}.

    Equal specs hash equally; the hash is part of every cache key.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    params: dict[str, Any] = {}

    def canonical(self) -> str:
        """Key-stable JSON: sorted keys, no whitespace, so equal specs hash equally."""
        return canonical_json(self.model_dump(mode="json"))

    def label(self, defaults: dict[str, Any] | None = None) -> str:
        """A short human-readable form: ``name`` or ``name(k=v,...)``, leaving out parameters
        equal to ``defaults`` (so reports read ``corruption.jpeg``, not every default)."""
        shown = {k: v for k, v in self.params.items() if not defaults or defaults.get(k) != v}
        if not shown:
            return self.name
        inner = ",".join(f"{k}={json.dumps(v)}" for k, v in sorted(shown.items()))
        return f"{self.name}({inner})"


class Params(BaseModel):
    """Base class for a plugin's parameters: frozen, unknown fields rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid")


P = TypeVar("P", bound=Params)


def check_template(template: str) -> str:
    """A prompt template must format one text (a class name, a request) and nothing else, so
    a typo fails when the spec is validated, before a scan opens its store, not mid-scan."""
    braces = "write {} where the text goes and {{ or }} for a literal brace"
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError as err:
        raise ValueError(f"template {template!r} is not a format string ({err}); {braces}") from err
    if fields != [""]:
        found = ", ".join("{" + f + "}" for f in fields) or "none"
        raise ValueError(
            f"template {template!r} must hold exactly one {{}} (found: {found}); {braces}"
        )
    try:
        template.format("x")
    except (ValueError, IndexError, KeyError, AttributeError, TypeError) as err:
        raise ValueError(f"template {template!r} does not format ({err}); {braces}") from err
    return template


def _check_optional_template(template: str) -> str:
    return check_template(template) if template else template


#: a ``str.format`` template with exactly one ``{}``, checked when parameters are validated
PromptTemplate = Annotated[str, AfterValidator(check_template)]
#: the same, or empty (the plugin then uses a prompt of its own)
OptionalPromptTemplate = Annotated[str, AfterValidator(_check_optional_template)]


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(*parts: str | bytes) -> str:
    """sha256 over length-prefixed parts, so ("ab", "c") and ("a", "bc") differ."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def validate_params(params_type: type[P], spec: Spec) -> P:
    """Validate a spec's params against a plugin's Params model, as a one-line ConfigError."""
    try:
        return params_type.model_validate(spec.params)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "params"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(
            f"bad parameter {where!r} for {spec.name}: {message}",
            f"`vlmtrust list {spec.name}` shows its parameters",
        ) from err


def parse_spec(text: str) -> Spec:
    """Parse ``name`` or ``name:key=value,key=value`` (values are JSON, else strings; commas
    inside brackets or quotes belong to the value, so ``classes=["a","b"]`` works)."""
    name, _, rest = text.strip().partition(":")
    if not name:
        raise ConfigError(f"empty plugin name in {text!r}", "write name or name:key=value")
    params: dict[str, Any] = {}
    for item in filter(None, (p.strip() for p in _split_top_level(rest))):
        key, eq, raw = item.partition("=")
        if not eq or not key:
            raise ConfigError(f"bad parameter {item!r} in {text!r}", "write key=value")
        try:
            params[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            params[key.strip()] = raw
    return Spec(name=name.strip(), params=params)


def split_variants(text: str) -> list[str]:
    """``--mitigate`` text -> variant specs. Commas separate variants, except where the next
    piece is another ``key=value`` of the same variant (``a:x=1,y=2,b`` is ``a:x=1,y=2`` and
    ``b``), so a mitigation can take several parameters on the command line."""
    variants: list[str] = []
    for piece in _split_top_level(text):
        key, eq, _ = piece.partition("=")
        continues = bool(eq) and ":" not in key and "+" not in key
        if continues and variants:
            variants[-1] += "," + piece
        elif piece.strip():
            variants.append(piece.strip())
    return variants


def _split_top_level(text: str) -> list[str]:
    parts, depth, quoted, start = [], 0, False, 0
    for i, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "[{":
            depth += 1
        elif not quoted and char in "]}":
            depth -= 1
        elif not quoted and depth == 0 and char == ",":
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts
