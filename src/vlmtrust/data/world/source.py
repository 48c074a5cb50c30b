"""The synthetic world as a data source: each request kind is drawn by the world module that
draws it (scenes, twins, canaries, the shipped probe set, a training pool from its recipe).

Every answer is seeded and prefix-stable, so the same request gives the same samples, in the
same order with the same ids, on every run and machine.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.records import Sample, encode_png
from vlmtrust.data.source import (
    Canaries,
    DataSource,
    LoadOptions,
    MembershipPool,
    Probes,
    Prompts,
    SampleRequest,
    Scenes,
    Twins,
)
from vlmtrust.data.world import flaws, vocabulary
from vlmtrust.data.world.scene import Scene

#: what a label can be in the world, so a small --limit does not shrink a task's class set
LABEL_VALUES: dict[str, tuple[str, ...]] = {
    "shape": vocabulary.SHAPES,
    "colour": vocabulary.COLOURS,
    "background": vocabulary.BACKGROUNDS,
    "occupation": vocabulary.OCCUPATIONS,
}
#: neutral prompts about the world's subjects (occupations, then shapes)
PROMPTS = (
    *(f"a photo of a {o}." for o in vocabulary.OCCUPATIONS),
    *(f"a {o} at work." for o in vocabulary.OCCUPATIONS),
    *(f"a photo of {'an' if s[0] in 'aeiou' else 'a'} {s}." for s in vocabulary.SHAPES),
)
_OCCUPATION_GROUPS = {
    "planted": flaws.GROUP_A_GIVEN_OCCUPATION,
    "fair": flaws.FAIR_GROUPS,
}


class WorldSource(DataSource):
    name = "world"
    expects = "no path: scenes, twins, canaries and probes are drawn from --seed"
    get_it = "built in"
    licence = "vlmtrust's own"

    @classmethod
    def open(cls, path: str, options: LoadOptions) -> WorldSource:
        if path:
            raise ConfigError(
                f"the world data source takes no path, got {path!r}",
                "pass --data world: (or leave --data out) to draw world scenes",
            )
        return cls()

    @classmethod
    def label_values(cls, label: str) -> tuple[str, ...] | None:
        return LABEL_VALUES.get(label)

    def samples(self, request: SampleRequest) -> list[Sample]:
        seed = 0 if request.seed is None else request.seed
        if isinstance(request, Scenes):
            from vlmtrust.data.world.dataset import generate

            bias = request.occupation_groups
            return generate(
                seed,
                request.n,
                request.family,
                text_prob=request.text_prob,
                group_given_occupation=_OCCUPATION_GROUPS[bias] if bias else None,
            )
        if isinstance(request, Twins):
            return _twins(seed, request)
        if isinstance(request, Canaries):
            return _canaries()
        if isinstance(request, Probes):
            from vlmtrust.data.probes import pick_probes

            return pick_probes(request.probes, request.sets, request.harmful, request.n)
        if isinstance(request, Prompts):
            return [Sample(id=f"prompt-{i}", prompt=p) for i, p in enumerate(PROMPTS)]
        if isinstance(request, MembershipPool):
            return _pool(request, request.member_seed, "member") + _pool(
                request, request.nonmember_seed, "nonmember"
            )
        raise self.cannot_supply(request)

    def identity(self, request: SampleRequest) -> str | None:
        """Scenes have one (see ``data.world.identity``); the other kinds are small or not
        drawn from scenes, so a scan draws them as they are."""
        if not isinstance(request, Scenes) or request.seed is None:
            return None
        from vlmtrust.data.world.identity import scenes_identity

        return scenes_identity(request)

    def batches(self, request: SampleRequest, size: int) -> Iterator[list[Sample]]:
        if not isinstance(request, Scenes):
            yield from super().batches(request, size)
            return
        for start in range(0, request.n, size):
            yield self._scenes(request, range(start, min(start + size, request.n)))

    def render(self, request: SampleRequest, positions: Sequence[int]) -> list[Sample]:
        """Only the scenes asked for: each is drawn from its own generator."""
        if not isinstance(request, Scenes):
            return super().render(request, positions)
        if any(not 0 <= i < request.n for i in positions):
            raise IndexError(f"a scene position outside 0..{request.n - 1}")
        return self._scenes(request, positions)

    @staticmethod
    def _scenes(request: Scenes, indices: Sequence[int]) -> list[Sample]:
        from vlmtrust.data.world.dataset import draw_at

        bias = request.occupation_groups
        return draw_at(
            0 if request.seed is None else request.seed,
            indices,
            request.family,
            text_prob=request.text_prob,
            group_given_occupation=_OCCUPATION_GROUPS[bias] if bias else None,
        )

    @staticmethod
    def scene_of(sample: Sample, text_prob: float = 0.0) -> Scene | None:
        """The ``objects`` scene a world sample was drawn from, redrawn from its provenance."""
        from vlmtrust.data.world.dataset import scene_for

        parts = (sample.source or "").split(":")
        if len(parts) != 4 or parts[:2] != ["world", "objects"]:
            return None
        return scene_for(int(parts[2]), int(parts[3]), "objects", text_prob=text_prob)


def _twins(seed: int, request: Twins) -> list[Sample]:
    from vlmtrust.data.world.twins import twin_samples

    if request.props != "half":
        return twin_samples(seed, request.pairs, prop_visible=request.props == "visible")
    half = request.pairs // 2
    hidden = twin_samples(seed, request.pairs - half, start=half, prop_visible=False)
    return twin_samples(seed, half) + hidden


def _canaries() -> list[Sample]:
    from vlmtrust.data.world.canaries import canaries

    return [
        Sample(
            id=f"canary{c.index}",
            labels={
                "member": c.member,
                "prompts": json.dumps(list(c.prompts())),
                "secrets": json.dumps([c.phone, c.email]),
                "reference": c.caption().replace(c.phone, "{secret}"),
                "pattern": "555-ddd-dddd",
            },
            source=f"world:canaries:{c.index}",
        )
        for c in canaries()
    ]


def _pool(request: MembershipPool, seed: int | None, tag: str) -> list[Sample]:
    """``request.n`` scenes drawn like the request's training pool (see ``draw_pool``)."""
    from PIL import Image

    from vlmtrust.data.world.pool import draw_pool

    pool = draw_pool(request.recipe, request.n, seed)
    out = []
    for i in range(request.n):
        image = Image.fromarray(pool.pixels[i].permute(1, 2, 0).numpy())
        caption = pool.captions[int(pool.caption_index[i])]
        out.append(
            Sample(
                id=f"{tag}-{i}",
                image=encode_png(image),
                labels={"caption": caption, "member": tag == "member"},
                source=f"zoo-pool:{request.organism}:{tag}:{i}",
            )
        )
    return out
