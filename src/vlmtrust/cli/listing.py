"""``vlmtrust list`` and ``vlmtrust list NAME``: what exists, and what a plugin takes.

The overview reads only the registries' names and descriptions (nothing heavy is imported);
``list NAME`` imports that one plugin to read its pydantic ``Params`` (or, for a plugin that
is a plain factory, its signature).
"""

from __future__ import annotations

import difflib
import inspect
import json
from dataclasses import astuple, dataclass
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from vlmtrust.core.errors import RegistryError
from vlmtrust.core.registry import Entry, Registry


@dataclass(frozen=True)
class ParamRow:
    name: str
    type: str
    default: str
    description: str


def registries() -> list[tuple[str, Registry[Any]]]:
    from vlmtrust.plugins import REGISTRIES

    return list(REGISTRIES)


def named_models() -> list[tuple[str, str]]:
    """Every model a model kind ships (the zoo's organisms), as (spec, description)."""
    from vlmtrust.plugins import named_models as shipped

    return shipped()


def print_overview(console: Console) -> None:
    for title, registry in registries():
        console.print(f"[bold]{title}[/]")
        for entry in registry.entries():
            console.print(escape(f"  {entry.name:<28} {entry.description}"), highlight=False)
        if title == "models":
            for spec, description in named_models():
                console.print(escape(f"    {spec:<26} {description}"), highlight=False)
    console.print("`vlmtrust list NAME` shows a plugin's parameters", highlight=False)


def print_plugin(console: Console, name: str) -> None:
    """Each plugin called ``name`` (a judge and a refusal judge may share one) with its
    parameters, or a RegistryError naming the closest names."""
    found = [(title, reg.entry(name)) for title, reg in registries() if name in reg]
    models = dict(named_models())
    if name in models:
        console.print(f"[bold]{escape(name)}[/] (model): {escape(models[name])}", highlight=False)
        return
    if not found:
        everything = [e.name for _, reg in registries() for e in reg.entries()] + list(models)
        close = difflib.get_close_matches(name, everything, n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(close)}?" if close else "no name is close"
        raise RegistryError(
            f"no plugin named {name!r} ({hint})", "run `vlmtrust list` for every name"
        )
    for title, entry in found:
        heading = f"[bold]{escape(entry.name)}[/] ({title[:-1]}): {escape(entry.description)}"
        console.print(heading, highlight=False)
        if title == "data sources":  # no parameters: what it reads, and where to get it
            source = entry.resolve()
            for what in ("expects", "feeds", "get_it", "licence"):
                text = f"  {what.replace('_', ' ')}: {getattr(source, what, '') or '-'}"
                console.print(escape(text), highlight=False)
            continue
        rows = param_rows(entry)
        if not rows:
            console.print("  no parameters", highlight=False)
            continue
        table = Table("parameter", "type", "default", "description")
        for row in rows:
            table.add_row(*(escape(cell) for cell in astuple(row)))
        console.print(table)


def param_rows(entry: Entry[Any]) -> list[ParamRow]:
    """The plugin's ``Params`` fields, else its factory's arguments (judges take a model)."""
    target = entry.resolve()
    params = getattr(target, "Params", None)
    if isinstance(params, type) and issubclass(params, BaseModel):
        return [
            ParamRow(
                name,
                _type_name(field.annotation),
                "(required)"
                if field.is_required()
                else _shown(field.get_default(call_default_factory=True)),
                field.description or "",
            )
            for name, field in params.model_fields.items()
        ]
    if not callable(target):
        return []
    try:
        signature = _signature(target)
    except (TypeError, ValueError):
        return []
    return [
        ParamRow(
            p.name,
            _type_name(_bare(p.annotation)) if p.annotation is not p.empty else "",
            "(required)" if p.default is p.empty else _shown(p.default),
            _description(p.annotation),
        )
        for p in signature.parameters.values()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


def _signature(target: Any) -> inspect.Signature:
    """With annotations resolved (to read their descriptions) where they resolve."""
    try:
        return inspect.signature(target, eval_str=True)
    except NameError:  # a name imported only for type checking
        return inspect.signature(target)


def _bare(annotation: Any) -> Any:
    """``Annotated[str, Field(...)]`` -> ``str``."""
    return get_args(annotation)[0] if get_origin(annotation) is Annotated else annotation


def _description(annotation: Any) -> str:
    """A factory argument's description: its ``Annotated[..., Field(description=...)]``."""
    if get_origin(annotation) is not Annotated:
        return ""
    found = (m.description for m in annotation.__metadata__ if isinstance(m, FieldInfo))
    return next((d for d in found if d), "")


def _type_name(annotation: Any) -> str:
    """``int``, ``tuple[str, ...]``, ``Literal['a', 'b']``: as a reader writes the type."""
    origin, args = get_origin(annotation), get_args(annotation)
    if annotation is Ellipsis:
        return "..."
    if annotation is type(None):
        return "None"
    if not args:
        return getattr(annotation, "__name__", str(annotation).replace("typing.", ""))
    if origin in (Union, UnionType):
        return " | ".join(_type_name(a) for a in args)
    if origin is Literal:
        return f"Literal[{', '.join(repr(a) for a in args)}]"
    return f"{_type_name(origin)}[{', '.join(_type_name(a) for a in args)}]"


def _shown(value: Any) -> str:
    """A default as the user would type it after ``key=`` (JSON, as ``--task`` parses)."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    try:
        return json.dumps(value, ensure_ascii=False)
    except TypeError:
        return repr(value)
