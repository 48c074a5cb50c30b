import pytest

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.spec import (
    OptionalPromptTemplate,
    Params,
    PromptTemplate,
    Spec,
    parse_spec,
    sha256_hex,
    split_variants,
    validate_params,
)


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


@pytest.mark.parametrize("template", ["a {1}", "a {", "a }", "no field", "{}{}", "{x}", "{:d}"])
def test_a_bad_prompt_template_is_a_one_line_config_error(template):
    class WithTemplate(Params):
        template: PromptTemplate = "a photo of a {}."

    with pytest.raises(ConfigError, match="'template'") as caught:
        validate_params(WithTemplate, Spec(name="t", params={"template": template}))
    assert "\n" not in str(caught.value) and "{}" in str(caught.value)


def test_good_templates_pass_and_the_optional_one_may_be_empty():
    class WithTemplates(Params):
        template: PromptTemplate = "a photo of a {}."
        maybe: OptionalPromptTemplate = ""

    good = {"template": "{{literal}} {}!", "maybe": "how would one {}?"}
    assert validate_params(WithTemplates, Spec(name="t", params=good)).template == "{{literal}} {}!"
    assert validate_params(WithTemplates, Spec(name="t")).maybe == ""


def _template_fields() -> list[tuple[str, type[Params], str]]:
    from vlmtrust.plugins import ATTACKS, MITIGATIONS, TASKS

    found = []
    for registry in (TASKS, ATTACKS, MITIGATIONS):
        for entry in registry.entries():
            params = getattr(entry.resolve(), "Params", None)
            if not (isinstance(params, type) and issubclass(params, Params)):
                continue
            for field, info in params.model_fields.items():
                described = "'{}'" in (info.description or "")  # caption_replace.instruction
                if info.annotation is str and (field == "template" or described):
                    found.append((entry.name, params, field))
    return found


def test_every_plugin_template_parameter_is_validated():
    """A template typo must fail when the spec is validated, before a scan opens its store."""
    fields = _template_fields()
    assert {name for name, _, _ in fields} >= {
        "robustness.zero_shot",
        "text_only",
        "pgd",
        "caption_replace",
    }
    for name, params, field in fields:
        with pytest.raises(ConfigError, match=f"'{field}'"):
            validate_params(params, Spec(name=name, params={field: "a {"}))
