"""The assistant's decoder: a sequence's outputs must not depend on what shares its batch."""

import torch

from vlmtrust.models.zoo.assistant import Decoder, DecoderConfig, encode_prompt, greedy
from vlmtrust.models.zoo.vocab import Vocab

VOCAB = Vocab.build(["a b c d e f g h i j k l m n o p"])


def _decoder() -> Decoder:
    torch.manual_seed(0)
    return Decoder(DecoderConfig(vocab_size=len(VOCAB))).eval()


def test_left_padding_does_not_change_a_sequence():
    decoder = _decoder()
    short = encode_prompt(VOCAB, "a b c", 40)
    long = encode_prompt(VOCAB, "a b c d e f g h i j k l m n o p", 40)
    alone = torch.tensor([short])
    padded = torch.tensor([[VOCAB.pad] * (len(long) - len(short)) + short, long])
    no_image = torch.zeros(2, dtype=torch.bool)
    with torch.no_grad():
        one = decoder(decoder.prefix(None, no_image[:1]), alone)[0, -1]
        two = decoder(decoder.prefix(None, no_image), padded)[0, -1]
    assert torch.allclose(one, two, atol=1e-5)


def test_greedy_batched_equals_one_by_one():
    decoder = _decoder()
    prompts = ["a b", "c d e f g h i j", "k"]
    together = greedy(decoder, VOCAB, None, torch.zeros(3, dtype=torch.bool), prompts, 6)
    alone = [
        greedy(decoder, VOCAB, None, torch.zeros(1, dtype=torch.bool), [p], 6)[0] for p in prompts
    ]
    assert together == alone


def test_zoo_assistant_answers_conversations_one_turn_as_generate():
    from vlmtrust.core.chat import GenerationOptions, Message
    from vlmtrust.data import world
    from vlmtrust.models.base import resolve_model

    assistant = resolve_model("zoo:assistant").load()
    image = world.generate(seed=3, n=1)[0].load_image()
    prompt = "what shape is in the image?"
    (alone,) = assistant.generate([image], [prompt])
    turns = [
        Message(role="user", text="hello."),
        Message(role="assistant", text="hello, how can i help?"),
        Message(role="user", text=prompt, images=(image,)),
    ]
    one, several, short = (
        assistant.chat([c], GenerationOptions(max_tokens=m))
        for c, m in (
            ([Message(role="user", text=prompt, images=(image,))], None),
            (turns, None),
            (turns, 2),
        )
    )
    assert one == [alone]
    assert len(several) == 1 and several[0]
    assert len(short[0].split()) <= 2


def test_answer_states_are_what_the_next_word_loss_reads():
    """Through the tied head, the states at the masked positions give answer_loss exactly:
    the mask marks the positions that write each answer word and its end, no other."""
    from vlmtrust.core.capabilities import AnswerStates
    from vlmtrust.data import world
    from vlmtrust.data.instructions import Example
    from vlmtrust.models.base import resolve_model

    assistant = resolve_model("zoo:assistant").load()
    assert isinstance(assistant, AnswerStates)
    image = world.generate(seed=3, n=1)[0].load_image()
    rows = [
        Example("caption", image, "describe the image.", "a red circle on grass"),
        Example("vqa", image, "what colour is the object?", "red"),
        Example("benign_text", None, "how do i bake bread?", "sure."),
    ]
    idx = torch.arange(len(rows))
    with torch.no_grad():
        states, mask = assistant.answer_states({}, rows)(idx)
        loss = assistant.answer_loss({"decoder": assistant.decoder}, rows)(idx)
    vocab = assistant.vocab
    targets = [t for r in rows for t in [*vocab.encode(r.answer), vocab.eos]]
    assert int(mask.sum()) == len(targets)
    logits = states[mask] @ assistant.decoder.embed.weight.T
    again = torch.nn.functional.cross_entropy(logits, torch.tensor(targets))
    assert torch.allclose(loss, again, atol=1e-5)
