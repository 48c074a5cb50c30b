import pytest

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.spec import Params, Spec, parse_spec, sha256_hex, split_variants, validate_params


class DemoParams(Params):
    severity: int = 3
    name: str = "x"


def test_parse_spec_reads_json_values_and_falls_back_to_strings():
    spec = parse_spec("corruption.jpeg:severity=5,name=blur,flags=[1,2]")
    assert spec == Spec(
        name="corruption.jpeg", params={"severity": 5, "name": "blur", "flags": [1, 2]}
    )
    assert parse_spec("none") == Spec(name="none")


@pytest.mark.parametrize("text", ["", ":a=1", "x:novalue"])
def test_parse_spec_rejects_malformed_text(text):
    with pytest.raises(ConfigError):
        parse_spec(text)


def test_validate_params_forbids_extra_fields_and_bad_types():
    assert validate_params(DemoParams, Spec(name="t", params={"severity": 2})).severity == 2
    with pytest.raises(ConfigError, match="'colour'"):
        validate_params(DemoParams, Spec(name="t", params={"colour": "red"}))
    with pytest.raises(ConfigError, match="'severity'"):
        validate_params(DemoParams, Spec(name="t", params={"severity": "high"}))


def test_spec_forbids_extra_fields():
    with pytest.raises(ValueError):
        Spec(name="t", params={}, other=1)  # type: ignore[call-arg]


def test_canonical_form_ignores_key_order_and_hash_is_length_prefixed():
    a = Spec(name="t", params={"a": 1, "b": 2})
    b = Spec(name="t", params={"b": 2, "a": 1})
    assert a.canonical() == b.canonical()
    assert sha256_hex("ab", "c") != sha256_hex("a", "bc")


def test_mitigate_text_splits_into_variants_keeping_each_variants_parameters() -> None:
    assert split_variants("") == []
    assert split_variants("guard,ocr_mask") == ["guard", "ocr_mask"]
    assert split_variants('vlguard_lora:steps=5,lr=0.1,target_modules=["q","v"],guard') == [
        'vlguard_lora:steps=5,lr=0.1,target_modules=["q","v"]',
        "guard",
    ]
    assert split_variants("safety_prompt,safety_prompt:variant=cot,a+b") == [
        "safety_prompt",
        "safety_prompt:variant=cot",
        "a+b",
    ]
