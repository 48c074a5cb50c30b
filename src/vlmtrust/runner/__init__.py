"""Plan -> key -> skip if stored -> execute in batches -> append to the store."""

from vlmtrust.runner.run import RunSummary, run

__all__ = ["RunSummary", "run"]
