"""The report formats and how ``--out`` picks one, apart from :mod:`vlmtrust.report.build` so
the CLI can offer ``--format`` without importing the report's loading and rendering code."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path


class ReportFormat(StrEnum):
    json = "json"
    md = "md"
    html = "html"
    junit = "junit"
    #: a compact Markdown summary for a pull-request comment (report/github.py)
    github = "github"


SUFFIX_FORMAT = {
    ".json": ReportFormat.json,
    ".md": ReportFormat.md,
    ".html": ReportFormat.html,
    ".htm": ReportFormat.html,
    ".xml": ReportFormat.junit,
}


def infer_format(chosen: ReportFormat | None, out: Path | None) -> ReportFormat:
    """An explicit --format wins; else the --out suffix decides; else Markdown."""
    if chosen is not None:
        return chosen
    return SUFFIX_FORMAT.get(out.suffix.lower(), ReportFormat.md) if out else ReportFormat.md


class HistoryFormat(StrEnum):
    """``vlmtrust history``'s formats: the report's readable ones."""

    md = "md"
    html = "html"
    json = "json"


def infer_history_format(chosen: HistoryFormat | None, out: Path | None) -> HistoryFormat:
    """As ``infer_format``: an explicit --format wins, else the suffix, else Markdown."""
    if chosen is not None:
        return chosen
    picked = infer_format(None, out)
    readable = {f.value for f in HistoryFormat}
    return HistoryFormat(picked.value) if picked.value in readable else HistoryFormat.md
