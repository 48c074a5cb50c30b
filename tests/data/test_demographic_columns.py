"""A FairFace-style CSV (file, age, gender, race) is group-annotated with no renaming."""

from pathlib import Path

from vlmtrust.data import load_data, world


def test_fairface_style_csv_maps_demographics_to_groups(tmp_path: Path) -> None:
    samples = world.generate(seed=5, n=2, family="people")
    lines = ["file,age,gender,race,service_test"]
    for sample, (age, gender, race) in zip(
        samples, [("20-29", "Male", "East Asian"), ("50-59", "Female", "Black")], strict=True
    ):
        (tmp_path / f"{sample.id}.png").write_bytes(sample.image or b"")
        lines.append(f"{sample.id}.png,{age},{gender},{race},True")
    (tmp_path / "labels.csv").write_text("\n".join(lines) + "\n")

    first, second = load_data(tmp_path).samples
    assert first.groups == {"age": "20-29", "gender": "Male", "race": "East Asian"}
    assert second.groups == {"age": "50-59", "gender": "Female", "race": "Black"}
    # still labels too, so a zero-shot task can predict them; other columns stay labels only
    assert first.labels["gender"] == "Male" and first.labels["service_test"] == "True"
    assert "service_test" not in first.groups


def test_explicit_group_column_wins_over_a_demographic_label(tmp_path: Path) -> None:
    sample = world.generate(seed=5, n=1, family="people")[0]
    (tmp_path / "a.png").write_bytes(sample.image or b"")
    (tmp_path / "labels.csv").write_text("file,group_gender,gender\na.png,F,Female\n")
    (loaded,) = load_data(tmp_path).samples
    assert loaded.groups == {"gender": "F"} and loaded.labels["gender"] == "Female"
