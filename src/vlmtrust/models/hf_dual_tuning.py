"""``hf:`` CLIP, OpenCLIP-converted CLIP, SigLIP and SigLIP 2 (fixed resolution) as ``Tunable``.

The roles are the image tower (``models.hf_tower``: a BlockTower over the checkpoint's own vision
modules) and, inside it, its projection head; the loss pieces are the frozen text tower's unit
embeddings and the checkpoint's logit scale. SigLIP's learnt logit bias is left out of a
trainer's logits: the trainers' losses are softmaxes over label or caption sets, which a constant
shift does not change.

A delta holds only the tensors a trainer changed, under the checkpoint's own parameter names
(a fine-tune of a ViT-L's last block writes that block and the head, not the tower), and
``load_delta`` puts it into a deep copy of the transformers model: the base adapter and its
model stay as they were; the copy shares the text-embedding cache (the text tower is frozen)
but nothing on the image side. The copy is of the whole model, so a mitigated variant holds
the checkpoint twice in memory while both are scanned.

Half precision: the tower trains in the model's dtype (a bfloat16 checkpoint gives a bfloat16
copy to tune; float16 may underflow, so prefer bfloat16 or float32 for training); the base
model's dtype is never changed, and a delta is written in the dtype it was trained in.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from vlmtrust.core.capabilities import Lora
from vlmtrust.core.errors import CapabilityError, ModelLoadError
from vlmtrust.models.base import copied_module
from vlmtrust.models.hf import DualEncoderArch, HFDualEncoder
from vlmtrust.models.hf_tower import HFVisionTower

#: what an hf: dual encoder offers to trainers (declared on its handle at resolve)
DUAL_ENCODER_ROLES = frozenset({"image_tower", "projection"})
#: a trainer's artifact: the changed tensors, keyed by the checkpoint's parameter names
DELTA_FILE = "delta.safetensors"


def tunable_roles(arch: DualEncoderArch, config: Mapping[str, Any]) -> frozenset[str]:
    """The roles a checkpoint offers, from its config.json (at resolve, before any weight
    loads): none for NaFlex (variable patch sequences) or a SigLIP tower without its pooling
    head (no image embedding to tune)."""
    vision = config.get("vision_config")
    headless = isinstance(vision, dict) and vision.get("vision_use_head", True) is False
    if arch.naflex or (arch.model_class == "SiglipModel" and headless):
        return frozenset()
    return DUAL_ENCODER_ROLES


class HFTunableEncoder(HFDualEncoder):
    """An ``hf:`` dual encoder with fixed-size images, Tunable (see module doc). SigLIP 2 NaFlex
    is not one: its tower reads variable patch sequences with a mask (``hf_naflex``)."""

    _tower: HFVisionTower | None = None

    def tunable_roles(self) -> frozenset[str]:
        return DUAL_ENCODER_ROLES

    def module(self, role: str) -> nn.Module:
        """The checkpoint's own vision modules (shared, not copied) as the role asks."""
        if role not in DUAL_ENCODER_ROLES:
            raise CapabilityError(
                f"{self.handle.name} offers no {role!r} to tune "
                f"(it offers: {', '.join(sorted(DUAL_ENCODER_ROLES))})",
                "pick a mitigation that tunes the image tower or its projection",
            )
        if self._tower is None:
            preprocess = self._preprocess
            class_token = self._arch.model_class == "CLIPModel"
            self._tower = HFVisionTower(self._model, preprocess.mean, preprocess.std, class_token)
        return self._tower if role == "image_tower" else self._tower.project

    def trainable(self, role: str, lora: Lora | None = None) -> AbstractContextManager[nn.Module]:
        """A deep copy of ``module(role)``: a dual encoder's tower trains whole blocks (its last
        ones and the head), as the zoo's does, so ``lora`` is not used."""
        return copied_module(self.module(role))

    def text_targets(self, texts: Sequence[str]) -> torch.Tensor:
        """Frozen unit text embeddings, float32 on the CPU (as trainers keep their targets)."""
        return torch.from_numpy(self._text_embeddings(texts))

    def logit_scale(self) -> float:
        return float(self._model.logit_scale.detach().float().exp())

    def answer_loss(
        self, tuned: Mapping[str, nn.Module], examples: Sequence[Any]
    ) -> Callable[[torch.Tensor], torch.Tensor]:
        raise CapabilityError(
            f"{self.handle.name} is a dual encoder: it writes no answers to learn",
            "fine-tune an hf: generator with an answer-teaching mitigation",
        )

    def save_delta(self, out: Path, tuned: Mapping[str, nn.Module]) -> None:
        """The tensors of the ``tuned`` roles that differ from the base model's, under the
        checkpoint's names (the image tower first, then a separately tuned projection)."""
        state = self._model.state_dict(keep_vars=True)
        names = {id(tensor): name for name, tensor in state.items()}
        delta: dict[str, torch.Tensor] = {}
        for role in sorted(tuned, key=lambda r: r != "image_tower"):
            base = self.module(role).state_dict(keep_vars=True)
            for key, value in tuned[role].state_dict().items():
                if key not in base or id(base[key]) not in names:
                    raise ValueError(f"{role} module has a tensor {key!r} the base one lacks")
                if not torch.equal(value.to(base[key].device), base[key].detach()):
                    delta[names[id(base[key])]] = value.detach().cpu().clone().contiguous()
        save_file(delta, str(out / DELTA_FILE), metadata={"base": self.handle.fingerprint})

    def load_delta(self, artifact: Path) -> HFTunableEncoder:
        """A copy of this adapter over its own deep copy of the model with the delta loaded."""
        delta = load_file(str(artifact / DELTA_FILE))
        tuned = copy.copy(self)
        tuned._model = copy.deepcopy(self._model)
        missing = sorted(set(delta) - set(tuned._model.state_dict()))
        if missing:
            raise ModelLoadError(
                f"artifact {artifact} changes {missing[0]}, which {self.handle.name} lacks",
                "clear the artifact cache entry (it was written for another model)",
            )
        tuned._model.load_state_dict(delta, strict=False)
        tuned._tower = None
        tuned._image_batches = copy.deepcopy(self._image_batches)
        return tuned
