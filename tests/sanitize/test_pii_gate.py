"""The cheap gate in front of Presidio: it never skips a caption the analyzer flags (varied PII,
odd spellings, Unicode look-alikes), the batch form answers as the one-text form does, and
pseudonymising through the gate gives exactly what the analyzer alone gives."""

from __future__ import annotations

import numpy as np
import pytest
from caption_corpus import corpus

from vlmtrust.sanitize.pseudonymize import needs_analyzer, pseudonymize
from vlmtrust.scorers.pii import find_pii, may_hold_pii, names
from vlmtrust.scorers.pii_data import labelled_texts

#: spellings a careless gate would miss: upper case, initials, punctuation around a name,
#: phone and card formats, Unicode digits and look-alike letters, an address
TRICKY = [
    "MARIA GARCIA at the beach",
    "photo by maria j. garcia.",
    "(Petra Park) waves",
    "_petra park_ smiles",
    "call +1 (555) 414-9184 now",
    "call 555.414.9184",
    "ring +44 20 7946 0958 today",
    "card 4111 1111 1111 1111 on a table",
    "card 4111-1111-1111-1111",
    "mail petra.park@example.com please",
    "PETRA.PARK@EXAMPLE.COM",
    "write to petra\uff20example.com",  # a full-width at sign
    "phone \uff15\uff15\uff15-\uff14\uff11\uff14-\uff19\uff11\uff18\uff14",  # full-width digits
    "\u212aate Smith and \u212aevin",  # Kelvin sign folds to k under IGNORECASE
    "she lives at 221 Baker Street",
    "a man riding a horse on a beach",
    "Paris at night, the Eiffel tower",
    "grace under pressure, petra said",
    "",
    "   ",
]


def _corpus_sample() -> list[str]:
    listed = names()
    data = corpus(3000, seed=2, pii_share=0.05, names=(list(listed["first"]), list(listed["last"])))
    return data.captions


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return TRICKY + [t.text for t in labelled_texts(120, seed=5)] + _corpus_sample()[:200]


def test_the_gate_never_skips_what_presidio_flags(texts: list[str]) -> None:
    flagged = [t for t in texts if find_pii(t)]
    assert len(flagged) >= 80  # the fixture holds plenty of PII
    assert [t for t in flagged if not may_hold_pii(t)] == []
    # and it is a gate: most captions without PII never reach the analyzer
    clean = _corpus_sample()[200:]
    assert np.mean([may_hold_pii(t) for t in clean]) < 0.1


def test_batch_gate_equals_the_one_text_gate(texts: list[str]) -> None:
    odd = ["line\nbreak maria garcia", "no pii here", "x" * 40 + " anna"]
    for batch in (texts, odd, [], [""]):
        assert needs_analyzer(batch).tolist() == [may_hold_pii(t) for t in batch]


def test_pseudonymising_through_the_gate_changes_nothing(
    texts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The surrogate text and the replacements equal the analyzer-only path on every text."""
    from vlmtrust.sanitize import pseudonymize as module

    gated = [pseudonymize(t) for t in texts]
    monkeypatch.setattr(module, "may_hold_pii", lambda text: True)
    ungated = [pseudonymize(t) for t in texts]
    assert gated == ungated
    assert sum(bool(r) for _, r in gated) >= 80
