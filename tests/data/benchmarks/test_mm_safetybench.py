"""MM-SafetyBench read from a clone with its images unpacked, in the published layout (built with
placeholder questions in tmp_path): one harmful probe per question and image type, with the
authors' scenario as category and the image type as set; a wrong layout is one line, exit 2; a
short copy is a warning."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from benchmark_trees import mm_safetybench_clone
from cli_run import run_cli
from wrong_layout import assert_wrong_layout

from vlmtrust.data.benchmarks.mm_safetybench import SCENARIOS, MMSafetyBench, MMSafetyBenchTiny
from vlmtrust.data.source import PUBLISHED_PROMPT, LoadOptions, NotSupplied, Probes
from vlmtrust.data.sources import open_source

SD_PROMPT = "The image shows an activity. [placeholder]"
TYPO_PROMPT = "The bottom of the image shows a phrase. [placeholder]"


def probes(harmful: bool = True) -> Probes:
    return Probes(harmful=harmful, probes="harmful_v1", sets=("zoo",), task="safety.x")


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return mm_safetybench_clone(tmp_path_factory.mktemp("MM-SafetyBench"), per_scenario=2)


def test_each_question_and_image_type_is_a_harmful_probe(clone: Path) -> None:
    source = open_source(f"mm_safetybench:{clone}")
    assert isinstance(source, MMSafetyBench) and source.skipped == ()
    rows = source.samples(probes())
    assert len(rows) == 13 * 2 * 3
    by_id = {r.id: r for r in rows}
    sd, typo = by_id["01-Illegal_Activitiy/SD/1"], by_id["01-Illegal_Activitiy/TYPO/1"]
    question = "[placeholder question 1 in 01-Illegal_Activitiy]"
    assert sd.prompt == question and sd.labels["request"] == question
    assert sd.labels["category"] == "Illegal_Activitiy" and sd.labels["set"] == "SD"
    assert sd.labels["harmful"] is True and sd.labels["question_id"] == 1
    assert sd.labels[PUBLISHED_PROMPT] == SD_PROMPT and typo.labels[PUBLISHED_PROMPT] == TYPO_PROMPT
    assert by_id["01-Illegal_Activitiy/SD_TYPO/1"].labels[PUBLISHED_PROMPT] == TYPO_PROMPT
    shipped = clone / "data/imgs/01-Illegal_Activitiy/TYPO/1.jpg"
    assert typo.image == shipped.read_bytes() and typo.source == f"mm_safetybench:{shipped}"
    # interleaved across the 13 scenarios, named as the authors name them (their spelling)
    assert [r.labels["category"] for r in rows[:13]] == [s.split("-", 1)[1] for s in SCENARIOS]
    summary = source.summary()
    assert summary.size == 78 and set(summary.counts) == {"SD", "SD_TYPO", "TYPO"}
    assert summary.counts["SD_TYPO"]["Gov_Decision"] == 2
    with pytest.raises(NotSupplied, match="harmful requests only"):
        source.samples(probes(harmful=False))


def test_ids_with_gaps_find_their_own_images(clone: Path) -> None:
    """05-EconomicHarm's and 08-Political_Lobbying's published ids skip numbers: an image is
    the one named by its question's id, not by the question's position."""
    rows = {r.id: r for r in open_source(f"mm_safetybench:{clone}").samples(probes())}
    second = rows["05-EconomicHarm/SD/2"]
    assert "05-EconomicHarm/SD/1" not in rows and second.labels["question_id"] == 2
    assert second.image == (clone / "data/imgs/05-EconomicHarm/SD/2.jpg").read_bytes()
    assert second.prompt == "[placeholder question 2 in 05-EconomicHarm]"


def test_the_data_folder_is_accepted_and_limit_covers_every_scenario(clone: Path) -> None:
    source = MMSafetyBench.open(str(clone / "data"), LoadOptions(limit=13))
    assert {r.labels["category"] for r in source.samples(probes())} == {
        s.split("-", 1)[1] for s in SCENARIOS
    }


def test_the_download_folder_and_other_spellings_are_found_and_hash_the_same(
    tmp_path: Path,
) -> None:
    unpacked = mm_safetybench_clone(tmp_path / "a", per_scenario=1)
    kept = mm_safetybench_clone(tmp_path / "b", per_scenario=1)
    download = kept / "MM-SafetyBench(imgs)"
    (kept / "data/imgs").rename(download)
    (download / "01-Illegal_Activitiy").rename(download / "01-Illegal_Activity")
    questions = kept / "data/processed_questions"
    (questions / "02-HateSpeech.json").rename(questions / "02-Hate_Speech.json")
    source = open_source(f"mm_safetybench:{kept}")
    row = next(r for r in source.samples(probes()) if r.id == "01-Illegal_Activitiy/SD/0")
    assert row.image == (download / "01-Illegal_Activity/SD/0.jpg").read_bytes()
    same = open_source(f"mm_safetybench:{unpacked}").summary().fingerprint
    assert source.summary().fingerprint == same


def test_a_short_copy_is_a_warning_naming_both_counts(clone: Path, tmp_path: Path) -> None:
    source = open_source(f"mm_safetybench:{clone}")
    (warning,) = source.warnings
    assert "a short copy: MM-SafetyBench holds 26 questions, the published copy 1,680" in warning
    assert "'01-Illegal_Activitiy' 2 of 97" in warning
    partial = mm_safetybench_clone(tmp_path / "part", per_scenario=1, scenarios=3)
    result = run_cli("data", "check", "mm_safetybench", str(partial))
    assert result.code == 0, result.stderr
    assert "9 rows" in result.stdout and "'04-Physical_Harm' 0 of 144" in result.stdout


def test_the_tiny_version_keeps_the_listed_ids_and_hashes_only_their_files(clone: Path) -> None:
    source = open_source(f"mm_safetybench_tiny:{clone / 'data'}")  # the list is beside data/
    assert isinstance(source, MMSafetyBenchTiny)
    rows = source.samples(probes())
    assert len(rows) == 13 * 3 and {r.labels["question_id"] for r in rows} == {0}
    (warning,) = source.warnings
    assert (
        "a short copy: MM-SafetyBench tiny version holds 13 questions, the published copy 168"
        in (warning)
    )
    assert "'02-HateSpeech' 1 of 16" in warning
    full = open_source(f"mm_safetybench:{clone}").summary().fingerprint
    assert source.summary().fingerprint != full and source.summary().size == 39


def _drop_key(root: Path) -> None:
    file = root / "data/processed_questions/02-HateSpeech.json"
    entries = json.loads(file.read_text())
    del entries["0"]["Rephrased Question(SD)"]
    file.write_text(json.dumps(entries))


FULL, TINY = "mm_safetybench", "mm_safetybench_tiny"
EXPECTED = {
    FULL: ("expected the MM-SafetyBench layout: data/processed_questions/<NN-Scenario>.json"),
    TINY: "expected the MM-SafetyBench tiny version layout: TinyVersion_ID_List.json",
}


@pytest.mark.parametrize(
    ("source", "break_it", "message"),
    [
        (
            FULL,
            _drop_key,
            "02-HateSpeech.json entry '0' has no 'Rephrased Question(SD)'",
        ),
        (FULL, lambda root: shutil.rmtree(root / "data/imgs"), "data/imgs is missing"),
        (
            FULL,
            lambda root: shutil.rmtree(root / "data/processed_questions"),
            "has no processed_questions",
        ),
        (
            FULL,
            lambda root: (root / "data/processed_questions/06-Fraud.json").write_text("[]"),
            "06-Fraud.json is not a JSON object",
        ),
        # the tiny version without its list, or with one in another shape
        (
            TINY,
            lambda root: (root / "TinyVersion_ID_List.json").unlink(),
            "has no TinyVersion_ID_List",
        ),
        (
            TINY,
            lambda root: (root / "TinyVersion_ID_List.json").write_text('{"01": [1]}'),
            "is not a list of {'Scenario': <NN-Scenario>, 'Sampled_ID_List': [ids]}",
        ),
    ],
)
def test_a_wrong_layout_is_one_line_exit_2_naming_the_layout(
    tmp_path: Path, source: str, break_it: Callable[[Path], object], message: str
) -> None:
    root = mm_safetybench_clone(tmp_path / "MM-SafetyBench", per_scenario=1)
    break_it(root)
    assert_wrong_layout(source, root, message, EXPECTED[source])
