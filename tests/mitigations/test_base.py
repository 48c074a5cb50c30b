"""``Wrapper.acts_on`` says which model members a wrapper changes; the runner leaves a task out of
a variant on its word, so every registered wrapper is held to what its wrapped model overrides."""

from __future__ import annotations

import ast
import inspect
import textwrap
import typing

import pytest

from vlmtrust.core.capabilities import CAPABILITIES, protocol_members
from vlmtrust.mitigations.base import WrappedModel, Wrapper
from vlmtrust.mitigations.trainers.base import Trainer
from vlmtrust.plugins import MITIGATIONS

#: every member of every capability: what a wrapped model may expose on the instance
CAPABILITY_MEMBERS = frozenset().union(*(protocol_members(p) for p in CAPABILITIES.values()))


def defined_members(cls: type) -> frozenset[str]:
    """The public members ``cls`` defines beyond ``WrappedModel``: methods and properties of
    its classes, and capability methods its code sets on the instance (``ocr_mask`` exposes
    only the image entry points its inner model has)."""
    names: set[str] = set()
    for klass in cls.__mro__:
        if klass is WrappedModel:
            break
        names |= {
            n for n, v in vars(klass).items() if not n.startswith("_") and hasattr(v, "__get__")
        }
        tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        names |= {
            node.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name)
            and node.value.id == "self"
            and node.attr in CAPABILITY_MEMBERS
        }
    return frozenset(names)


def _wrappers() -> list[str]:
    return [
        e.name for e in MITIGATIONS.entries() if not issubclass(MITIGATIONS.get(e.name), Trainer)
    ]


@pytest.mark.parametrize("name", _wrappers())
def test_every_wrapper_declares_exactly_what_its_wrapped_model_changes(name):
    wrapper = MITIGATIONS.get(name)
    returned = typing.get_type_hints(wrapper.wrap).get("return")
    assert isinstance(returned, type), f"{name}: annotate wrap() with the class it returns"
    if not issubclass(returned, WrappedModel):
        # not a delegating wrapper: nothing says what it leaves alone, so it is the whole model
        assert wrapper.acts_on is None, f"{name} returns a {returned.__name__}, not a WrappedModel"
        return
    assert wrapper.acts_on == defined_members(returned), (
        f"{name}.acts_on must list what {returned.__name__} overrides or adds"
    )


def test_trainers_change_the_whole_model():
    trainers = [MITIGATIONS.get(e.name) for e in MITIGATIONS.entries()]
    trainers = [t for t in trainers if issubclass(t, Trainer)]
    assert trainers and all(t.acts_on is None for t in trainers)
    assert Wrapper.acts_on is None


def test_an_undeclared_override_is_seen():
    class Sneaky(WrappedModel):
        def __init__(self, inner: object) -> None:
            super().__init__(inner)
            self.generate = self._generate
            self.budget = 3  # data, not a member a task calls

        def classify(self) -> None: ...

        def _generate(self) -> None: ...

        @property
        def threshold(self) -> float:
            return 0.5

    assert defined_members(Sneaky) == {"classify", "generate", "threshold"}


class _Inner:
    """A Generator with a chat of its own, recording which entry point was used."""

    calls = 0

    def generate(self, images, prompts):
        return [f"generate:{p}" for p in prompts]

    def chat(self, conversations, options):
        return [f"chat:{len(c)} turns" for c in conversations]


def test_a_wrapper_that_changes_generate_is_not_bypassed_by_chat():
    from vlmtrust.core.chat import GenerationOptions, Message

    class Prefixed(WrappedModel):
        def generate(self, images, prompts):
            return self.inner.generate(images, [f"be safe. {p}" for p in prompts])

    class Untouched(WrappedModel):
        def classify(self, images, labels): ...

    turns = [Message(role="user", text="a"), Message(role="assistant", text="b")]
    conversation = [*turns, Message(role="user", text="c")]
    options = GenerationOptions()
    assert Prefixed(_Inner()).chat([conversation], options) == [
        "generate:be safe. user: a\nassistant: b\nuser: c"
    ]
    assert Untouched(_Inner()).chat([conversation], options) == ["chat:3 turns"]
