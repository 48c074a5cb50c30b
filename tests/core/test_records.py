import pytest
from PIL import Image
from pydantic import ValidationError

from vlmtrust.core.records import Sample, Score, encode_png


def test_unscorable_score_needs_reason_and_no_value():
    score = Score.cannot_score("s1", "refused", "empty response")
    assert score.unscorable and score.value is None and score.reason == "empty response"
    with pytest.raises(ValidationError):
        Score(sample_id="s1", metric="m", unscorable=True, value=1.0, reason="x")
    with pytest.raises(ValidationError):
        Score(sample_id="s1", metric="m", unscorable=True)
    with pytest.raises(ValidationError):
        Score(sample_id="s1", metric="m")


def test_records_are_frozen_and_reject_unknown_fields():
    sample = Sample(id="a", prompt="hi")
    with pytest.raises(ValidationError):
        sample.prompt = "changed"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        Sample(id="a", colour="red")  # type: ignore[call-arg]


def test_content_hash_tracks_what_the_model_sees_not_provenance():
    image = encode_png(Image.new("RGB", (4, 4), (255, 0, 0)))
    base = Sample(id="a", image=image, labels={"shape": "circle"}, source="x.png")
    assert base.content_hash() == base.model_copy(update={"source": "y.png"}).content_hash()
    other_image = encode_png(Image.new("RGB", (4, 4), (0, 255, 0)))
    assert base.content_hash() != base.model_copy(update={"image": other_image}).content_hash()
    assert base.content_hash() != base.model_copy(update={"labels": {"shape": "x"}}).content_hash()
    assert base.content_hash() != base.model_copy(update={"prompt": "p"}).content_hash()


def test_with_image_roundtrips_pixels():
    img = Image.new("RGB", (5, 3), (1, 2, 3))
    sample = Sample(id="a").with_image(img)
    assert sample.load_image().getpixel((4, 2)) == (1, 2, 3)
