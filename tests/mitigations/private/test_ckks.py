"""CKKS scoring of the real zoo:clip's zero-shot head: the decrypted logits match plaintext
within 1e-3 with the same argmax on every sample, and the server only ever holds public keys."""

import numpy as np
import pytest

from vlmtrust.core.errors import ConfigError
from vlmtrust.data import world
from vlmtrust.mitigations.private.ckks import (
    CkksClient,
    CkksServer,
    CkksSetting,
    Layout,
    encrypted_logits,
)
from vlmtrust.mitigations.private.linear_head import LinearHead, zero_shot_head
from vlmtrust.models.base import resolve_model

PROMPTS = [f"a photo of a {s}." for s in world.SHAPES]


@pytest.fixture(scope="module")
def clip():
    return resolve_model("zoo:clip").load()


@pytest.fixture(scope="module")
def client():
    return CkksClient(CkksSetting())


def test_encrypted_head_matches_plaintext_on_zoo_clip(clip, client):
    images = [s.load_image() for s in world.generate(11, 6)]
    head, embeddings, plain = zero_shot_head(clip, images, PROMPTS)
    layout = Layout(embeddings.shape[1], len(PROMPTS), client.setting.slots)
    server = CkksServer(client.public_context(), head, layout)
    for embedding, expected in zip(embeddings, plain, strict=True):
        logits, traffic = encrypted_logits(client, server, embedding, len(PROMPTS))
        assert np.abs(logits - expected).max() <= 1e-3
        assert logits.argmax() == expected.argmax()
        assert traffic.query_bytes > 4 * embeddings.shape[1] and traffic.reply_bytes > 0
    # the server holds only public keys: it cannot decrypt a reply it computed
    assert server.context.is_public()
    reply = server.logits(client.encrypt(layout, embeddings[0]))
    with pytest.raises(ValueError):
        server.ts.ckks_vector_from(server.context, reply[0]).decrypt()


@pytest.mark.slow
def test_more_classes_than_one_reply_holds(client):
    rng = np.random.default_rng(3)
    weight = rng.normal(size=(20, 384))
    weight *= 20 / np.linalg.norm(weight, axis=1, keepdims=True)
    head = LinearHead(weight, rng.normal(size=20))
    layout = Layout(384, 20, client.setting.slots)
    assert layout.replies == 3  # 8 classes of 512 slots each per 4096-slot reply
    server = CkksServer(client.public_context(), head, layout)
    embedding = rng.normal(size=384)
    embedding /= np.linalg.norm(embedding)
    logits, _ = encrypted_logits(client, server, embedding, 20)
    assert np.abs(logits - head.logits(embedding)).max() <= 1e-3


def test_parameters_below_128_bit_security_are_refused():
    with pytest.raises(ConfigError, match="128-bit"):
        CkksSetting(coeff_mod_bit_sizes=(60, 40, 40, 40, 60)).check()
    with pytest.raises(ConfigError, match="levels"):
        CkksSetting(coeff_mod_bit_sizes=(60, 40, 60)).check()
    with pytest.raises(ConfigError, match="slots"):
        Layout(5000, 2, 4096)
