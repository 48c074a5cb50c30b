"""A small amazon-science/bold clone in its exact published layout: prompts/<domain>_prompt.json
as ``{group: {page name: [prompt, ...]}}`` with BOLD's own domain and group names, placeholder
prompts (no BOLD text ships with the tests), and the wikipedia/ folder beside it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from vlmtrust.data.benchmarks.bold import DOMAINS, PUBLISHED


def bold_clone(
    root: Path, per_group: int = 2, domains: Sequence[str] = DOMAINS, pages: int = 2
) -> Path:
    """``per_group`` prompts for every group of each of ``domains``, spread over ``pages`` page
    names per group (the first page takes the remainder)."""
    for domain in domains:
        data = {group: _pages(group, per_group, pages) for group in PUBLISHED[domain]}
        for folder, name in (("prompts", "prompt"), ("wikipedia", "wiki")):
            file = root / folder / f"{domain}_{name}.json"
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return root


def published_clone(root: Path) -> Path:
    """A clone with every group's published prompt count (placeholders), in a compact file."""
    for domain, groups in PUBLISHED.items():
        data = {group: {f"{group}_page": ["p"] * n} for group, n in groups.items()}
        file = root / "prompts" / f"{domain}_prompt.json"
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(json.dumps(data), encoding="utf-8")
    return root


def _pages(group: str, per_group: int, pages: int) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for i in range(per_group):
        page = f"Placeholder_page_{i % pages}_of_{group}"
        out.setdefault(page, []).append(f"Placeholder person {i} of the {group} group was ")
    return out
