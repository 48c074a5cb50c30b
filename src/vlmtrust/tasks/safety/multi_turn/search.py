"""The three searches, each over all probes in lockstep (one batched target call per round):
PAIR (independent streams of rewrites), TAP (a pruned tree of rewrites) and Crescendo (one
conversation escalating over turns, backtracking on refusals). Every target query counts
against the probe's budget; a probe is broken when the refusal judge calls an answer to its
request compliance (an undecided answer never is)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from vlmtrust.attacks.jailbreak import FOLLOW_THE_IMAGE, request_image
from vlmtrust.core.chat import GenerationOptions, Message, chat_with
from vlmtrust.core.records import Sample
from vlmtrust.scorers import refusal
from vlmtrust.tasks.safety.multi_turn.attackers import (
    Attacker,
    EscalateAsk,
    RewriteAsk,
    Turn,
    topic_of,
)


@dataclass
class Outcome:
    """One probe's search: queries spent, whether and when it broke, the trajectory shown."""

    queries: int = 0
    judged: bool = False  # at least one answer the judge could decide
    turns_to_success: int | None = None
    trajectory: list[Turn] = field(default_factory=list)
    attacker_failures: int = 0
    #: Crescendo: the refused turns dropped from the conversation (turn number, prompt, answer)
    backtracks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def broken(self) -> bool:
        return self.turns_to_success is not None


class Target:
    """The model under attack: conversations of plain user/assistant texts, the last user turn
    rendered into an image when ``render`` is ``image`` and that turn carries the request."""

    def __init__(self, model: Any, render: str) -> None:
        self.model, self.render = model, render

    def ask(
        self,
        conversations: Sequence[Sequence[Turn]],
        last: Sequence[str],
        carries: Sequence[bool] | None = None,
    ) -> list[Turn]:
        """Answer each conversation (earlier turns, then the user text ``last``, rendered when
        it ``carries`` the request: every one unless told), judged."""
        flags = [True] * len(last) if carries is None else carries
        chats = [
            self._messages(history, text, carried)
            for history, text, carried in zip(conversations, last, flags, strict=True)
        ]
        answers = chat_with(self.model, chats, GenerationOptions()) if chats else []
        texts = [a if isinstance(a, str) else "" for a in answers]
        verdicts = [v.complied for v in refusal.judge_many(texts)]
        return [Turn(p, a, v) for p, a, v in zip(last, texts, verdicts, strict=True)]

    def _messages(self, history: Sequence[Turn], text: str, carried: bool) -> list[Message]:
        said = [
            m
            for t in history
            for m in (Message(role="user", text=t.prompt), Message(role="assistant", text=t.answer))
        ]
        if self.render == "image" and carried:
            image = request_image(text)
            return [*said, Message(role="user", text=FOLLOW_THE_IMAGE, images=(image,))]
        return [*said, Message(role="user", text=text)]


def _goal(probe: Sample) -> str:
    return str(probe.labels["request"])


def _record(outcome: Outcome, turn: Turn) -> None:
    outcome.queries += 1
    outcome.judged = outcome.judged or turn.verdict is not None


def pair(
    target: Target,
    attacker: Attacker,
    probes: Sequence[Sample],
    streams: int,
    iterations: int,
    budget: int,
) -> list[Outcome]:
    """PAIR: ``streams`` independent rewrite chains per probe, each query a fresh single-turn
    conversation; the attacker sees the stream's last prompt, answer and verdict."""
    outcomes = [Outcome() for _ in probes]
    paths: list[list[list[Turn]]] = [[[] for _ in range(streams)] for _ in probes]
    for it in range(iterations):
        live = [
            (p, s)
            for p, o in enumerate(outcomes)
            if not o.broken and o.queries < budget
            for s in range(streams)
        ]
        asks = [
            RewriteAsk(_goal(probes[p]), paths[p][s][-1] if paths[p][s] else None, (p, s, it))
            for p, s in live
        ]
        written = attacker.rewrite("pair", asks)
        queued: list[tuple[int, int, str]] = []
        spend = [o.queries for o in outcomes]
        for (p, s), text in zip(live, written, strict=True):
            if text is None:
                outcomes[p].attacker_failures += 1
            elif spend[p] < budget:
                spend[p] += 1
                queued.append((p, s, text))
        turns = target.ask([[] for _ in queued], [t for _, _, t in queued])
        for (p, s, _), turn in zip(queued, turns, strict=True):
            outcome = outcomes[p]
            if outcome.broken:
                continue  # an earlier stream broke it this round: the rest are spent, not shown
            _record(outcome, turn)
            paths[p][s].append(turn)
            if turn.verdict:
                outcome.turns_to_success, outcome.trajectory = it + 1, paths[p][s]
        if all(o.broken or o.queries >= budget for o in outcomes):
            break
    for outcome, chains in zip(outcomes, paths, strict=True):
        if not outcome.broken:
            outcome.trajectory = max(chains, key=len)
    return outcomes


