"""One generic registry for every plugin kind (tasks, attacks, mitigations, metrics, models).

Entries are lazy ``module:attr`` strings, so listing plugins imports nothing heavy; third parties
add plugins through Python entry points (group ``vlmtrust.<kind>``) without forking.
"""

from __future__ import annotations

import difflib
import functools
import importlib
import sys
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Generic, TypeVar, cast

from vlmtrust.core.errors import RegistryError

T = TypeVar("T")


@dataclass
class Entry(Generic[T]):
    name: str
    description: str
    target: T | str
    origin: str = "builtin"

    def resolve(self) -> T:
        """Import a lazy ``module:attr`` target once and keep it."""
        if isinstance(self.target, str):
            module_name, _, attr = self.target.partition(":")
            try:
                obj = getattr(importlib.import_module(module_name), attr)
            except (ImportError, AttributeError) as err:
                raise RegistryError(
                    f"plugin {self.name} points at {self.target}, which cannot be imported: {err}",
                    "install the package that provides it or fix its entry point",
                ) from err
            self.target = obj
        return cast(T, self.target)


class Registry(Generic[T]):
    """Name -> plugin. A duplicate name is an error, never a silent override."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Entry[T]] = {}
        self._entry_points_loaded = False

    def add(self, name: str, target: T | str, description: str, origin: str = "builtin") -> None:
        if name in self._entries:
            raise RegistryError(
                f"duplicate {self.kind} name {name!r} ({origin} vs {self._entries[name].origin})",
                "rename one of the plugins",
            )
        self._entries[name] = Entry(name, description, target, origin)

    def get(self, name: str) -> T:
        return self.entry(name).resolve()

    def entry(self, name: str) -> Entry[T]:
        self._load_entry_points()
        try:
            return self._entries[name]
        except KeyError:
            close = difflib.get_close_matches(name, self._entries, n=3)
            hint = f"did you mean {', '.join(close)}?" if close else "run `vlmtrust list`"
            raise RegistryError(f"unknown {self.kind} {name!r}", hint) from None

    def __contains__(self, name: object) -> bool:
        self._load_entry_points()
        return name in self._entries

    def entries(self) -> list[Entry[T]]:
        self._load_entry_points()
        return [self._entries[k] for k in sorted(self._entries)]

    def _load_entry_points(self) -> None:
        if self._entry_points_loaded:
            return
        self._entry_points_loaded = True
        for ep in _vlmtrust_entry_points(tuple(sys.path)).get(self.kind, ()):
            dist = ep.dist.name if ep.dist else "unknown"
            self.add(ep.name, ep.value, f"(from {dist})", origin=f"entry point of {dist}")


@functools.cache
def _vlmtrust_entry_points(path: tuple[str, ...]) -> dict[str, tuple[EntryPoint, ...]]:
    """Every ``vlmtrust.<kind>`` entry point, by kind, from one scan of the installed
    distributions (a scan per registry cost ~20 ms each at start-up); keyed by ``sys.path`` so
    distributions that appear on a new path are still found."""
    del path  # the cache key: entry_points() reads sys.path itself
    every = entry_points()
    return {
        group.removeprefix("vlmtrust."): tuple(every.select(group=group))
        for group in every.groups
        if group.startswith("vlmtrust.")
    }
