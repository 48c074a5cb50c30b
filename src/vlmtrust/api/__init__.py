"""The documented Python API: scan a model, read a run's rows as a DataFrame, write its
reports, compare runs and list plugins, as the CLI does (the CLI's scan goes through
``vlmtrust.api.scan.run_scan`` too). Bad input raises the one-line
``vlmtrust.core.errors.VlmtrustError`` the CLI prints.

Every name here is also ``vlmtrust.NAME``; nothing heavy (torch, pandas) is imported until a
function needs it."""

from vlmtrust.api.compare import compare
from vlmtrust.api.plugins import PluginInfo, list_plugins
from vlmtrust.api.run import GateOutcome, Run, Summary, load_run
from vlmtrust.api.scan import scan
from vlmtrust.core.errors import VlmtrustError

__all__ = [
    "GateOutcome",
    "PluginInfo",
    "Run",
    "Summary",
    "VlmtrustError",
    "compare",
    "list_plugins",
    "load_run",
    "scan",
]
