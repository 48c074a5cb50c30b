"""The contract every registered plugin keeps, checked by enumerating the registries (the way
garak's probe tests enumerate probes): a new plugin that breaks it fails here, by name."""

from __future__ import annotations

import inspect

import pytest

from vlmtrust.attacks.base import Attack
from vlmtrust.cli.listing import param_rows
from vlmtrust.core.capabilities import CAPABILITIES
from vlmtrust.core.pillars import PILLARS, pillar_of
from vlmtrust.core.spec import Params, Spec
from vlmtrust.data.source import DataSource
from vlmtrust.mitigations.base import Wrapper
from vlmtrust.models.base import ModelKind
from vlmtrust.plugins import (
    ATTACKS,
    DATA_SOURCES,
    JUDGES,
    METRICS,
    MITIGATIONS,
    MODELS,
    REFUSAL_JUDGES,
    TASKS,
)
from vlmtrust.tasks.base import Task

REGISTRIES = {"tasks": TASKS, "attacks": ATTACKS, "mitigations": MITIGATIONS, "models": MODELS}


def _entries(kind: str) -> list[str]:
    return [e.name for e in REGISTRIES[kind].entries()]


def _check_params(plugin: type) -> None:
    params = plugin.Params
    assert isinstance(params, type) and issubclass(params, Params)
    assert params.model_config.get("extra") == "forbid" and params.model_config.get("frozen")


#: every registry whose plugins take parameters `vlmtrust list NAME` shows
DESCRIBED = {
    "tasks": TASKS,
    "attacks": ATTACKS,
    "mitigations": MITIGATIONS,
    "judges": JUDGES,
    "refusal judges": REFUSAL_JUDGES,
}


@pytest.mark.parametrize(
    ("kind", "name"), [(k, e.name) for k, reg in DESCRIBED.items() for e in reg.entries()]
)
def test_every_parameter_has_a_description(kind: str, name: str) -> None:
    """`vlmtrust list NAME` shows each parameter's description: none may be empty (a Params
    field's ``description``; a judge factory's ``Annotated[..., Field(description=...)]``)."""
    entry = DESCRIBED[kind].entry(name)
    rows = param_rows(entry)
    assert [row.name for row in rows if not row.description.strip()] == []
    params = getattr(entry.resolve(), "Params", None)
    if params is not None:  # every field is listed, so every field is described
        assert [row.name for row in rows] == list(params.model_fields)


def _check_requires(plugin: type) -> None:
    assert set(plugin.requires) <= set(CAPABILITIES), plugin.requires


@pytest.mark.parametrize("name", _entries("tasks"))
def test_every_task_keeps_the_task_contract(name: str) -> None:
    entry = TASKS.entry(name)
    assert entry.description.strip()
    task = entry.resolve()
    assert inspect.isclass(task) and issubclass(task, Task) and not inspect.isabstract(task)
    assert pillar_of(name) in PILLARS and name.count(".") == 1
    _check_params(task)
    _check_requires(task)
    built = task(Spec(name=name))  # the defaults form a valid spec
    assert built.spec.name == name
    assert set(task.selection_params) <= set(task.Params.model_fields)
    assert task.headline is None or isinstance(task.headline, str)


@pytest.mark.parametrize("name", _entries("attacks"))
def test_every_attack_keeps_the_attack_contract(name: str) -> None:
    entry = ATTACKS.entry(name)
    assert entry.description.strip()
    attack = entry.resolve()
    assert inspect.isclass(attack) and issubclass(attack, Attack) and not inspect.isabstract(attack)
    _check_params(attack)
    _check_requires(attack)
    built = attack(Spec(name=name))
    assert built.label.startswith(name)  # how results name it: the name, then any key params


@pytest.mark.parametrize("name", _entries("mitigations"))
def test_every_mitigation_keeps_the_mitigation_contract(name: str) -> None:
    entry = MITIGATIONS.entry(name)
    assert entry.description.strip()
    mitigation = entry.resolve()
    assert inspect.isclass(mitigation) and issubclass(mitigation, Wrapper)
    assert not inspect.isabstract(mitigation)
    _check_params(mitigation)
    _check_requires(mitigation)
    assert mitigation(Spec(name=name)).spec.name == name


@pytest.mark.parametrize("name", _entries("models"))
def test_every_model_kind_resolves_specs_of_its_scheme(name: str) -> None:
    kind = MODELS.get(name)
    assert inspect.isclass(kind) and issubclass(kind, ModelKind)
    assert f"{name}:" in MODELS.entry(name).description  # says how its specs are written


@pytest.mark.parametrize("name", [e.name for e in METRICS.entries()])
def test_every_metric_resolves_to_a_callable(name: str) -> None:
    assert callable(METRICS.get(name)) and METRICS.entry(name).description.strip()


@pytest.mark.parametrize("name", [e.name for e in DATA_SOURCES.entries()])
def test_every_data_source_resolves_under_its_own_name(name: str) -> None:
    """``--data NAME:PATH`` finds the class by NAME, a concrete DataSource of that name."""
    source = DATA_SOURCES.get(name)
    assert inspect.isclass(source) and issubclass(source, DataSource)
    assert not inspect.isabstract(source) and source.name == name
    assert DATA_SOURCES.entry(name).description.strip()


def test_resolving_an_hf_zero_shot_scan_imports_no_heavy_library():
    """What a ``--model hf:DIR --task robustness.zero_shot`` scan resolves through the registries
    (model kind, task, its attacks, the world source, the runner) stays off the heavy
    libraries and transformers' tokenizer table, which the tokenizer check once imported."""
    from vlmtrust_testing import HEAVY_LIBRARIES, imported_after

    code = (
        "import vlmtrust.runner\n"
        "from vlmtrust.attacks.base import build_attack\n"
        "from vlmtrust.core.spec import Spec\n"
        "from vlmtrust.data import world\n"
        "from vlmtrust.plugins import DATA_SOURCES, MODELS\n"
        "from vlmtrust.tasks.base import build_task\n"
        "MODELS.get('hf'); DATA_SOURCES.get('world')\n"
        "task = build_task(Spec(name='robustness.zero_shot', params={'n': 2}))\n"
        "attacks = [build_attack(c) for c in task.resolve(world.generate(0, 2)).conditions()]\n"
        "assert len(attacks) > 1\n"
    )
    heavy = (*HEAVY_LIBRARIES, "transformers.models.auto.tokenization_auto")
    assert imported_after(code, heavy) == []
