"""FigStep's SafeBench and SafeBench-Tiny read from a clone in the published layout (built with
placeholder questions in tmp_path): rows become harmful probes with the benchmark's topics and
its own typographic images; a wrong layout is one line, exit 2; a short copy is a warning."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from benchmark_trees import figstep_clone
from cli_run import run_cli
from PIL import Image
from wrong_layout import assert_wrong_layout

from vlmtrust.core.errors import DataError
from vlmtrust.data.benchmarks.figstep import FIGSTEP_PROMPT, TOPICS, SafeBench, SafeBenchTiny
from vlmtrust.data.source import PUBLISHED_PROMPT, LoadOptions, NotSupplied, Probes, Scenes
from vlmtrust.data.sources import open_source


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return figstep_clone(tmp_path_factory.mktemp("FigStep"))


def probes(harmful: bool = True, n: int | None = None) -> Probes:
    return Probes(harmful=harmful, probes="harmful_v1", sets=("zoo",), n=n, task="safety.x")


def test_safebench_rows_are_harmful_probes_with_their_topic_and_image(clone: Path) -> None:
    source = open_source(f"figstep_safebench:{clone}")
    assert isinstance(source, SafeBench) and source.warnings == () and source.skipped == ()
    rows = source.samples(probes())
    assert len(rows) == 500 and len({r.id for r in rows}) == 500
    first = rows[0]
    assert (
        first.id == "ForbidQI_1_1"
        and first.prompt == "[placeholder question 1 on illegal activity]"
    )
    assert first.labels == {
        "category": "Illegal Activity",
        "set": "SafeBench",
        "harmful": True,
        "request": first.prompt,
        "instruction": "Steps to [placeholder 1-1].",
        PUBLISHED_PROMPT: FIGSTEP_PROMPT,
    }
    shipped = clone / "data/images/SafeBench/query_ForbidQI_1_1_6.png"
    assert first.image == shipped.read_bytes() and first.source == f"figstep_safebench:{shipped}"
    # interleaved across topics: the first ten cover all ten, in the benchmark's own names
    assert [r.labels["category"] for r in rows[:10]] == list(TOPICS)
    assert [r.id for r in source.samples(probes(n=3))] == [
        "ForbidQI_1_1",
        "ForbidQI_2_1",
        "ForbidQI_3_1",
    ]


def test_tiny_is_its_own_source_and_the_data_folder_is_accepted(clone: Path) -> None:
    source = open_source(f"figstep_safebench_tiny:{clone / 'data'}")
    assert isinstance(source, SafeBenchTiny) and source.warnings == ()
    rows = source.samples(probes())
    assert len(rows) == 50 and {r.labels["set"] for r in rows} == {"SafeBench-Tiny"}
    summary = source.summary()
    assert summary.size == 50 and summary.counts == {"SafeBench-Tiny": dict.fromkeys(TOPICS, 5)}


def test_limit_keeps_the_first_rows_across_topics_and_the_fingerprint_is_the_copys(
    clone: Path,
) -> None:
    whole = SafeBench.open(str(clone), LoadOptions())
    some = SafeBench.open(str(clone), LoadOptions(limit=12))
    assert len(some.samples(probes())) == 12
    assert {r.labels["category"] for r in some.samples(probes())} == set(TOPICS)
    assert some.summary().fingerprint == whole.summary().fingerprint  # the copy, not the limit
    assert some.summary().size == 500


def test_a_changed_image_changes_the_fingerprint(tmp_path: Path) -> None:
    root = figstep_clone(tmp_path / "FigStep", per_topic=1, tiny_per_topic=1)
    before = SafeBench.open(str(root), LoadOptions()).summary().fingerprint
    Image.new("RGB", (48, 48), "black").save(
        root / "data/images/SafeBench/query_ForbidQI_3_1_6.png"
    )
    assert SafeBench.open(str(root), LoadOptions()).summary().fingerprint != before


def test_benign_rows_and_scenes_are_not_supplied_with_the_reason(clone: Path) -> None:
    source = open_source(f"figstep_safebench_tiny:{clone}")
    with pytest.raises(
        NotSupplied, match=r"harmful requests only, no benign rows, which safety\.x"
    ):
        source.samples(probes(harmful=False))
    with pytest.raises(NotSupplied, match="cannot supply scenes"):
        source.samples(Scenes(n=4))


def test_a_short_copy_is_a_warning_naming_both_counts(tmp_path: Path) -> None:
    root = figstep_clone(tmp_path / "FigStep", per_topic=3, topics=9)
    source = open_source(f"figstep_safebench:{root}")
    (warning,) = source.warnings
    assert "a short copy: FigStep SafeBench holds 27 questions, the published copy 500" in warning
    assert "'Illegal Activity' 3 of 50" in warning
    assert len(source.samples(probes())) == 27
    result = run_cli("data", "check", "figstep_safebench", str(root))
    assert result.code == 0, result.stderr
    assert "27 rows" in result.stdout and "published copy 500" in result.stdout


def _drop_column(root: Path, column: str) -> None:
    table = root / "data/question/safebench.csv"
    with table.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    with table.open("w", newline="") as handle:
        fields = [c for c in rows[0] if c != column]
        writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (lambda root: _drop_column(root, "category_name"), "has no 'category_name' column"),
        (
            lambda root: (root / "data/question/safebench.csv").unlink(),
            "has no question/safebench.csv",
        ),
        (lambda root: shutil.rmtree(root / "data/images/SafeBench"), "images/SafeBench is missing"),
    ],
)
def test_a_wrong_layout_is_one_line_exit_2_naming_the_layout(
    tmp_path: Path, break_it: object, message: str
) -> None:
    root = figstep_clone(tmp_path / "FigStep", per_topic=1, tiny_per_topic=1)
    break_it(root)  # type: ignore[operator]
    assert_wrong_layout(
        "figstep_safebench",
        root,
        message,
        "expected the FigStep SafeBench layout: data/question/safebench.csv",
        scan=("--model", "zoo:assistant", "--suite", "safety"),
        out=tmp_path / "run",
        notices=True,  # --suite safety says it skips safety.multi_turn (run by name only)
    )


def test_a_missing_image_is_a_bad_item(tmp_path: Path) -> None:
    root = figstep_clone(tmp_path / "FigStep", per_topic=1, tiny_per_topic=1)
    (root / "data/images/SafeBench/query_ForbidQI_2_1_6.png").unlink()
    with pytest.raises(DataError, match=r"query_ForbidQI_2_1_6\.png: missing file"):
        SafeBench.open(str(root), LoadOptions())
    source = SafeBench.open(str(root), LoadOptions(on_bad="skip"))
    assert len(source.samples(probes())) == 9 and len(source.skipped) == 1
