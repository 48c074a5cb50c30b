"""``vlmtrust.list_plugins``: what ``vlmtrust list`` prints, as records."""

import pytest

import vlmtrust
from vlmtrust.core.errors import ConfigError
from vlmtrust.plugins import MITIGATIONS, TASKS


def test_every_registered_plugin_and_zoo_model_is_listed_once():
    listed = vlmtrust.list_plugins()
    pairs = {(p.kind, p.name) for p in listed}
    assert len(pairs) == len(listed)
    assert {("task", e.name) for e in TASKS.entries()} <= pairs
    assert {("mitigation", e.name) for e in MITIGATIONS.entries()} <= pairs
    assert {("model", "zoo"), ("model", "zoo:clip"), ("model", "zoo:assistant")} <= pairs
    assert {("attack", "figstep"), ("data source", "world"), ("judge", "llama_guard")} <= pairs
    assert all(p.description for p in listed)


def test_one_kind_and_an_unknown_kind():
    tasks = vlmtrust.list_plugins("task")
    assert {p.kind for p in tasks} == {"task"}
    assert {p.name for p in tasks} == {e.name for e in TASKS.entries()}
    with pytest.raises(ConfigError, match=r"no plugin kind 'tasks'.*one of model, task"):
        vlmtrust.list_plugins("tasks")
