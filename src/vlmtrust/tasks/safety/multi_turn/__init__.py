"""``safety.multi_turn``: PAIR, TAP and Crescendo with a scripted or model attacker (task.py)."""

from vlmtrust.tasks.safety.multi_turn.task import MultiTurn, MultiTurnParams

__all__ = ["MultiTurn", "MultiTurnParams"]
