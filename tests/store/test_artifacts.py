import json

import pytest

from vlmtrust.store.artifacts import CARD, ArtifactCache


def test_an_artifact_is_built_once_then_reused(tmp_path):
    cache = ArtifactCache(tmp_path)
    builds = []

    def build(out):
        builds.append(out)
        (out / "weights.bin").write_bytes(b"w")
        return {"loss": 0.5}

    path, card = cache.get_or_build("k1", build)
    again, card_again = cache.get_or_build("k1", build)
    assert len(builds) == 1
    assert path == again == tmp_path / "k1"
    assert card == card_again == {"loss": 0.5}
    assert (path / "weights.bin").read_bytes() == b"w"
    assert json.loads((path / CARD).read_text()) == {"loss": 0.5}


def test_a_crash_while_training_leaves_nothing_to_trust(tmp_path):
    cache = ArtifactCache(tmp_path)

    def crash(out):
        (out / "weights.bin").write_bytes(b"half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        cache.get_or_build("k2", crash)
    assert cache.card("k2") is None
    assert list(tmp_path.iterdir()) == []


def test_an_incomplete_leftover_is_rebuilt(tmp_path):
    (tmp_path / "k3").mkdir(parents=True)
    (tmp_path / "k3" / "weights.bin").write_bytes(b"stale")
    path, card = ArtifactCache(tmp_path).get_or_build("k3", lambda out: {"fresh": True})
    assert card == {"fresh": True}
    assert not (path / "weights.bin").exists()


def test_cache_root_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("VLMTRUST_CACHE", str(tmp_path))
    assert ArtifactCache().root == tmp_path / "artifacts"
