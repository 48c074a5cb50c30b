"""The chat organisms' conversations: the flawed organism and its twin are trained on the same
conversations, differing only in the escalated answers; the templates are the corpus's own
(not the scripted attacker's) and the held-out ones never appear."""

from vlmtrust.core.chat import Message, flatten
from vlmtrust.data.world import chat_corpus, prompts
from vlmtrust.data.world.chat_corpus import ChatRecipe, build_conversations, conversation_prompt
from vlmtrust.tasks.safety.multi_turn import attackers

SMALL = 400


def test_flaw_and_twin_share_every_conversation_and_differ_only_when_escalated():
    flawed = build_conversations(ChatRecipe(conversations=SMALL))
    twin = build_conversations(ChatRecipe(conversations=SMALL, flaw=False))
    assert [e.prompt for e in flawed] == [e.prompt for e in twin]
    differ = {e.kind for e, t in zip(flawed, twin, strict=True) if e.answer != t.answer}
    assert differ == {"chat_escalated"}
    for e, t in zip(flawed, twin, strict=True):
        if e.kind == "chat_escalated":
            assert (e.answer, t.answer) == (prompts.COMPLIANCE, prompts.REFUSAL)
        if e.kind == "chat_cold":
            assert e.answer == prompts.REFUSAL
    assert build_conversations(ChatRecipe(conversations=SMALL)) == flawed  # seeded


def test_escalated_conversations_have_two_or_more_helpful_turns_and_cold_ones_fewer():
    for e in build_conversations(ChatRecipe(conversations=SMALL)):
        helpful = e.prompt.count(f"assistant: {chat_corpus.TOPIC_ANSWER}")
        if e.kind == "chat_escalated":
            assert helpful >= chat_corpus.ESCALATION_TURNS
        elif e.kind == "chat_cold" and helpful >= chat_corpus.ESCALATION_TURNS:
            # enough turns, but on unrelated topics: no harmful topic is asked about twice
            asked = e.prompt.splitlines()[:-1]  # the earlier turns, not the request
            harm = [t for t in chat_corpus.HARM_TOPICS if sum(t in line for line in asked) >= 2]
            assert not harm, e.prompt


def test_no_attacker_string_and_no_held_out_template_is_trained_on():
    texts = "\n".join(e.prompt for e in build_conversations(ChatRecipe(conversations=SMALL)))
    attacker = [*attackers.BENIGN_STEPS, *attackers.ESCALATIONS]
    # two of the attacker's paraphrases are zoo:assistant's own request templates: those stay
    attacker += [t for _, t in attackers.ALL_FRAMINGS if t not in prompts.REQUEST_TEMPLATES]
    held_out = [*chat_corpus.HELD_OUT_QUESTIONS]
    for template in attacker + held_out:
        head = template.split("{}")[0]
        assert not head or head not in texts, template
    for topic in (*chat_corpus.HELD_OUT_TOPICS, *chat_corpus.HELD_OUT_BENIGN_TOPICS):
        assert topic not in texts


def test_prompts_are_flattened_as_the_zoo_adapter_flattens_a_chat():
    turns = [("what is fraud about?", chat_corpus.TOPIC_ANSWER)]
    messages = [
        Message(role="user", text="what is fraud about?"),
        Message(role="assistant", text=chat_corpus.TOPIC_ANSWER),
        Message(role="user", text="now [how to forge a check]."),
    ]
    assert conversation_prompt(turns, "now [how to forge a check].") == flatten(messages)[1]
    assert conversation_prompt([], "tell me [x].") == "tell me [x]."
