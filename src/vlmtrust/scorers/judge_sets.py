"""Labelled sets for ``vlmtrust judge eval``: three kinds, told apart by their labels.

One JSON object per line; ``"id"`` is optional everywhere, ``unscorable`` marks an item nobody
should decide (empty, off-topic, garbled) in any kind:

- refusal: ``{"response": ..., "label": "refusal" | "compliance" | "unscorable",
  "request"?: ..., "kind"?: ...}`` (``refused`` / ``complied`` / ``ambiguous`` accepted);
- toxicity: ``{"response": ..., "label": "toxic" | "not_toxic" | "unscorable",
  "identity"?: ...}``, or the shipped calibration format ``{"text": ..., "toxic": true|false}``;
  ``identity`` (the group a text names) gives per-identity false-positive rates;
- content safety (guard models): ``{"response": ..., "label": "safe" | "unsafe" | "unscorable",
  "request"?: ..., "image"?: "relative/path.png"}``; images are read relative to the set's
  folder and may not leave it.

A set is one kind: a line of another kind is an error naming it, so a mixed file never gets
numbers that mean nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vlmtrust.core.errors import DataError

UNSCORABLE = "unscorable"


@dataclass(frozen=True)
class SetKind:
    """A kind of labelled set: its two classes (negative, positive) and the judges that read
    it (for error messages)."""

    name: str
    classes: tuple[str, str]
    judges: str

    def labels(self) -> str:
        return f"{'/'.join(self.classes)}/{UNSCORABLE}"


REFUSAL_SET = SetKind(
    "refusal", ("refusal", "compliance"), "--judge refusal or --judge rubric:model=SPEC"
)
TOXICITY_SET = SetKind("toxicity", ("not_toxic", "toxic"), "--judge toxicity")
SAFETY_SET = SetKind(
    "safety", ("safe", "unsafe"), "a content-safety judge (--judge llama_guard:hf:DIR, ...)"
)
KINDS = (REFUSAL_SET, TOXICITY_SET, SAFETY_SET)
_ALIASES = {
    "refused": "refusal",
    "complied": "compliance",
    "ambiguous": UNSCORABLE,
    "not toxic": "not_toxic",
    "non_toxic": "not_toxic",
}
_KIND_OF = {cls: kind for kind in KINDS for cls in kind.classes}
_ALL_LABELS = ", ".join([*_KIND_OF, UNSCORABLE])


@dataclass(frozen=True)
class Labelled:
    id: str
    response: str
    label: str
    request: str = ""
    kind: str = ""
    image: Path | None = None
    identity: str | None = None


def set_kind(rows: Sequence[Labelled]) -> SetKind:
    """The kind of a parsed set (a set of unscorable items only reads as a refusal set)."""
    for row in rows:
        if row.label in _KIND_OF:
            return _KIND_OF[row.label]
    return REFUSAL_SET


def load_labelled(path: Path) -> list[Labelled]:
    """A labelled JSONL set; a bad line fails with its number and what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"cannot read {path}: {err}", "pass a UTF-8 JSONL file") from None
    return parse_labelled(text, str(path), path.parent)


def parse_labelled(text: str, path: str, root: Path | None = None) -> list[Labelled]:
    """``load_labelled`` on text already read (``path`` names it in errors; ``root`` is the
    folder images are read from, None: the set may hold no images)."""
    rows = []
    kind: tuple[SetKind, int] | None = None  # the set's kind and the line that fixed it
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path} line {number}"
        row = _object(line, where)
        label = _label(row, where)
        own = _KIND_OF.get(label)
        if own is not None and kind is None:
            kind = (own, number)
        elif own is not None and kind is not None and own is not kind[0]:
            raise DataError(
                f"{where} is labelled {label!r} (a {own.name} set) but line {kind[1]} made "
                f"{path} a {kind[0].name} set ({kind[0].labels()})",
                "keep one kind of label per set",
            )
        rows.append(
            Labelled(
                str(row.get("id", f"line{number}")),
                _text(row, where),
                label,
                str(row.get("request") or ""),
                str(row.get("kind", "")),
                _image(row.get("image"), root, where),
                str(row["identity"]) if row.get("identity") else None,  # "": no identity
            )
        )
    if not rows:
        raise DataError(f"{path} has no labelled rows", "one JSON object per line")
    return rows


def _object(line: str, where: str) -> dict[str, Any]:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as err:
        raise DataError(f"{where} is not JSON ({err.msg})", "one JSON object per line") from None
    if not isinstance(row, dict):
        raise DataError(f"{where} has no string 'response'", 'write {"response": ..., ...}')
    return row


def _text(row: dict[str, Any], where: str) -> str:
    text = row.get("response", row.get("text"))
    if not isinstance(text, str):
        raise DataError(f"{where} has no string 'response'", 'write {"response": ..., ...}')
    return text


def _label(row: dict[str, Any], where: str) -> str:
    if "label" not in row and isinstance(row.get("toxic"), bool):
        return TOXICITY_SET.classes[int(row["toxic"])]
    raw = row.get("label")
    label = _ALIASES.get(str(raw), str(raw))
    if label not in _KIND_OF and label != UNSCORABLE:
        raise DataError(f"{where} has label {raw!r}", f"label is one of {_ALL_LABELS}")
    return label


def _image(value: Any, root: Path | None, where: str) -> Path | None:
    """The image's path inside the set's folder; a path leaving it is an error, so a set
    cannot make the judge read files elsewhere on the machine."""
    if value is None:
        return None
    if not isinstance(value, str) or not value or root is None:
        raise DataError(f"{where} has image {value!r}", "give a path relative to the set's folder")
    folder = root.resolve()
    path = (folder / value).resolve()
    if not path.is_relative_to(folder):
        raise DataError(
            f"{where} has image {value!r}, outside the set's folder {folder}",
            "put images in the set's folder (or below it) and give their relative path",
        )
    if not path.is_file():
        raise DataError(f"{where} has image {value!r}, which is not a file", "check the path")
    return path
