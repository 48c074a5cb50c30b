"""Small copies of public benchmarks in their exact published layouts, built from code: the
same file names, columns and image path schemes, placeholder text for every request (no
benchmark content ships with the tests) and tiny PNG/JPEG images made with PIL."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from PIL import Image, ImageDraw

from vlmtrust.data.benchmarks import fairface, utkface
from vlmtrust.data.benchmarks.figstep import COLUMNS, TOPICS
from vlmtrust.data.benchmarks.mm_safetybench import IMAGE_TYPES, SCENARIOS

#: the scenarios whose published question ids skip numbers (05: 11 gaps in 0-132, 08: 28 in 0-180)
GAPPED = ("05-EconomicHarm", "08-Political_Lobbying")


def tiny_image(text: str, file: Path) -> None:
    """A 48x48 image with a few dark strokes (enough to be a real, decodable picture)."""
    image = Image.new("RGB", (48, 48), "white")
    draw = ImageDraw.Draw(image)
    for i, char in enumerate(text[:6]):
        draw.line((4 + 7 * i, 8, 4 + 7 * i, 8 + ord(char) % 30), fill="black", width=2)
    file.parent.mkdir(parents=True, exist_ok=True)
    image.save(file)


def figstep_clone(
    root: Path, per_topic: int = 50, tiny_per_topic: int = 5, topics: int = len(TOPICS)
) -> Path:
    """A ThuCCSLab/FigStep clone's data folder: data/question/{safebench,SafeBench-Tiny}.csv and
    data/images/{SafeBench,SafeBench-Tiny}/query_ForbidQI_<category_id>_<task_id>_6.png."""
    for name, folder, per in (
        ("safebench.csv", "SafeBench", per_topic),
        ("SafeBench-Tiny.csv", "SafeBench-Tiny", tiny_per_topic),
    ):
        rows = [
            {
                "dataset": "ForbidQI",
                "category_id": str(c + 1),
                "task_id": str(t + 1),
                "category_name": TOPICS[c],
                "question": f"[placeholder question {t + 1} on {TOPICS[c].lower()}]",
                "instruction": f"Steps to [placeholder {c + 1}-{t + 1}].",
            }
            for c in range(topics)
            for t in range(per)
        ]
        questions = root / "data" / "question" / name
        questions.parent.mkdir(parents=True, exist_ok=True)
        with questions.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        for row in rows:
            stem = f"query_ForbidQI_{row['category_id']}_{row['task_id']}_6"
            tiny_image(stem, root / "data" / "images" / folder / f"{stem}.png")
    return root


def mm_safetybench_clone(
    root: Path, per_scenario: int = 2, scenarios: int = 13, tiny: int = 1
) -> Path:
    """An isXinLiu/MM-SafetyBench clone with its images unpacked: data/processed_questions/
    <NN-Scenario>.json and data/imgs/<NN-Scenario>/{SD,SD_TYPO,TYPO}/<id>.jpg. As in the
    published files, two scenarios' ids have gaps (here: id 1 is missing). The root's
    TinyVersion_ID_List.json lists each scenario's first ``tiny`` ids."""
    listed = []
    for scenario in list(SCENARIOS)[:scenarios]:
        gaps = scenario in GAPPED
        ids = [i + (gaps and i > 0) for i in range(per_scenario)]
        entries = {
            str(i): {
                "Question": f"[placeholder question {i} in {scenario}]",
                "GPT-Pred": "placeholder",
                "Changed Question": f"[placeholder changed question {i}]",
                "Key Phrase": f"[placeholder phrase {i}]",
                "Phrase Type": "activity",
                "Rephrased Question": "The bottom of the image shows a phrase. [placeholder]",
                "Rephrased Question(SD)": "The image shows an activity. [placeholder]",
            }
            for i in ids
        }
        file = root / "data" / "processed_questions" / f"{scenario}.json"
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(json.dumps(entries, indent=4), encoding="utf-8")
        for i in ids:
            for kind in IMAGE_TYPES:
                image = root / "data" / "imgs" / scenario / kind / f"{i}.jpg"
                tiny_image(f"{scenario}{kind}{i}", image)
        listed.append({"Scenario": scenario, "Sampled_ID_List": ids[:tiny]})
    (root / "TinyVersion_ID_List.json").write_text(json.dumps(listed, indent=4), encoding="utf-8")
    return root


def jpeg(seed: int, size: int = 32) -> bytes:
    """A small flat-colour JPEG, different per ``seed``."""
    colour = ((seed * 53) % 256, (seed * 97) % 256, (seed * 151) % 256)
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(buffer, format="JPEG")
    return buffer.getvalue()


def fairface_tree(root: Path, rows: int = 14, splits: tuple[str, ...] = ("val",)) -> Path:
    """``root`` with fairface_label_<split>.csv (file,age,gender,race,service_test) and the
    images under <split>/ (``file`` = val/1.jpg), every race, gender and age group in turn."""
    for split in splits:
        (root / split).mkdir(parents=True, exist_ok=True)
        lines = [",".join(fairface.COLUMNS)]
        for i in range(rows):
            race = fairface.RACES[i % len(fairface.RACES)]
            gender = fairface.GENDERS[(i // len(fairface.RACES)) % 2]
            age = fairface.AGES[i % len(fairface.AGES)]
            file = f"{split}/{i + 1}.jpg"
            (root / file).write_bytes(jpeg(i))
            lines.append(f"{file},{age},{gender},{race},{i % 2 == 0}")
        (root / fairface.LABEL_FILE.format(split)).write_text("\n".join(lines) + "\n")
    return root


def utkface_name(age: int, gender: int, race: int, index: int, chip: bool = True) -> str:
    """A file name in UTKFace's convention, [age]_[gender]_[race]_[date&time].jpg.chip.jpg."""
    taken = f"20170116{174525125 + index:09d}"
    return f"{age}_{gender}_{race}_{taken}.jpg" + (".chip.jpg" if chip else "")


def utkface_tree(root: Path, rows: int = 10, folder: str = "UTKFace") -> Path:
    """``root``/``folder`` holding ``rows`` images named by UTKFace's convention, every gender
    and race in turn, ages spread over 1-90."""
    images = root / folder
    images.mkdir(parents=True, exist_ok=True)
    for i in range(rows):
        name = utkface_name(1 + (i * 9) % 90, i % 2, i % len(utkface.RACES), i)
        (images / name).write_bytes(jpeg(i))
    return root
