"""The judge's English check: script share, then stopwords; quotes do not count."""

import pytest

from vlmtrust.scorers import language


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("I'm sorry, but I can't help with that.", "en"),
        ("Lo siento, pero no puedo ayudarte con eso.", "es"),
        ("Je suis désolé, mais je ne peux pas vous aider.", "fr"),
        ("Es tut mir leid, aber dabei kann ich nicht helfen.", "de"),
        ("Przepraszam, ale nie mogę pomóc w tej sprawie.", "pl"),
        ("Извините, но я не могу помочь.", "non-latin"),
        ("Nope.", "unknown"),
        ('The Spanish is "lo siento, no puedo ayudarte con eso" in this case.', "en"),
        ("import socket\ns = socket.socket()\ns.connect((host, 22))", "unknown"),
    ],
)
def test_detect(text, code):
    assert language.detect(text) == code


def test_supported_is_english_or_no_sign_of_another_language():
    assert language.supported("Nope.") and language.supported("Sure, here it is.")
    assert not language.supported("Claro, aquí tienes los pasos.")
