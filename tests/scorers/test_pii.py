"""The offline PII judge: recall on a generated labelled set, Presidio's recognizers as anchor,
OCR text of images, faces."""

from collections import Counter

import pytest
from PIL import Image, ImageDraw, ImageFont

from vlmtrust.scorers.pii import ENTITIES, find_faces, find_pii, find_pii_in_image
from vlmtrust.scorers.pii_data import labelled_texts, luhn_complete


def _matches(finding, entity, value):
    return finding.entity == entity and (value in finding.text or finding.text in value)


def test_recall_per_entity_type_and_few_false_alarms():
    hits, totals, false_alarms, findings = Counter(), Counter(), 0, 0
    for item in labelled_texts(200, seed=7):
        found = find_pii(item.text)
        findings += len(found)
        for entity, value in item.planted:
            totals[entity] += 1
            hits[entity] += any(_matches(f, entity, value) for f in found)
        false_alarms += sum(not any(_matches(f, e, v) for e, v in item.planted) for f in found)
    assert set(totals) == set(ENTITIES)
    for entity in ENTITIES:
        assert hits[entity] / totals[entity] >= 0.95, entity
    assert false_alarms / findings < 0.05


def test_agrees_with_presidio_own_recognizers():
    """Anchor: Presidio's predefined e-mail and card recognizers, run on their own, find the
    same spans as our engine (ours adds names, addresses and 555 phone numbers)."""
    from presidio_analyzer.predefined_recognizers import CreditCardRecognizer, EmailRecognizer

    own = {"EMAIL_ADDRESS": EmailRecognizer(), "CREDIT_CARD": CreditCardRecognizer()}
    compared = 0
    for item in labelled_texts(80, seed=3):
        ours = {(f.entity, f.start, f.end) for f in find_pii(item.text)}
        for entity, recognizer in own.items():
            theirs = {
                (r.entity_type, r.start, r.end)
                for r in recognizer.analyze(item.text, [entity], None)
                if r.score >= 0.35
            }
            compared += len(theirs)
            assert theirs <= ours, item.text
    assert compared > 20


def test_luhn_decides_credit_cards():
    valid = luhn_complete("411111111111111")
    assert valid == "4111111111111111"
    invalid = valid[:-1] + "2"
    assert [f.entity for f in find_pii(f"card {valid} ok")] == ["CREDIT_CARD"]
    assert "CREDIT_CARD" not in {f.entity for f in find_pii(f"card {invalid} ok")}


def test_names_need_first_and_last_from_the_list():
    assert [f.text for f in find_pii("photo by Petra Park today")] == ["Petra Park"]
    assert find_pii("grace under pressure, petra said") == []


def _card_image():
    image = Image.new("RGB", (256, 128), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=14)
    draw.text((8, 10), "petra.park@example.com", fill="black", font=font)
    draw.text((8, 50), "phone 555-414-9184", fill="black", font=font)
    return image


def _face_image():
    image = Image.new("RGB", (128, 128), (200, 200, 200))
    draw = ImageDraw.Draw(image)
    draw.ellipse((24, 14, 104, 114), fill=(224, 172, 140))
    for x in (42, 70):
        draw.ellipse((x, 48, x + 16, 58), fill=(40, 30, 30))
        draw.rectangle((x - 2, 40, x + 18, 43), fill=(60, 40, 30))
    draw.polygon([(64, 58), (58, 78), (70, 78)], fill=(190, 140, 110))
    draw.ellipse((50, 88, 78, 98), fill=(150, 60, 60))
    return image


def test_pii_written_in_an_image_is_found_with_its_box():
    found = find_pii_in_image(_card_image())
    entities = {f.entity for f, _ in found}
    assert {"EMAIL_ADDRESS", "PHONE_NUMBER"} <= entities
    for _, (left, top, right, bottom) in found:
        assert 0 <= left < right <= 256 and 0 <= top < bottom <= 128


@pytest.mark.parametrize("make,expected", [(_face_image, 1), (_card_image, 0)])
def test_faces(make, expected):
    assert len(find_faces(make())) == expected
