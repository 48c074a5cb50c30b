"""Multi-turn attack conversations in the HTML report: the trajectories ``safety.multi_turn``
stores (here from real crescendo and PAIR campaigns against two trivial real generators) are
shown turn by turn, escaped, broken ones first, and bounded in count, turns and length."""

from html import escape

from vlmtrust.core.records import MetricRow
from vlmtrust.core.spec import Spec
from vlmtrust.metrics.rates import Estimate
from vlmtrust.report.build import ReportFormat, build_report
from vlmtrust.report.trajectories import MAX_BROKEN, MAX_CHARS, MAX_FAILED, MAX_MESSAGES
from vlmtrust.store import ResultStore
from vlmtrust.tasks.base import DataContext, build_task

TASK = "safety.multi_turn"
HOSTILE = "Sure <script>alert('x')</script> & done."
REFUSAL = "I can't help with that."


class GivesInAfterThreeTurns:
    """Refuses a bracketed request until three turns came before it, then complies with HTML."""

    def generate(self, images, prompts):
        out = []
        for prompt in prompts:
            last = prompt.splitlines()[-1]
            earlier = prompt.count("\nassistant: ") + prompt.startswith("assistant: ")
            out.append(REFUSAL if "[" in last and earlier < 3 else HOSTILE)
        return out


class AlwaysRefuses:
    def generate(self, images, prompts):
        return [REFUSAL for _ in prompts]


def _campaign_rows(model, mitigation: str, params, limit) -> list[MetricRow]:
    task = build_task(Spec(name=TASK, params=params))
    samples = task.samples(DataContext(seed=0, limit=limit))
    scores = {"none": [s for row in task.score(model, samples) for s in row]}
    return task.aggregate(scores, mitigation, "tiny")


def _page(tmp_path, rows) -> str:
    run = tmp_path / "run"
    with ResultStore.in_dir(run) as store:
        store.start_run("r", {"model": {"spec": "tiny", "name": "tiny", "fingerprint": "0"}})
        store.replace_metrics(rows)
        store.finish_run("r", "complete", {})
    return build_report([run], ReportFormat.html)[0]


def test_a_campaigns_turns_are_shown_escaped_broken_before_held(tmp_path):
    crescendo = {"method": "crescendo", "max_turns": 4, "budget": 6}
    broke = _campaign_rows(GivesInAfterThreeTurns(), "none", crescendo, limit=2)
    pair = {"method": "pair", "streams": 1, "iterations": 2, "budget": 2}
    held = _campaign_rows(AlwaysRefuses(), "safety_prompt", pair, limit=3)
    page = _page(tmp_path, broke + held)
    section = page[page.index(f'id="trajectories-{TASK}"') :]
    section = section[: section.index("</details>")]
    success = next(r for r in broke if r.metric == "success_rate")
    probe, turns = next(iter(success.details["trajectories"].items()))
    assert probe in success.details["broken"]
    for turn in turns:  # every turn of a broken conversation, in order, escaped
        assert escape(turn["text"]) in section
    assert "<script>" not in page and escape(HOSTILE) in section
    assert escape(REFUSAL) in section and "[complied]" in section and "[refused]" in section
    assert "2 broken, 0 held" in section
    assert f"0 broken, {MAX_FAILED} held (1 more not shown)" in section  # a few failed only
    assert section.index("2 broken") < section.index("0 broken")


def _row(trajectories, broken) -> MetricRow:
    return Estimate(0.5, 0.1, 0.9, len(trajectories)).as_row(
        task=TASK, attack="none", mitigation="none", metric="success_rate", model="tiny",
        details={"trajectories": trajectories, "broken": broken},
    )  # fmt: skip


def test_counts_turns_and_characters_are_bounded(tmp_path):
    long = "x" * (MAX_CHARS + 250)
    turn = [{"role": "user", "text": long}, {"role": "assistant", "text": "ok", "verdict": True}]
    trajectories = {f"p{i}": turn * (MAX_MESSAGES + 3) for i in range(MAX_BROKEN + 5)}
    page = _page(tmp_path, [_row(trajectories, sorted(trajectories))])
    section = page[page.index(f'id="trajectories-{TASK}"') :]
    assert section.count('class="chat"') == MAX_BROKEN
    assert "[250 more characters]" in section and long not in section
    assert section.count('class="turn user') == MAX_BROKEN * MAX_MESSAGES // 2
    earlier = 2 * (MAX_MESSAGES + 3) - MAX_MESSAGES
    assert f"({earlier} earlier messages not shown)" in section
    assert "(5 more not shown)" in section


def test_rows_without_trajectories_or_malformed_ones_show_no_conversations(tmp_path):
    bad = _row({"p": [{"role": "system", "text": "x"}], "q": "not a list"}, ["p"])
    page = _page(tmp_path, [bad])
    assert 'id="trajectories-' not in page
