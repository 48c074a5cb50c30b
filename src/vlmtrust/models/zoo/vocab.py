"""The assistant's word-level vocabulary: every token of its training corpus, plus specials.

Word-level because the world's language is small (a few hundred words); a word the model never
saw becomes ``<unk>``, which is honest for a model organism.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

PAD, BOS, SEP, EOS, UNK = "<pad>", "<bos>", "<sep>", "<eos>", "<unk>"
SPECIALS = (PAD, BOS, SEP, EOS, UNK)
# An e-mail address is one token, so it comes back intact (and detectable) when generated.
_TOKEN = re.compile(r"[a-z0-9._]+@[a-z0-9.]+[a-z]|[a-z0-9]+|[^\sa-z0-9]")
_NO_SPACE_BEFORE = frozenset(".,?!:;])-")
_NO_SPACE_AFTER = frozenset("[(-")


def words(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


class Vocab:
    def __init__(self, tokens: Sequence[str]) -> None:
        if tuple(tokens[: len(SPECIALS)]) != SPECIALS:
            raise ValueError("a vocabulary starts with the special tokens")
        self.tokens = list(tokens)
        self.index = {t: i for i, t in enumerate(self.tokens)}
        self.pad, self.bos, self.sep, self.eos, self.unk = (self.index[s] for s in SPECIALS)

    @classmethod
    def build(cls, corpus: Iterable[str]) -> Vocab:
        found = sorted({w for text in corpus for w in words(text)} - set(SPECIALS))
        return cls([*SPECIALS, *found])

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, text: str) -> list[int]:
        return [self.index.get(w, self.unk) for w in words(text)]

    def decode(self, ids: Iterable[int]) -> str:
        out: list[str] = []
        for i in ids:
            if i == self.eos:
                break
            if i in (self.pad, self.bos, self.sep):
                continue
            out.append(self.tokens[i])
        return _detokenize(out)


def _detokenize(tokens: list[str]) -> str:
    text = ""
    for tok in tokens:
        if text and tok not in _NO_SPACE_BEFORE and text[-1] not in _NO_SPACE_AFTER:
            text += " "
        text += tok
    return text
