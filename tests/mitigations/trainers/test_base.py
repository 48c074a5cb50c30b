"""The trainer contract on a real (tiny) fine-tune of zoo:assistant: trained once, then reused
from the artifact cache; refused up front for models it cannot fine-tune or in a bad order."""

import pytest

from vlmtrust.core.errors import CapabilityError, ConfigError
from vlmtrust.core.spec import Spec
from vlmtrust.mitigations.base import build_mitigation
from vlmtrust.models.base import resolve_model
from vlmtrust.runner.run import parse_variant
from vlmtrust.store.artifacts import ArtifactCache

TINY = {"steps": 3, "replay": 64, "safety_examples": 16, "batch_size": 8}


def test_a_trainer_fits_once_and_reuses_its_artifact(capsys):
    handle = resolve_model("zoo:assistant")
    trainer = build_mitigation(Spec(name="vlguard", params=TINY))
    key = trainer.artifact_key(handle)
    assert ArtifactCache().card(key) is None

    tuned = trainer.wrap(handle.load())
    assert "training vlguard" in capsys.readouterr().err
    card = ArtifactCache().card(key)
    assert card is not None
    assert card["base_fingerprint"] == handle.fingerprint
    assert card["examples"] == 64 + 16

    again = build_mitigation(Spec(name="vlguard", params=TINY)).wrap(handle.load())
    assert "training" not in capsys.readouterr().err
    image_free = [None]
    assert again.generate(image_free, ["describe the image."]) == tuned.generate(
        image_free, ["describe the image."]
    )


def test_the_key_changes_with_the_spec_and_the_base_model():
    assistant = resolve_model("zoo:assistant")
    trainer = build_mitigation(Spec(name="vlguard", params=TINY))
    other = build_mitigation(Spec(name="vlguard", params={**TINY, "steps": 4}))
    assert trainer.artifact_key(assistant) != other.artifact_key(assistant)
    assert trainer.artifact_key(assistant) != trainer.artifact_key(resolve_model("zoo:clip"))


def test_a_model_the_trainer_cannot_fine_tune_is_refused_before_the_run():
    with pytest.raises(CapabilityError, match="zoo:clip offers no 'decoder' to tune"):
        build_mitigation(Spec(name="knowledge_sanitization")).check_model(resolve_model("zoo:clip"))


def test_fine_tuning_must_come_before_wrappers_in_a_composition():
    handle = resolve_model("zoo:assistant")
    assert len(parse_variant("vlguard+ocr_mask", handle)) == 2
    with pytest.raises(ConfigError, match="put fine-tuning mitigations first"):
        parse_variant("ocr_mask+vlguard", handle)


def test_a_model_that_is_not_tunable_is_refused_by_the_cli_in_one_line(tmp_path):
    """SigLIP 2 NaFlex offers no Tunable: a trainer asking for the image tower exits 2."""
    from cli_run import run_cli
    from tiny_encoders import build_hub_siglip2_naflex

    naflex = build_hub_siglip2_naflex(tmp_path / "naflex")
    out = tmp_path / "run"
    result = run_cli(
        "scan",
        "--model",
        f"hf:{naflex}",
        "--suite",
        "robustness",
        "--mitigate",
        "mixgen",
        "--out",
        str(out),
    )
    assert result.code == 2, result.stderr
    assert "Traceback" not in result.stderr
    message = result.stderr.strip().splitlines()[-1]  # after the notes on skipped tasks
    assert message.startswith("error: model hf:")
    assert "offers no 'image_tower' to tune, which mitigation mixgen needs" in message
    assert "(it offers: none)" in message
    assert not out.exists()
