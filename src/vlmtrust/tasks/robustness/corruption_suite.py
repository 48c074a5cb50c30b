"""The full ImageNet-C suite on a zero-shot classifier: all 19 corruptions (the 15 of mCE and
the 4 extra) at several severities, with mCE over them and per family (see
``corruption_error``).

A task of its own rather than ``robustness.zero_shot``'s default because it scores the same
images under 19 x severities conditions: at the default three severities (1, 3, 5: the mildest,
middle and worst) that is 57 corrupted copies of every image; ``severities=[1,2,3,4,5]`` gives
ImageNet-C's full five (95 copies).
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from vlmtrust.attacks.imagenet_c import ALL
from vlmtrust.core.spec import Spec
from vlmtrust.tasks.robustness.conditions import corruption_conditions
from vlmtrust.tasks.robustness.zero_shot import ZeroShot, ZeroShotParams

Severity = Annotated[int, Field(ge=1, le=5)]


class CorruptionSuiteParams(ZeroShotParams):
    corruptions: tuple[str, ...] = Field(
        default=ALL, description="corruptions run beside the clean images (default: all 19)"
    )
    severities: tuple[Severity, ...] = Field(
        default=(1, 3, 5),
        min_length=1,
        description="severities each corruption runs at, one condition each (all five: 1-5)",
    )
    severity: int = Field(default=3, ge=1, le=5, description="unused: see severities")
    n: int = Field(default=100, ge=1, description="world scenes to draw when no --data is given")


class CorruptionSuite(ZeroShot):
    Params = CorruptionSuiteParams
    params: CorruptionSuiteParams
    # 57 conditions x 100 images took 4 min 17 s on zoo:clip on 2 shared cores: run it by name
    in_pillar_suite: ClassVar[bool] = False
    selection_params: ClassVar[frozenset[str]] = ZeroShot.selection_params | {"severities"}

    def conditions(self) -> list[Spec]:
        return corruption_conditions(self.params, self.params.severities)
