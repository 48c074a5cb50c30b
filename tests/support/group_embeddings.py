"""Seeded embeddings with a planted group direction, for the embedding debiasers' unit tests:
people rows (4 occupations, each scene drawn once per group: twins) and object rows, unit
vectors in ``dim`` dimensions, captions one per occupation / object class."""

import torch
from torch import nn


def group_batches(dim=32, pairs=150, objects=100, strength=0.6, seed=0):
    from vlmtrust.mitigations.trainers.training.clip_data import ClipData
    from vlmtrust.mitigations.trainers.training.disentangle import Batches

    generator = torch.Generator().manual_seed(seed)
    centres = nn.functional.normalize(torch.randn(8, dim, generator=generator), dim=-1)
    direction = nn.functional.normalize(torch.randn(dim, generator=generator), dim=0)
    occupation = torch.randint(4, (pairs,), generator=generator)
    noise = 0.3 * torch.randn(pairs, dim, generator=generator)
    sign = torch.tensor([1.0, -1.0]).repeat(pairs)
    people = (centres[occupation] + noise).repeat_interleave(2, 0) + strength * sign[
        :, None
    ] * direction
    kind = 4 + torch.randint(4, (objects,), generator=generator)
    things = centres[kind] + 0.3 * torch.randn(objects, dim, generator=generator)
    embeddings = nn.functional.normalize(torch.cat([people, things]), dim=-1)
    n = len(embeddings)
    twin = torch.full((n,), -1)
    even = torch.arange(0, 2 * pairs, 2)
    twin[even], twin[even + 1] = even + 1, even
    group = torch.cat([torch.tensor([0, 1]).repeat(pairs), torch.full((objects,), -1)])
    data = ClipData(
        pixels=torch.zeros(n, 1),
        caption_index=torch.cat([occupation.repeat_interleave(2), kind]),
        captions=[f"caption {i}" for i in range(8)],
        group=group,
        occupation=torch.cat([occupation.repeat_interleave(2), torch.full((objects,), -1)]),
        scenes=[],
        twin=twin,
    )
    return Batches(
        data=data,
        embeddings=embeddings,
        bank=centres,
        scale=20.0,
        generator=torch.Generator().manual_seed(seed + 1),
    )


SHORT = {"steps": 400, "batch_size": 64, "hidden": 64, "content_dims": 16}


def train_on_planted(name, seed=0, **params):
    """(probe accuracy before, after, caption accuracy after, card stats) of a short run."""
    from vlmtrust.core.spec import Spec
    from vlmtrust.core.threads import torch_threads
    from vlmtrust.mitigations.base import build_mitigation
    from vlmtrust.mitigations.trainers.training.disentangle import GroupSplit, finish
    from vlmtrust.tasks.privacy.attribute_inference import probe_accuracy

    trainer = build_mitigation(Spec(name=name, params={**SHORT, **params}))
    batches = group_batches()
    with torch_threads(1):
        torch.manual_seed(seed)  # the split's initial weights
        split = GroupSplit(32, trainer.params.hidden, trainer.params.group_dims, 16)
        stats = trainer.train_split(split, batches)
        stats.update(finish(split, batches, trainer.params))
        people = batches.people
        before = batches.embeddings[people]
        after = split.neutralise(before).detach()
    groups = [str(int(g)) for g in batches.data.group[people]]
    base, _ = probe_accuracy(before.numpy(), groups, 5, 0)
    cleaned, _ = probe_accuracy(after.numpy(), groups, 5, 0)
    captions = (after @ batches.bank.T).argmax(1) == batches.data.caption_index[people]
    return base.value, cleaned.value, float(captions.float().mean()), stats


SKEW, PROBE, MIG = (
    "fairness.retrieval_skew",
    "privacy.attribute_inference",
    "fairness.disentanglement",
)


def zoo_clip_rows(mitigation):
    """Rows of the skew, group-probe and MIG tasks (default samples) on zoo:clip and on it
    under ``mitigation`` (default spec, trained or found in the cache), keyed (task, metric)."""
    from vlmtrust_testing import run_task_directly

    from vlmtrust.core.spec import Spec
    from vlmtrust.mitigations.base import build_mitigation
    from vlmtrust.models.base import resolve_model

    clip = resolve_model("zoo:clip").load()
    cleaned = build_mitigation(Spec(name=mitigation)).wrap(clip)
    out = []
    for model, label in [(clip, "none"), (cleaned, mitigation)]:
        rows = {}
        for task in (SKEW, PROBE, MIG):
            for row in run_task_directly(task, model, mitigation=label):
                rows[task, row.metric] = row
        out.append(rows)
    return out[0], out[1]
