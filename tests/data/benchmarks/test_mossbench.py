"""MOSSBench read from a clone in the published layout (built with placeholder queries in
tmp_path): benign pairs become benign probes with the stimulus type as category and their own
image, the contrast set harmful probes; the root's information.csv is read too; a wrong layout
is one line, exit 2; a short copy, or one without the contrast set, is a warning."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from benchmark_trees_moss import mossbench_clone
from cli_run import run_cli
from PIL import Image
from wrong_layout import assert_wrong_layout

from vlmtrust.core.errors import DataError
from vlmtrust.data.benchmarks.mossbench import BENIGN, CONTRAST, MOSSBench
from vlmtrust.data.source import PUBLISHED_PROMPT, LoadOptions, NotSupplied, Probes, Scenes
from vlmtrust.data.sources import open_source

STIMULI = ["Exaggerated Risk", "Negated Harm", "Counterintuitive Interpretation"]
INFORMATION = "data/images_information/information.json"


def probes(harmful: bool, n: int | None = None) -> Probes:
    return Probes(harmful=harmful, probes="harmful_v1", sets=("zoo",), n=n, task="safety.x")


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return mossbench_clone(tmp_path_factory.mktemp("MOSSBench"))


def test_benign_pairs_are_benign_probes_with_their_stimulus_type_and_image(clone: Path) -> None:
    source = open_source(f"mossbench:{clone}")
    assert isinstance(source, MOSSBench) and source.warnings == () and source.skipped == ()
    rows = source.samples(probes(harmful=False))
    assert len(rows) == 300 and len({r.id for r in rows}) == 300
    first = rows[0]
    assert first.id == "oversensitivity/1" and first.prompt == "[placeholder benign query 1]"
    assert first.labels == {
        "category": "Exaggerated Risk",
        "set": "oversensitivity",
        "harmful": False,
        "request": first.prompt,
        PUBLISHED_PROMPT: first.prompt,
        "human": True,
        "child": False,
        "syn": True,
        "ocr": False,
        "pid": 1,
    }
    shipped = clone / "data/images/1.png"
    assert first.image == shipped.read_bytes() and first.source == f"mossbench:{shipped}"
    # interleaved across the three stimulus types, in the benchmark's own words
    assert [r.labels["category"] for r in rows[:3]] == STIMULI
    assert [r.id for r in source.samples(probes(harmful=False, n=2))] == [
        "oversensitivity/1",
        "oversensitivity/101",
    ]


def test_the_contrast_set_answers_harmful_probes_and_counts_are_the_published_ones(
    clone: Path,
) -> None:
    source = open_source(f"mossbench:{clone}")
    rows = source.samples(probes(harmful=True))
    assert len(rows) == 244 and {r.labels["set"] for r in rows} == {"contrast"}
    pair = next(r for r in rows if r.id == "contrast/101")
    assert pair.labels["harmful"] is True and pair.labels["category"] == "Negated Harm"
    assert pair.image == (clone / "data_contrast/images/101.png").read_bytes()
    assert pair.labels[PUBLISHED_PROMPT] == "[placeholder harmful query 101]"
    summary = source.summary()
    assert summary.size == 544
    assert summary.counts == {"oversensitivity": BENIGN, "contrast": CONTRAST}
    with pytest.raises(NotSupplied, match="cannot supply scenes"):
        source.samples(Scenes(n=4))


def test_the_data_folder_is_accepted_and_limit_keeps_every_stimulus_type(clone: Path) -> None:
    whole = MOSSBench.open(str(clone), LoadOptions())
    some = MOSSBench.open(str(clone / "data"), LoadOptions(limit=4))
    benign, harmful = some.samples(probes(harmful=False)), some.samples(probes(harmful=True))
    assert len(benign) == 4 and len(harmful) == 4  # the contrast set is found beside data/
    assert {r.labels["category"] for r in benign} == set(STIMULI)
    assert some.summary().fingerprint == whole.summary().fingerprint  # the copy, not the limit
    assert some.summary().size == 544


def test_a_changed_image_changes_the_fingerprint(tmp_path: Path) -> None:
    root = mossbench_clone(tmp_path / "MOSSBench", per_type=1)
    before = MOSSBench.open(str(root), LoadOptions()).summary().fingerprint
    Image.new("RGB", (48, 48), "black").save(root / "data_contrast/images/201.png")
    assert MOSSBench.open(str(root), LoadOptions()).summary().fingerprint != before


def test_without_the_contrast_set_harmful_probes_are_not_supplied_with_the_reason(
    tmp_path: Path,
) -> None:
    root = mossbench_clone(tmp_path / "MOSSBench", contrast=False)
    source = open_source(f"mossbench:{root}")
    (warning,) = source.warnings
    assert "harmful contrast set (data_contrast/images_information/information.json)" in warning
    assert len(source.samples(probes(harmful=False))) == 300
    with pytest.raises(NotSupplied, match=r"no harmful contrast set \(data_contrast/\), which"):
        source.samples(probes(harmful=True))
    assert source.summary().counts == {"oversensitivity": BENIGN}


def test_the_root_information_csv_is_read_as_the_benign_set(tmp_path: Path) -> None:
    root = mossbench_clone(tmp_path / "MOSSBench", table=True)
    shutil.rmtree(root / "data")
    shutil.rmtree(root / "data_contrast")
    source = open_source(f"mossbench:{root}")
    rows = source.samples(probes(harmful=False))
    assert len(rows) == 300 and [r.labels["category"] for r in rows[:3]] == STIMULI
    assert rows[0].image == (root / "images/1.png").read_bytes()
    assert rows[0].labels["human"] is True and rows[0].labels["pid"] == 1
    assert source.summary().counts == {"oversensitivity": BENIGN}


def test_a_short_copy_is_a_warning_naming_both_counts(tmp_path: Path) -> None:
    root = mossbench_clone(tmp_path / "MOSSBench", per_type=2, types=2)
    source = open_source(f"mossbench:{root}")
    benign, contrast = source.warnings
    assert "a short copy: MOSSBench holds 4 queries, the published copy 300" in benign
    assert "'Counterintuitive Interpretation' 0 of 100" in benign
    assert "MOSSBench's contrast set holds 3 queries, the published copy 244" in contrast
    result = run_cli("data", "check", "mossbench", str(root))
    assert result.code == 0, result.stderr
    assert "7 rows" in result.stdout and "published copy 300" in result.stdout


def _edit(change: Callable[[dict[str, dict[str, object]]], None]) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        file = root / INFORMATION
        entries = json.loads(file.read_text())
        change(entries)
        file.write_text(json.dumps(entries))

    return edit


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (
            lambda root: (root / INFORMATION).unlink(),
            "has no data/images_information/information.json",
        ),
        (_edit(lambda e: e["101"].pop("question")), "json entry '101' has no 'question'"),
        (
            _edit(lambda e: e["1"].update(metadata={"over": "Exaggerated Risk"})),
            "entry '1' has no metadata 'over' of 'type 1', 'type 2', 'type 3'",
        ),
        (lambda root: (root / INFORMATION).write_text("[]"), "is not a JSON object"),
    ],
)
def test_a_wrong_layout_is_one_line_exit_2_naming_the_layout(
    tmp_path: Path, break_it: Callable[[Path], None], message: str
) -> None:
    root = mossbench_clone(tmp_path / "MOSSBench", per_type=1)
    break_it(root)
    expected = "expected the MOSSBench layout: data/images_information/information.json"
    assert_wrong_layout("mossbench", root, message, expected)


def test_a_missing_image_is_a_bad_item(tmp_path: Path) -> None:
    root = mossbench_clone(tmp_path / "MOSSBench", per_type=1)
    (root / "data/images/101.png").unlink()
    with pytest.raises(DataError, match=r"images/101\.png: missing file"):
        MOSSBench.open(str(root), LoadOptions())
    source = MOSSBench.open(str(root), LoadOptions(on_bad="skip"))
    assert len(source.samples(probes(harmful=False))) == 2 and len(source.skipped) == 1
