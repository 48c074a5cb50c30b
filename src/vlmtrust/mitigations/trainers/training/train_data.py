"""A trainer's own data from the user's folder (``<trainer>:train_data=PATH``).

Kept apart from the scan's ``--data``, which stays the evaluation set: a mitigation trained on
the rows it is judged on would prove nothing. Any layout ``--data`` reads is accepted (an image
folder with ``labels.csv`` / ``labels.jsonl``, a ``datasets`` ``save_to_disk`` folder, ...); the
columns a trainer needs are checked before the run starts. The synthetic world stays the
default only for zoo models: a user's model never trains on our toy scenes unless asked.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field

from vlmtrust.core.errors import ConfigError, DataError
from vlmtrust.core.paths import user_file
from vlmtrust.core.records import Sample
from vlmtrust.core.spec import Params, sha256_hex
from vlmtrust.models.base import ModelHandle

#: the model kinds whose trainers may fall back to world scenes
WORLD_KINDS = frozenset({"zoo"})


class TrainDataParams(Params):
    train_data: str | None = Field(
        default=None,
        description="a folder in any layout --data reads to train on (the world's scenes when "
        "unset, zoo models only); kept apart from the scan's --data",
    )


def require_train_data(
    handle: ModelHandle,
    train_data: str | None,
    trainer: str,
    columns: Sequence[str],
    images: bool = True,
) -> None:
    """Fail before the run: a model outside the zoo needs ``train_data``, and the folder must
    hold at least two usable rows (an image when ``images``, and every one of ``columns``)."""
    if train_data is None:
        if handle.kind in WORLD_KINDS:
            return
        raise ConfigError(
            f"{trainer} on {handle.name} needs data of your own to train on "
            "(the synthetic world is for zoo models only)",
            f"pass {trainer}:train_data=PATH, a folder of images with {_named(columns)}",
        )
    train_samples(train_data, trainer, columns, images)


def train_samples(
    train_data: str, trainer: str, columns: Sequence[str], images: bool = True
) -> list[Sample]:
    """The folder's rows that have an image (when ``images``) and a non-empty value for each of
    ``columns`` (a label column, or ``prompt``); at least two, else a one-line DataError."""
    from vlmtrust.data import load_data

    fix = f"pass {trainer}:train_data=PATH, a folder of images with {_named(columns)}"
    if not user_file(train_data, "train_data").exists():
        raise DataError(f"train_data folder {train_data} does not exist", fix)
    usable = [
        s
        for s in load_data(train_data).samples
        if (s.image is not None or not images) and all(_value(s, c) for c in columns)
    ]
    if len(usable) < 2:
        raise DataError(
            f"train_data {train_data} has {len(usable)} rows with "
            f"{'an image and ' if images else ''}{_named(columns)}; {trainer} needs at least 2",
            fix,
        )
    return usable


def column(sample: Sample, name: str) -> str:
    """A row's value for ``name`` as text: ``prompt`` is the sample's prompt, else a label,
    else a group (``group_``-prefixed and demographic columns load as groups); "" if absent."""
    return _value(sample, name)


def samples_fingerprint(samples: Sequence[Sample], columns: Sequence[str]) -> str:
    """What a trainer's artifact depends on in the folder: every row's content and columns."""
    return sha256_hex(*(f"{s.content_hash()}:{[_value(s, c) for c in columns]}" for s in samples))


def _value(sample: Sample, name: str) -> str:
    value = sample.prompt if name == "prompt" else sample.labels.get(name)
    if value is None and name != "prompt":
        value = sample.groups.get(name)
    return "" if value is None else str(value).strip()


def _named(columns: Sequence[str]) -> str:
    return " and ".join(f"a {c} column" for c in columns) or "no particular column"
