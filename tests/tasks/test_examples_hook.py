"""Task.examples: a few samples per attack for the gallery, unscorable and failures first,
chosen deterministically."""

from vlmtrust.core.records import Score
from vlmtrust.core.spec import Spec
from vlmtrust.tasks.base import build_task


def test_picks_unscorable_then_failures_then_the_rest_deterministically():
    task = build_task(Spec(name="robustness.zero_shot"))
    clean = [Score(sample_id=f"s{i}", metric="correct", value=1.0) for i in range(10)]
    attacked = [
        *clean[:6],
        Score(sample_id="wrong1", metric="correct", value=0.0),
        Score(sample_id="wrong2", metric="correct", value=0.0),
        Score.cannot_score("blank", "correct", "no answer"),
    ]
    picks = task.examples({"none": clean, "corruption.jpeg": attacked})
    by_attack = {}
    for attack, sample_id in picks:
        by_attack.setdefault(attack, []).append(sample_id)
    assert len(by_attack["none"]) == 3 and set(by_attack["none"]) <= {s.sample_id for s in clean}
    assert by_attack["corruption.jpeg"][0] == "blank"
    assert set(by_attack["corruption.jpeg"][1:]) == {"wrong1", "wrong2"}
    assert picks == task.examples({"none": clean, "corruption.jpeg": attacked})
