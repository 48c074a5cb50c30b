"""Per-sample terms of stored rows, read for paired tests: a baseline gate (``baseline.py``)
and a run comparison (``compare.py``) both pair two runs' rows sample by sample."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from vlmtrust.metrics.paired import Kind, PairedTerms
from vlmtrust.store import ResultStore

#: (task, attack, mitigation, metric, model), as the rows are keyed
TermsKey = tuple[str, str, str, str, str]


def load_terms(run_dirs: Sequence[Path]) -> dict[TermsKey, PairedTerms]:
    """Every stored row's per-sample terms in these runs, keyed like the rows."""
    out: dict[TermsKey, PairedTerms] = {}
    for run_dir in run_dirs:
        with ResultStore.open_existing(run_dir) as store:
            for stored in store.terms():
                kind: Kind = "binary" if stored.kind == "binary" else "continuous"
                out[stored.key] = PairedTerms(kind, stored.values)
    return out
