"""MPC with 3 real local MPyC processes: the zero-shot head on shares agrees with plaintext,
the joint audit gives the plaintext answer, and no party process outlives its job."""

from pathlib import Path

import numpy as np
import pytest

from vlmtrust.core.errors import ConfigError
from vlmtrust.data import world
from vlmtrust.mitigations.private.linear_head import LinearHead, zero_shot_head
from vlmtrust.mitigations.private.mpc import (
    PARTY_SCRIPT,
    MpcSetting,
    joint_threshold_audit,
    mpc_logits,
)
from vlmtrust.models.base import resolve_model


def assert_gone(pids: list[int]) -> None:
    """None of ``pids`` is a running party (a reused pid would not be running our script)."""
    assert len(pids) == 3
    for pid in pids:
        cmdline = Path(f"/proc/{pid}/cmdline")
        running = cmdline.exists() and PARTY_SCRIPT.name in cmdline.read_text(errors="replace")
        assert not running, f"MPC party {pid} still running"


def test_a_head_on_shares_matches_plaintext():
    rng = np.random.default_rng(2)
    weight = rng.normal(size=(8, 384))
    weight *= 20 / np.linalg.norm(weight, axis=1, keepdims=True)
    head = LinearHead(weight, rng.normal(size=8))
    embeddings = rng.normal(size=(3, 384))
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    logits, run = mpc_logits(head, embeddings, MpcSetting())
    assert np.abs(logits - head.logits(embeddings)).max() <= 1e-3
    assert_gone(run.pids)


@pytest.mark.slow
def test_zero_shot_on_shares_agrees_with_plaintext_on_zoo_clip():
    clip = resolve_model("zoo:clip").load()
    images = [s.load_image() for s in world.generate(21, 4)]
    head, embeddings, plain = zero_shot_head(
        clip, images, [f"a photo of a {s}." for s in world.SHAPES]
    )
    logits, run = mpc_logits(head, embeddings, MpcSetting())
    assert (logits.argmax(1) == plain.argmax(1)).all()
    assert np.abs(logits - plain).max() <= 1e-3
    assert run.bytes_exchanged > 0 and len(run.parties) == 3
    assert_gone(run.pids)


@pytest.mark.parametrize("limit", [0.3, 0.4])
def test_joint_audit_gives_the_plaintext_answer(limit):
    rng = np.random.default_rng(5)
    a, b = rng.uniform(size=30), rng.uniform(size=20)
    share = ((a > 0.65).sum() + (b > 0.65).sum()) / 50
    assert 0.3 < share < 0.4  # one limit below the share, one above
    exceeds, run = joint_threshold_audit(a, b, threshold=0.65, limit=limit)
    assert exceeds == (share > limit)
    assert_gone(run.pids)


def test_logits_that_would_overflow_the_shares_are_refused():
    head = LinearHead(np.full((2, 4), 1e6), np.zeros(2))
    with pytest.raises(ConfigError, match="overflow"):
        mpc_logits(head, np.ones((1, 4)), MpcSetting(bit_length=32))
