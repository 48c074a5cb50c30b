import pytest

from vlmtrust.core.capabilities import capabilities_of, check_capabilities
from vlmtrust.core.errors import CapabilityError


class TextOnly:
    def generate(self, images, prompts):
        return ["x" for _ in prompts]


def test_missing_capability_names_it_and_the_task():
    with pytest.raises(CapabilityError, match=r"not a Generator, which task safety\.figstep needs"):
        check_capabilities("hf:clip", {"Embedder", "Classifier"}, ["Generator"], "safety.figstep")
    check_capabilities("hf:clip", {"Embedder", "Classifier"}, ["Classifier"], "t")


def test_capabilities_of_inspects_the_object():
    assert capabilities_of(TextOnly()) == frozenset({"Generator"})
