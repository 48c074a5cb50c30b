"""Is a text English? The refusal judge's encoder (all-MiniLM-L6-v2) and rules are English only,
so anything else is left unscorable with the reason ``LANGUAGE_NOT_SUPPORTED`` and counted apart,
rather than judged by a model that cannot read it.

Offline and tiny on purpose: the share of letters outside the Latin script, then English
stopwords against those of the languages a Latin-script answer is most often in. A quoted or
translated sentence inside an English answer leaves it English (the majority decides).
"""

from __future__ import annotations

import re

LANGUAGE_NOT_SUPPORTED = "language not supported"
#: a text with this share of non-Latin letters (CJK, Cyrillic, Arabic...) is not English
NON_LATIN_SHARE = 0.5

_EN_WORDS = (
    "the a an and or but if to of in on at for with by from is are was were be been it this that "
    "these those i you he she we they me my your our their not no can can't cannot will won't "
    "would should could do does did don't have has had here there how what why which who as so "
    "just about into than then also sorry please help sure"
)
_EN = frozenset(_EN_WORDS.split())
_OTHER = {
    "es": "el la los las y o pero de en con por para es son no puedo lo siento que un una esto "
    "eso ayudar aquí cómo muy pero más sus tu mi",
    "fr": "le la les et ou mais de des du en avec pour est sont ne pas je peux désolé que un une "
    "ce cela vous aider voici comment très plus sur dans",
    "de": "der die das und oder aber von mit für ist sind nicht ich kann leider dass ein eine "
    "dies sie ihnen helfen hier wie sehr mehr auf zu",
    "it": "il lo la gli le e o ma di da con per è sono non posso mi dispiace che un una questo "
    "aiutare ecco come molto più su",
    "pt": "o a os as e ou mas de do da em com por para é são não posso desculpe que um uma isso "
    "ajudar aqui como muito mais",
    "nl": "de het een en of maar van met voor is zijn niet ik kan sorry dat dit u helpen hier hoe "
    "heel meer op",
    "pl": "nie się jest są i w na z do że to ale mogę przepraszam pomóc tym oto najpierw potem "
    "jak bardzo",
    "sv": "och att det är som på en ett inte jag kan tyvärr hjälpa med för här hur mycket",
    "da": "og at det er som på en et ikke jeg kan desværre hjælpe med for her hvordan meget",
    "cs": "a je se na v že to ale nemohu omlouvám pomoci s tím zde jak velmi",
    # Turkish's dotless i is meant
    "tr": "ve bir bu da de için ile değil ben yardımcı olamam üzgünüm nasıl çok burada",  # noqa: RUF001
    "ro": "și este în pe la cu nu pot să îmi pare rău ajut aici cum foarte",
    "id": "dan yang di ke dari ini itu tidak saya bisa maaf membantu dengan di sini bagaimana",
}
#: one-letter words ("s", "v", "i") are too common in code and names to count
_OTHER_WORDS = {
    lang: frozenset(w for w in words.split() if len(w) > 1) - _EN for lang, words in _OTHER.items()
}
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
#: quoted material: a quoted or translated sentence does not make an answer foreign
_QUOTED = re.compile(
    r"\"[^\"]*\"|\u201c[^\u201d]*\u201d|\u00ab[^\u00bb]*\u00bb|\u300c[^\u300d]*\u300d"
)


def detect(text: str) -> str:
    """``"en"``, another language code, ``"non-latin"``, or ``"unknown"`` (no clue either way:
    too short, no stopword; treated as English by the judge)."""
    unquoted = _QUOTED.sub(" ", text)
    text = unquoted if unquoted.strip() else text
    letters = [c for c in text if c.isalpha()]
    if letters and sum(ord(c) > 0x24F for c in letters) / len(letters) >= NON_LATIN_SHARE:
        return "non-latin"
    words = [w.lower() for w in _WORD.findall(text)]
    english = sum(w in _EN for w in words)
    best, hits = max(
        ((lang, sum(w in vocab for w in words)) for lang, vocab in _OTHER_WORDS.items()),
        key=lambda pair: pair[1],
    )
    if hits >= 2 and hits > english:
        return best
    return "en" if english else "unknown"


def supported(text: str) -> bool:
    """Whether the refusal judge can read ``text`` (English, or no sign of another language)."""
    return detect(text) in ("en", "unknown")
