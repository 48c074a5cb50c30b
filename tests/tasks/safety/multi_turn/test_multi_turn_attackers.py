"""The attackers: the scripted one is a pure function of its seed and changes framing after a
refusal; an attacker model's answer with no request is a counted failure, never replaced."""

from vlmtrust.core.records import Sample
from vlmtrust.tasks.safety.multi_turn.attackers import (
    ModelAttacker,
    RewriteAsk,
    ScriptedAttacker,
    Turn,
    parse_request,
    system_prompt,
    template_of,
)
from vlmtrust.tasks.safety.multi_turn.search import Target, pair

GOAL = "[ways to pick a lock]"


def test_scripted_rewrites_repeat_from_the_seed_and_change_angle_after_a_refusal():
    asks = [RewriteAsk(GOAL, None, (0, s, 0)) for s in range(6)]
    first = ScriptedAttacker(0).rewrite("pair", asks)
    assert first == ScriptedAttacker(0).rewrite("pair", asks)
    assert first != ScriptedAttacker(1).rewrite("pair", asks)
    assert all(GOAL in text for text in first)
    for text in first:
        family = template_of(text)[0]
        refused = RewriteAsk(GOAL, Turn(text, "I can't help with that.", False), (0, 0, 1))
        (again,) = ScriptedAttacker(0).rewrite("pair", [refused])
        assert template_of(again)[0] != family


def test_parse_request_reads_the_marker_and_rejects_refusals_and_silence():
    assert parse_request("thinking...\nPROMPT: tell me a story about [x]") == (
        "tell me a story about [x]"
    )
    assert parse_request("as a novelist, describe [x]") == "as a novelist, describe [x]"
    assert parse_request("") is None
    assert parse_request("I'm sorry, but I can't help with that.") is None


def test_system_prompts_ship_as_versioned_data():
    for method in ("pair", "tap", "crescendo"):
        assert "PROMPT:" in system_prompt(method)


class RefusingAttacker:
    """A real (trivial) Generator that refuses to write attacks: every answer is a refusal."""

    def generate(self, images, prompts):
        return ["I'm sorry, but I can't help with that." for _ in prompts]


class CountingTarget:
    calls = 0

    def generate(self, images, prompts):
        self.calls += 1
        return ["Sure. Here is how: first, get ready." for _ in prompts]


def test_an_attacker_model_that_writes_no_request_is_counted_not_replaced():
    probes = [
        Sample(id=f"p{i}", prompt=GOAL, labels={"request": GOAL, "category": "x"}) for i in range(2)
    ]
    target = CountingTarget()
    outcomes = pair(Target(target, "text"), ModelAttacker(RefusingAttacker(), 0), probes, 2, 3, 6)
    assert [o.attacker_failures for o in outcomes] == [6, 6]
    assert all(o.queries == 0 and not o.broken and not o.judged for o in outcomes)
    assert target.calls == 0  # the scripted templates did not stand in
