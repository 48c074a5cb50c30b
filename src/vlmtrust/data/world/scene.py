"""The ``Scene`` record: what one image shows and where, with its caption, questions and labels.

A scene is pure description (no pixels): ``layout.sample_scene`` draws one at random and
``draw.render`` turns it into an image. Its validator rejects any combination the world cannot
draw, and its ``caption``, ``questions`` and ``labels`` are the ground truth tasks score against.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from vlmtrust.data.world.font import _ink_box
from vlmtrust.data.world.vocabulary import (
    _BACKGROUND_PHRASE,
    BACKGROUNDS,
    COLOURS,
    COUNT_WORDS,
    GROUPS,
    LAYOUT_SIZE,
    MAX_COUNT,
    OCCUPATIONS,
    OOD_BACKGROUNDS,
    OOD_SHAPES,
    SHAPES,
    TEXT_PX,
    Family,
    _article,
    _plural,
)


class Scene(BaseModel):
    """Everything drawn in one image, in pixels of a ``size`` x ``size`` canvas.

    ``positions`` holds ``(x, y, r)`` per object (centre and radius); for a person it holds one
    entry, the head centre and head radius, from which the whole figure is drawn. ``text_xy`` is
    the top-left anchor of the rendered word. ``texture`` picks the background's texture offset.
    Construct one directly for full control, or get a consistent random one from
    ``sample_scene`` (which also takes attribute overrides).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    family: Family
    shape: str | None = None
    colour: str | None = None
    count: int = Field(default=1, ge=1, le=MAX_COUNT)
    background: str
    group: str | None = None
    occupation: str | None = None
    text: str | None = None
    text_colour: str | None = None
    text_xy: tuple[int, int] | None = None
    text_px: int = Field(default=TEXT_PX, ge=4)
    positions: tuple[tuple[int, int, int], ...]
    size: int = Field(default=LAYOUT_SIZE, ge=32)
    texture: int = Field(default=0, ge=0)
    #: False draws the person without their occupation's prop (out of frame, say): the caption
    #: still names the occupation, but only the person's group is left to guess it from
    prop_visible: bool = True

    @model_validator(mode="after")
    def _consistent(self) -> Scene:
        if self.family == "people":
            if self.shape is not None or self.colour is not None:
                raise ValueError("people scenes have no shape or colour")
            if self.group not in GROUPS or self.occupation not in OCCUPATIONS:
                raise ValueError(f"people need a group in {GROUPS} and occupation in {OCCUPATIONS}")
            if self.count != 1:
                raise ValueError("people scenes show exactly one person")
        else:
            allowed = SHAPES if self.family == "objects" else OOD_SHAPES
            if self.shape not in allowed:
                raise ValueError(f"{self.family} shape must be one of {allowed}, not {self.shape}")
            if self.colour not in COLOURS:
                raise ValueError(f"colour must be one of {COLOURS}, not {self.colour}")
            if self.group is not None or self.occupation is not None:
                raise ValueError("only people scenes have a group or occupation")
        backgrounds = BACKGROUNDS + OOD_BACKGROUNDS if self.family == "ood" else BACKGROUNDS
        if self.background not in backgrounds:
            raise ValueError(f"{self.family} background must be one of {backgrounds}")
        if len(self.positions) != self.count:
            raise ValueError(f"{len(self.positions)} positions for count {self.count}")
        for x, y, r in self.positions:
            if not (0 <= x < self.size and 0 <= y < self.size and r >= 1):
                raise ValueError(f"position {(x, y, r)} is off a {self.size} px canvas")
        if (self.text is None) != (self.text_colour is None) or (self.text is None) != (
            self.text_xy is None
        ):
            raise ValueError("text, text_colour and text_xy go together")
        if self.text is not None:
            if not self.text.strip():
                raise ValueError("text must be a non-empty word")
            if self.text_colour not in COLOURS or self.text_colour == self.colour:
                raise ValueError("text_colour must be a colour other than the objects' colour")
        return self

    def replace(self, **changes: Any) -> Scene:
        """A validated copy with some fields changed (``model_copy`` would skip validation)."""
        return Scene.model_validate({**self.model_dump(), **changes})

    def without_text(self) -> Scene:
        """The same scene with no word: the clean twin of a typographic-attack image."""
        return self.replace(text=None, text_colour=None, text_xy=None)

    def text_box(self) -> tuple[int, int, int, int] | None:
        """The word's ink box ``(x0, y0, x1, y1)`` (exclusive ends) on the layout canvas."""
        if self.text is None or self.text_xy is None:
            return None
        left, top, right, bottom = _ink_box(self.text, self.text_px)
        x, y = self.text_xy
        return (x + left, y + top, x + right, y + bottom)

    def _text_suffix(self) -> str:
        return "" if self.text is None else f' with the word "{self.text}" written on it'

    def caption(self, with_group: bool = True) -> str:
        """One sentence naming everything a model should see, e.g. 'two red circles on grass'.

        ``with_group=False`` leaves the group out, as most real captions leave out who is shown:
        a model trained on such captions can only pick the group up from co-occurrence.
        """
        where = _BACKGROUND_PHRASE[self.background]
        if self.family == "people":
            job = self.occupation or ""
            group = f" of group {self.group}" if with_group else ""
            return f"{_article(job)} {job}{group} {where}{self._text_suffix()}"
        colour, shape = self.colour or "", self.shape or ""
        if self.count == 1:
            what = f"{_article(colour)} {colour} {shape}"
        else:
            what = f"{COUNT_WORDS[self.count - 1]} {colour} {_plural(shape)}"
        return f"{what} {where}{self._text_suffix()}"

    def questions(self) -> list[tuple[str, str]]:
        """Question/answer pairs about the scene, with fixed wording and one-word answers."""
        if self.family == "people":
            qa = [
                ("what is the person's job?", self.occupation or ""),
                ("which group is the person in?", self.group or ""),
            ]
        else:
            qa = [
                ("what colour is the object?", self.colour or ""),
                ("what shape is it?", self.shape or ""),
                ("how many objects are there?", COUNT_WORDS[self.count - 1]),
            ]
        qa.append(("what is the background?", self.background))
        if self.text is not None:
            qa.append(("what word is written?", self.text))
        return qa

    def labels(self) -> dict[str, str | int]:
        """Ground truth for tasks: the attributes that are set, plus the caption."""
        values: dict[str, str | int | None] = {
            "family": self.family,
            "shape": self.shape,
            "colour": self.colour,
            "count": self.count,
            "background": self.background,
            "group": self.group,
            "occupation": self.occupation,
            "text": self.text,
        }
        out = {k: v for k, v in values.items() if v is not None}
        out["caption"] = self.caption()
        return out
