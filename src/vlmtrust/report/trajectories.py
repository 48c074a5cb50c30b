"""Attack conversations in the report: the trajectories a multi-turn attack stored in its
``success_rate`` row's details (``safety.multi_turn``), shown as a readable chat.

A success rate says how often the target broke; the conversation says how, which is what a
reader needs to believe it and to write a fix. Successful trajectories come first, then a few
that failed (what a refusal that held looks like), bounded in count, turns and characters so a
large campaign cannot swell the offline page. Every text is escaped: it is the target's and the
attacker's output, untrusted by definition.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from vlmtrust.core.records import MetricRow

#: per row (one mitigation's campaign): broken trajectories shown, then failed ones
MAX_BROKEN = 6
MAX_FAILED = 2
#: per trajectory: the messages shown (the last ones: where it broke or held), characters each
MAX_MESSAGES = 12
MAX_CHARS = 600

CSS = (
    ".chat{border:1px solid #ddd;border-radius:6px;padding:6px;margin:6px 0;max-width:760px;"
    "font-size:12.5px}.chat .turn{margin:3px 0;padding:4px 6px;border-radius:6px;"
    "white-space:pre-wrap}.chat .user{background:#eef3fb;margin-right:15%}"
    ".chat .assistant{background:#f4f4f4;margin-left:15%}.chat .complied{border-left:4px solid "
    "#c62828}.chat .refused{border-left:4px solid #2e7d32}"
)

Message = tuple[str, str, bool | None]  # role, text, the judge's verdict
_VERDICT = {True: ("complied", "complied"), False: ("refused", "refused"), None: ("", "undecided")}


def _turns(value: Any) -> list[Message] | None:
    """(role, text, verdict) of a stored trajectory; None where it is not one."""
    if not isinstance(value, list):
        return None
    out = []
    for turn in value:
        if not isinstance(turn, Mapping) or turn.get("role") not in ("user", "assistant"):
            return None
        verdict = turn.get("verdict")
        out.append((str(turn["role"]), str(turn.get("text", "")), verdict))
    return out


def _clip(text: str) -> str:
    if len(text) <= MAX_CHARS:
        return escape(text)
    return escape(text[:MAX_CHARS]) + f" <i>[{len(text) - MAX_CHARS:,} more characters]</i>"


def conversation_html(probe: str, turns: Sequence[Message], broke: bool) -> str:
    """One trajectory as a chat: user turns left, the target's right with the judge's verdict."""
    shown = list(turns)[-MAX_MESSAGES:]
    skipped = len(turns) - len(shown)
    outcome = "broken" if broke else "held"
    lines = [f"<div><b>{escape(probe)}</b> · {outcome} · {len(turns)} messages</div>"]
    if skipped:
        lines.append(f'<div class="muted">({skipped} earlier messages not shown)</div>')
    for role, text, verdict in shown:
        css, word = _VERDICT.get(verdict, _VERDICT[None])
        tag = f' <span class="muted">[{word}]</span>' if role == "assistant" else ""
        who = "user" if role == "user" else "target"
        classes = " ".join(c for c in ("turn", role, css) if c)
        lines.append(f'<div class="{classes}"><b>{who}</b>{tag}: {_clip(text)}</div>')
    return f'<div class="chat">{"".join(lines)}</div>'


def trajectories_html(task: str, rows: Sequence[MetricRow]) -> str:
    """The conversations of every row of ``task`` that stores trajectories, per mitigation
    and model; empty where none does."""
    parts = []
    total = 0
    for row in rows:
        stored = row.details.get("trajectories")
        if not isinstance(stored, Mapping):
            continue
        broken = set(row.details.get("broken") or ())
        found = [(str(p), t) for p, value in stored.items() if (t := _turns(value))]
        wins = [(p, t) for p, t in found if p in broken][:MAX_BROKEN]
        held = [(p, t) for p, t in found if p not in broken][:MAX_FAILED]
        if not wins and not held:
            continue
        chats = [conversation_html(p, t, True) for p, t in wins]
        chats += [conversation_html(p, t, False) for p, t in held]
        total += len(chats)
        left = len(found) - len(chats)
        more = f" ({left} more not shown)" if left > 0 else ""
        parts.append(
            f"<h5>{escape(row.model)} · {escape(row.mitigation)} · {escape(row.attack)}: "
            f"{len(wins)} broken, {len(held)} held{escape(more)}</h5>{''.join(chats)}"
        )
    if not parts:
        return ""
    return (
        f'<details id="trajectories-{escape(task)}"><summary>Attack conversations '
        f"({total} shown: broken first, then a few that held)</summary>"
        f"{''.join(parts)}</details>"
    )
