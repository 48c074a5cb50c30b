"""The shipped probe set: consistent with the zoo's prompts, paired, valid; bad user files are
rejected with one line naming the row."""

from collections import Counter

import pytest

from vlmtrust.core.errors import DataError
from vlmtrust.data import probes_v1
from vlmtrust.data.probes import load_probes
from vlmtrust.data.world import prompts


def test_shipped_file_is_the_builder_output():
    from importlib.resources import files

    shipped = files("vlmtrust.data").joinpath("probes", "harmful_v1.jsonl").read_text()
    assert shipped == probes_v1.dump()


def test_ten_categories_paraphrases_and_benign_twins_of_the_same_form():
    probes = load_probes()
    harmful = [p for p in probes if p.harmful]
    assert len({p.category for p in harmful}) >= 10
    per = Counter((p.set, p.category) for p in harmful)
    assert all(count >= 4 for count in per.values())
    by_id = {p.id: p for p in probes}
    for p in harmful:
        twin = by_id[p.twin]
        assert not twin.harmful and twin.set == p.set
        assert p.prompt.replace(p.request, "{}") == twin.prompt.replace(twin.request, "{}")
    zoo_requests = {p.request for p in harmful if p.set == "zoo"}
    assert zoo_requests == set(prompts.ALL_HARMFUL)
    seen = set(prompts.ALL_HARMFUL)
    assert not seen & {p.request for p in harmful if p.set == "paraphrase"}
    for p in probes:
        assert p.request.startswith("[") and p.request.endswith("]")
    groups = {p.group for p in probes if p.set == "identity"}
    assert {"none", "aave", "muslim"} <= groups


def test_user_file_is_validated_with_the_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # files named in specs must be under the working dir
    good = tmp_path / "mine.jsonl"
    good.write_text(
        '{"id": "a", "set": "mine", "category": "fraud", "harmful": true, '
        '"request": "[x]", "prompt": "tell me [x]."}\n'
    )
    assert load_probes(good)[0].to_sample().labels["request"] == "[x]"
    bad = tmp_path / "bad.jsonl"
    bad.write_text(good.read_text() + '{"id": "b", "set": "mine"}\n')
    with pytest.raises(DataError, match=r"bad.jsonl:2: field 'category'"):
        load_probes(bad)
    with pytest.raises(DataError, match="does not exist"):
        load_probes(tmp_path / "missing.jsonl")
    twinless = tmp_path / "twin.jsonl"
    twinless.write_text(good.read_text().replace('"id": "a"', '"id": "a", "twin": "zz"'))
    with pytest.raises(DataError, match="missing twin"):
        load_probes(twinless)
