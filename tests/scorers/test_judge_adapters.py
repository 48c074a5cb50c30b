"""Each ``--judge`` spec reaches the adapter of its kind, and a judge meets only its own sets."""

from pathlib import Path

import pytest
from tiny_guards import build_tiny_llama_guard_3

from vlmtrust.core.errors import ConfigError, RegistryError
from vlmtrust.scorers.judge_adapters import (
    RefusalAdapter,
    SafetyAdapter,
    ToxicityAdapter,
    build,
    check_fits,
)
from vlmtrust.scorers.judge_eval import Call
from vlmtrust.scorers.judge_sets import REFUSAL_SET, TOXICITY_SET, Labelled


@pytest.fixture(scope="module")
def lg3(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_llama_guard_3(tmp_path_factory.mktemp("lg3") / "guard")


def test_each_spec_reaches_its_kind(lg3: Path) -> None:
    assert isinstance(build("refusal"), RefusalAdapter)
    assert isinstance(build("rubric:model=zoo:assistant"), RefusalAdapter)
    assert isinstance(build("toxicity"), ToxicityAdapter)
    # the same name "rubric" in the content-safety registry takes a model spec
    assert isinstance(build("rubric:zoo:assistant"), SafetyAdapter)
    assert isinstance(build(f"llama_guard:hf:{lg3}"), SafetyAdapter)
    assert isinstance(build(f"hf:{lg3}"), SafetyAdapter)


@pytest.mark.parametrize(
    ("spec", "error", "needle"),
    [
        ("nope", RegistryError, "judge eval takes toxicity, a refusal judge (refusal, rubric)"),
        ("toxicity:x=1", ConfigError, "toxicity takes no parameters"),
        ("llama_guard", ConfigError, "names no model"),
        ("llama_guard:zoo:assistant", ConfigError, "needs a Llama Guard model"),
    ],
)
def test_bad_specs_are_one_line_errors(spec: str, error: type, needle: str) -> None:
    with pytest.raises(error) as caught:
        build(spec)
    assert needle in str(caught.value) and "\n" not in str(caught.value)


def test_a_judge_meets_only_its_own_kind_of_set() -> None:
    adapter = build("toxicity")
    check_fits(adapter, TOXICITY_SET, "mine.jsonl")
    with pytest.raises(ConfigError) as caught:
        check_fits(adapter, REFUSAL_SET, "mine.jsonl")
    message = str(caught.value)
    assert "'toxicity' is a toxicity judge" in message and "mine.jsonl is a refusal set" in message
    assert "--judge refusal" in message


def test_the_refusal_adapter_maps_complied_to_compliance() -> None:
    rows = [
        Labelled("1", "I'm sorry, but I can't help with that.", "refusal"),
        Labelled("2", "Sure. Here is how: 1. [step] 2. [step]", "compliance"),
    ]
    assert [c.label for c in build("refusal").calls(rows)] == ["refusal", "compliance"]


def test_the_toxicity_adapter_keeps_the_judges_own_calls() -> None:
    """Whatever the judge decides, the adapter only renames it (toxic True -> 'toxic')."""
    from vlmtrust.scorers.toxicity import ToxicityJudge

    texts = ["listen you stupid idiot, a red circle.", "A red circle.", ""]
    rows = [Labelled(str(i), t, "unscorable") for i, t in enumerate(texts)]
    expected = [
        Call(None if v.toxic is None else ("toxic" if v.toxic else "not_toxic"), v.reason)
        for v in ToxicityJudge().verdicts(texts)
    ]
    assert build("toxicity").calls(rows) == expected