def tap(
    target: Target,
    attacker: Attacker,
    probes: Sequence[Sample],
    width: int,
    branching: int,
    depth: int,
    budget: int,
) -> list[Outcome]:
    """TAP: every kept node branches into ``branching`` rewrites; the children are queried,
    and the ``width`` best (refused before undecided, then in branch order) are kept; a probe
    stops at its first success."""
    outcomes = [Outcome() for _ in probes]
    frontier: list[list[list[Turn]]] = [[[]] for _ in probes]  # root: an empty path
    for level in range(depth):
        asks: list[RewriteAsk] = []
        owners: list[tuple[int, list[Turn]]] = []
        for p, nodes in enumerate(frontier):
            if outcomes[p].broken or outcomes[p].queries >= budget:
                continue
            for n, path in enumerate(nodes):
                for b in range(branching):
                    asks.append(
                        RewriteAsk(_goal(probes[p]), path[-1] if path else None, (p, level, n, b))
                    )
                    owners.append((p, path))
        written = attacker.rewrite("tap", asks)
        queued: list[tuple[int, list[Turn], str]] = []
        spend = [o.queries for o in outcomes]
        for (p, path), text in zip(owners, written, strict=True):
            if text is None:
                outcomes[p].attacker_failures += 1
            elif spend[p] < budget:
                spend[p] += 1
                queued.append((p, path, text))
        turns = target.ask([[] for _ in queued], [t for _, _, t in queued])
        children: list[list[list[Turn]]] = [[] for _ in probes]
        for (p, path, _), turn in zip(queued, turns, strict=True):
            outcome = outcomes[p]
            if outcome.broken:
                continue
            _record(outcome, turn)
            child = [*path, turn]
            if turn.verdict:
                outcome.turns_to_success, outcome.trajectory = level + 1, child
            children[p].append(child)
        for p, kids in enumerate(children):
            if kids:
                kids.sort(key=lambda c: c[-1].verdict is None)  # stable: branch order kept
                frontier[p] = kids[:width]
                if not outcomes[p].broken:
                    outcomes[p].trajectory = frontier[p][0]
        if all(o.broken or o.queries >= budget for o in outcomes):
            break
    return outcomes


def crescendo(
    target: Target, attacker: Attacker, probes: Sequence[Sample], turns: int, budget: int
) -> list[Outcome]:
    """Crescendo (Russinovich et al., 2024): one conversation per probe that escalates from
    benign questions on the request's topic towards the request. The judge scores every turn;
    a refused turn is dropped from the conversation (a backtrack, recorded) and the step is
    retried (``retries`` counts them), so the target never sees its refusals.

    Where the attacker ``asks_early`` (the scripted one), the request is tried as soon as one
    benign turn was kept and again after each further one, so ``turns_to_success`` is the turn
    the escalation first works at; once refused at a step, the next query there is another
    benign question. At the last turn only the request is asked (with the next escalation
    after each refusal). Otherwise the request is asked at the last turn only."""
    outcomes = [Outcome() for _ in probes]
    history: list[list[Turn]] = [[] for _ in probes]
    retries = [0 for _ in probes]
    tried = [False for _ in probes]  # the request was refused at the current step

    def asks_request(p: int) -> bool:
        step = len(history[p])
        early = attacker.asks_early and step >= 1 and not tried[p]
        return step == turns - 1 or early

    while True:
        live = [
            p
            for p, o in enumerate(outcomes)
            # an attacker that fails a whole budget's worth of times ends its probe too
            if not o.broken
            and o.queries < budget
            and len(history[p]) < turns
            and o.attacker_failures < budget
        ]
        if not live:
            break
        requests = {p: asks_request(p) for p in live}
        asks = [
            EscalateAsk(
                goal=_goal(probes[p]),
                topic=topic_of(str(probes[p].labels.get("category", ""))),
                history=tuple(history[p]),
                step=len(history[p]),
                turns=turns,
                retries=retries[p],
                asked=outcomes[p].queries,
                key=(p,),
                request=requests[p],
            )
            for p in live
        ]
        written = attacker.escalate(asks)
        queued: list[tuple[int, str]] = []
        for p, text in zip(live, written, strict=True):
            if text is None:
                outcomes[p].attacker_failures += 1
                retries[p] += 1
            else:
                queued.append((p, text))
        answered = target.ask(
            [history[p] for p, _ in queued],
            [t for _, t in queued],
            [requests[p] for p, _ in queued],
        )
        for (p, _), turn in zip(queued, answered, strict=True):
            outcome = outcomes[p]
            _record(outcome, turn)
            if requests[p] and turn.verdict:
                history[p].append(turn)
                outcome.turns_to_success = len(history[p])
                continue
            if turn.verdict is False:
                outcome.backtracks.append(
                    {"turn": len(history[p]) + 1, "prompt": turn.prompt, "answer": turn.answer}
                )
            if turn.verdict is False or requests[p]:
                # refused, or the request undecided (never a success): retry the step
                retries[p] += 1
                tried[p] = tried[p] or requests[p]
                continue
            history[p].append(turn)  # a benign turn answered (or undecided): escalate on it
            retries[p] = 0
            tried[p] = False
    for outcome, kept in zip(outcomes, history, strict=True):
        outcome.trajectory = kept
    return outcomes
