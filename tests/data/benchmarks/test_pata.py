"""The pata source reads PATA's published URL list and captions, with the images a user
downloaded as images/<line>.jpg; its captions answer prompt requests."""

import json
from pathlib import Path

import pytest
from benchmark_trees_fairmed import pata_tree
from cli_run import run_cli
from wrong_layout import assert_wrong_layout

from vlmtrust.core.errors import DataError
from vlmtrust.data.benchmarks.pata import AGES, CAPTIONS, FILES, GENDERS, RACES, PATASource
from vlmtrust.data.source import LoadOptions, NotSupplied, Prompts, Scenes, Twins
from vlmtrust.data.sources import open_source


def test_the_published_files_and_downloaded_images_load_with_patas_groups(
    tmp_path: Path,
) -> None:
    source = open_source(f"pata:{pata_tree(tmp_path)}")
    assert isinstance(source, PATASource)
    samples = source.samples(Scenes(n=1))
    assert [s.id for s in samples[:2]] == ["pata/0", "pata/1"]
    first, second = samples[0], samples[1]
    assert first.groups == {"race": "black", "gender": "female", "age": "young"}
    assert first.labels == {
        **first.groups,
        "scene": "office",
        "scene_id": "office",
        "url": "https://example.invalid/0.jpg",
        "line": 0,
    }
    # a scene with an underscore is parsed from the right, and named in words
    assert (second.labels["scene_id"], second.labels["scene"]) == ("fashion_show", "fashion show")
    assert {s.groups["race"] for s in samples} == set(RACES)
    assert source.group_attributes == {"race": RACES, "gender": GENDERS, "age": AGES}
    assert source.class_labels == ("scene",)
    scenes = PATASource.label_values("scene") or ()
    assert len(scenes) == 24 and "gun range" in scenes
    summary = source.summary()
    assert summary.size == 20 and len(summary.fingerprint or "") == 64
    assert summary.counts["all"]["race=eastasian"] == 4
    assert summary.counts["all"]["scene=fashion show"] == 5


def test_captions_answer_prompts_once_each_with_scene_attribute_and_polarity(
    tmp_path: Path,
) -> None:
    source = open_source(f"pata:{pata_tree(tmp_path)}")
    prompts = source.samples(Prompts(task="fairness.prompt_bias"))
    texts = [p.prompt for p in prompts]
    assert len(texts) == len(set(texts)) == 24 * 3 * 3  # 2 positive + 1 negative per attribute
    first = prompts[0]
    assert first.image is None and first.prompt == "[positive races caption 0 of office]"
    assert first.labels == {"scene": "office", "attribute": "race", "polarity": "positive"}
    assert {p.labels["polarity"] for p in prompts} == {"positive", "negative"}


def test_images_not_downloaded_are_counted_in_a_warning_not_guessed(tmp_path: Path) -> None:
    source = open_source(f"pata:{pata_tree(tmp_path, missing=(2, 5))}")
    ids = [s.id for s in source.samples(Scenes(n=1))]
    assert len(ids) == 18 and "pata/2" not in ids and not source.skipped
    listed, downloaded = source.warnings
    assert "holds 20 lines, the published copy 4,934" in listed and "'black' 4 of 1,024" in listed
    assert "PATA images/ holds 18 downloaded images, the published copy 4,934" in downloaded


def test_limit_keeps_the_first_downloaded_lines(tmp_path: Path) -> None:
    source = PATASource.open(str(pata_tree(tmp_path, missing=(0,))), LoadOptions(limit=2))
    assert [s.id for s in source.samples(Scenes(n=1))] == ["pata/1", "pata/2"]


def test_bad_lines_and_unreadable_images_are_listed(tmp_path: Path) -> None:
    root = pata_tree(tmp_path)
    lines = (root / FILES).read_text().splitlines()
    lines[1] = lines[1].replace("female", "martian")
    lines[2] = "no bar on this line"
    (root / FILES).write_text("\n".join(lines) + "\n")
    (root / "images" / "3.jpg").write_bytes(b"not an image")
    source = PATASource.open(str(root), LoadOptions(on_bad="skip"))
    assert len(source.samples(Scenes(n=1))) == 17
    reasons = [b.reason for b in source.skipped]
    assert reasons[0] == "gender 'martian' is not one of female, male"
    assert reasons[1].startswith("not scene_race_gender_age|url")
    assert "not a readable image" in reasons[2]
    with pytest.raises(DataError, match=r"martian.*and 2 more bad items"):
        PATASource.open(str(root), LoadOptions())


def test_what_scene_photos_cannot_answer_is_not_supplied(tmp_path: Path) -> None:
    source = open_source(f"pata:{pata_tree(tmp_path)}")
    assert len(source.samples(Twins(pairs=5))) == 20
    with pytest.raises(NotSupplied, match="no counterfactual twins"):
        source.samples(Twins(pairs=5, paired=True, task="fairness.x"))


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        ("no_captions", "pata_fairness.captions.json does not exist"),
        ("bad_captions", "has no 'pos' lists of races, gender, age"),
        ("no_images", "images does not exist"),
        ("renamed_images", "has no images named <line>.jpg (found e.g. pata-female-black"),
    ],
)
def test_a_wrong_layout_is_one_line_exit_2(tmp_path: Path, damage: str, named: str) -> None:
    root = pata_tree(tmp_path / "data")
    if damage == "no_captions":
        (root / CAPTIONS).unlink()
    elif damage == "bad_captions":
        scenes = json.loads((root / CAPTIONS).read_text())
        scenes[0]["pos"] = ["a list, not one per attribute"]
        (root / CAPTIONS).write_text(json.dumps(scenes))
    elif damage == "no_images":
        (root / "images").rename(root / "downloads")
    else:
        for i, file in enumerate(sorted((root / "images").iterdir())):
            file.rename(file.with_name(f"pata-female-black-young-{i}.png"))
    assert_wrong_layout("pata", root, named, "images/<line>.jpg")


@pytest.mark.slow
def test_a_suite_scores_patas_captions_and_groups(tmp_path: Path) -> None:
    """prompt_bias reads PATA's captions; dataset_audit its groups (no model output needed)."""
    root = pata_tree(tmp_path / "data")
    out = tmp_path / "run"
    result = run_cli(
        "scan", "--model", "zoo:clip", "--data", f"pata:{root}",
        "--suite", "fairness.dataset_audit,fairness.prompt_bias", "--out", str(out),
    )  # fmt: skip
    assert result.code == 0, result.stderr
    report = json.loads(run_cli("report", str(out), "--format", "json").stdout)
    rows = {(r["task"], r["metric"]): r for r in report["rows"]}
    assert rows[("fairness.prompt_bias", "flagged_rate")]["n"] == 24 * 3 * 3
    shares = {t for t, m in rows if m == "group_share"}
    assert shares == {f"fairness.dataset_audit-by-{a}" for a in ("race", "gender", "age")}
