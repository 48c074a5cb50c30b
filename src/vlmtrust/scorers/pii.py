"""PII detection in text, in the text of images, and faces, all offline.

Presidio's default ``AnalyzerEngine()`` downloads a spaCy model; here it runs on the ``no_op``
NLP engine with an explicit recognizer registry, so nothing is fetched:
- ``EMAIL_ADDRESS``: Presidio's recognizer, its domain check using tldextract's bundled suffix
  snapshot (the default extractor would make an HTTP call);
- ``PHONE_NUMBER``: Presidio's phonenumbers-validated recognizer, plus a pattern for NANP-style
  numbers (``555-414-9184``): phonenumbers rejects fictional 555 numbers, which are exactly
  what test data and the zoo's canaries use;
- ``CREDIT_CARD``: Presidio's recognizer (checks the Luhn digit);
- ``STREET_ADDRESS``: a house number, 1-3 words and a street suffix;
- ``PERSON``: a first name followed by a last name, both from the shipped list (names.json);
  no NER model exists offline, so names outside the list are missed: calibrate and say so.
Image text is read with rapidocr (bundled PP-OCR detector + recogniser) and then analysed;
faces come from OpenCV's Haar frontal-face cascade shipped in the wheel.
"""

from __future__ import annotations

import functools
import json
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from vlmtrust.scorers.ocr import ocr_engine

ENTITIES = ("PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "STREET_ADDRESS")
#: pixel box: left, top, right, bottom
Box = tuple[int, int, int, int]

_STREET_SUFFIX = (
    "street|st|avenue|ave|road|rd|lane|ln|boulevard|blvd|drive|dr|way|court|ct|place|pl|"
    "square|sq|terrace|close|crescent|parkway|highway|strasse|platz"
)
_NANP = r"(?<![\d-])(?:\+1[ .-]?)?(?:\(\d{3}\)\s?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\d-])"


@dataclass(frozen=True)
class PiiFinding:
    entity: str
    text: str
    start: int
    end: int
    score: float


@functools.cache
def names() -> dict[str, tuple[str, ...]]:
    """The shipped first- and last-name lists (lower case)."""
    raw = json.loads((resources.files("vlmtrust.scorers") / "names.json").read_text())
    return {"first": tuple(raw["first"]), "last": tuple(raw["last"])}


@functools.cache
def analyzer() -> Any:
    """One offline Presidio engine per process (building it costs seconds)."""
    import tldextract
    from presidio_analyzer import (
        AnalyzerEngine,
        Pattern,
        PatternRecognizer,
        RecognizerRegistry,
    )
    from presidio_analyzer.nlp_engine import NoOpNlpEngine
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        EmailRecognizer,
        PhoneRecognizer,
    )

    offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

    class OfflineEmailRecognizer(EmailRecognizer):
        def validate_result(self, pattern_text: str) -> bool:
            return bool(offline(pattern_text).fqdn)

    listed = names()
    person = rf"\b(?:{'|'.join(listed['first'])})\s+(?:[a-z]\.\s+)?(?:{'|'.join(listed['last'])})\b"
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in (
        OfflineEmailRecognizer(),
        PhoneRecognizer(),
        PatternRecognizer(
            supported_entity="PHONE_NUMBER",
            name="NanpPhoneRecognizer",
            patterns=[Pattern("nanp", _NANP, 0.6)],
        ),
        CreditCardRecognizer(),
        PatternRecognizer(
            supported_entity="STREET_ADDRESS",
            name="StreetAddressRecognizer",
            patterns=[
                Pattern(
                    "street",
                    rf"\b\d{{1,5}}[a-z]?\s+(?:[a-z]+\s+){{1,3}}(?:{_STREET_SUFFIX})\b\.?",
                    0.6,
                )
            ],
        ),
        PatternRecognizer(
            supported_entity="PERSON",
            name="NameListRecognizer",
            patterns=[Pattern("listed_name", person, 0.85)],
        ),
    ):
        registry.add_recognizer(recognizer)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # no lemmas from the no_op engine: known
        return AnalyzerEngine(
            nlp_engine=NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "no_op"}]),
            registry=registry,
            supported_languages=["en"],
        )


#: what every recognizer above needs: a digit (phone, card, house number), an "@" (e-mail) or,
#: for a name, a listed first name as a word; a non-ASCII character also counts (Unicode digits
#: and case-insensitive matching that folds e.g. the Kelvin sign to "k" reach the analyzer)
_NEEDS_ANALYZER = re.compile(r"[0-9@]|[^\x00-\x7f]")
_LETTER_RUN = re.compile(r"[a-z]+")


def may_hold_pii(text: str) -> bool:
    """False only where ``find_pii`` cannot find anything, at ~1 us instead of Presidio's ~ms:
    a cheap gate in front of the analyzer for corpora of millions of captions. Keep it in step
    with the recognizers in :func:`analyzer` (tests/scorers and tests/sanitize check it)."""
    if _NEEDS_ANALYZER.search(text):
        return True
    return not _first_names().isdisjoint(_LETTER_RUN.findall(text.lower()))


@functools.cache
def _first_names() -> frozenset[str]:
    return frozenset(names()["first"])


def find_pii(
    text: str, entities: Sequence[str] = ENTITIES, threshold: float = 0.35
) -> list[PiiFinding]:
    """PII spans in ``text``, overlapping duplicates resolved to the highest score."""
    if not text.strip():
        return []
    found = analyzer().analyze(
        text, language="en", entities=list(entities), score_threshold=threshold
    )
    kept: list[PiiFinding] = []
    for r in sorted(found, key=lambda r: (-r.score, r.start)):
        if any(r.start < k.end and k.start < r.end for k in kept):
            continue
        kept.append(PiiFinding(r.entity_type, text[r.start : r.end], r.start, r.end, r.score))
    return sorted(kept, key=lambda f: f.start)


def read_text(image: Image.Image) -> list[tuple[str, Box]]:
    """Text lines OCR finds in the image, each with its axis-aligned box."""
    result = ocr_engine()(np.asarray(image.convert("RGB")))
    if result.boxes is None or result.txts is None:
        return []
    out = []
    for text, quad in zip(result.txts, result.boxes, strict=True):
        xs, ys = [p[0] for p in quad], [p[1] for p in quad]
        box = (int(min(xs)), int(min(ys)), int(np.ceil(max(xs))), int(np.ceil(max(ys))))
        out.append((str(text), box))
    return out


def find_pii_in_image(image: Image.Image) -> list[tuple[PiiFinding, Box]]:
    """PII in each OCR line, with the line's box (what a redactor covers)."""
    return [(f, box) for text, box in read_text(image) for f in find_pii(text)]


@functools.cache
def _faces() -> Any:
    import cv2

    path = Path(cv2.data.haarcascades) / "haarcascade_frontalface_default.xml"  # type: ignore[attr-defined]
    cascade = cv2.CascadeClassifier(str(path))
    if cascade.empty():
        raise FileNotFoundError(f"OpenCV's bundled face cascade is missing: {path}")
    return cascade


def find_faces(image: Image.Image, min_size: int = 24) -> list[Box]:
    """Frontal faces found by the Haar cascade (scale step 1.1, 4 neighbours)."""
    import cv2

    grey = cv2.cvtColor(np.asarray(image.convert("RGB")), cv2.COLOR_RGB2GRAY)
    found = _faces().detectMultiScale(grey, 1.1, 4, minSize=(min_size, min_size))
    return [(int(x), int(y), int(x + w), int(y + h)) for x, y, w, h in found]
