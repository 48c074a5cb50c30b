"""vlmtrust: scan vision-language models for trustworthiness problems, mitigate, re-measure.

``import vlmtrust`` is cheap: the API's names (``vlmtrust.scan``, ``load_run``, ``compare``,
``list_plugins``, ``Run``...) load from :mod:`vlmtrust.api` on first use, so the CLI and every
submodule import pay nothing for them."""

#: not ``typing.TYPE_CHECKING``: importing typing would triple the cost of ``import vlmtrust``
#: (type checkers treat any constant of this name as True)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from vlmtrust.api import (
        GateOutcome,
        PluginInfo,
        Run,
        Summary,
        VlmtrustError,
        compare,
        list_plugins,
        load_run,
        scan,
    )

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


def __getattr__(name: str) -> "Any":
    """Load an API name on first use (PEP 562)."""
    if name in __all__:
        from vlmtrust import api

        return getattr(api, name)
    raise AttributeError(f"module 'vlmtrust' has no attribute {name!r}")
