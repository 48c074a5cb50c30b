"""The trainer artifact cache: fine-tuned models stored under a key, built once.

A trainer mitigation (safety fine-tuning, DP fine-tuning, unlearning...) produces new weights.
Retraining on every scan would make a re-run cost minutes, so each artifact lives in a directory
named by a key over everything that decides its weights (base model fingerprint, trainer spec,
data fingerprint, trainer version). A directory is complete once its ``card.json`` exists; it is
built in a temporary sibling and renamed into place, so a crash or kill mid-training leaves no
half-written artifact that a later run would trust.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from vlmtrust.core.errors import StoreError

CARD = "card.json"
ENV_VAR = "VLMTRUST_CACHE"


def default_root() -> Path:
    """``$VLMTRUST_CACHE/artifacts``, else ``~/.cache/vlmtrust/artifacts``."""
    base = os.environ.get(ENV_VAR)
    root = Path(base) if base else Path.home() / ".cache" / "vlmtrust"
    return root / "artifacts"


class ArtifactCache:
    def __init__(self, root: Path | None = None) -> None:
        self.root = root or default_root()

    def path_for(self, key: str) -> Path:
        return self.root / key

    def card(self, key: str) -> dict[str, Any] | None:
        """The card of a complete artifact, or None when it has not been built."""
        path = self.path_for(key) / CARD
        if not path.is_file():
            return None
        loaded: dict[str, Any] = json.loads(path.read_text())
        return loaded

    def get_or_build(
        self, key: str, build: Callable[[Path], Mapping[str, Any]]
    ) -> tuple[Path, dict[str, Any]]:
        """The artifact directory and its card, building it first if needed.

        ``build(tmp_dir)`` writes the weights into ``tmp_dir`` and returns the card's content.
        """
        card = self.card(key)
        final = self.path_for(key)
        if card is not None:
            return final, card
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise StoreError(
                f"cannot create the artifact cache at {self.root}: {err.strerror}",
                f"set {ENV_VAR} to a writable directory",
            ) from err
        tmp = self.root / f".tmp-{key[:16]}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            content = dict(build(tmp))
            (tmp / CARD).write_text(json.dumps(content, indent=2, sort_keys=True))
            if final.exists():  # an incomplete leftover, or another worker won the race
                if self.card(key) is not None:
                    shutil.rmtree(tmp)
                    return final, self.card(key) or content
                shutil.rmtree(final)
            os.replace(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return final, content
