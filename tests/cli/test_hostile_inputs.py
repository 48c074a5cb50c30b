"""Property-based: random malformed images, tables and specs thrown at the loaders and the CLI.

Whatever the input, ``vlmtrust`` exits 0 or 2, never prints a traceback, prints a user error on
one line, and never creates or changes a file outside ``--out``. Derandomized, so CI sees the
same examples every run; the example count is bounded to keep the default suite fast.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import tempfile
from pathlib import Path

from cli_run import CliResult, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

CAP = "4096"  # --max-image-pixels: a 100x100 "bomb" is over it and costs nothing
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _encoded(kind: str) -> bytes:
    buf = io.BytesIO()
    if kind == "good":
        Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, format="PNG")
    elif kind == "sixteen":
        Image.new("I;16", (8, 8), 40000).save(buf, format="PNG")
    elif kind == "bomb":
        Image.new("L", (100, 100)).save(buf, format="PNG", optimize=True)
    elif kind == "cmyk":
        Image.new("CMYK", (8, 8), (0, 255, 255, 0)).save(buf, format="JPEG")
    elif kind == "rgba":
        Image.new("RGBA", (8, 8), (0, 0, 0, 0)).save(buf, format="PNG")
    elif kind == "gif":
        frames = [Image.new("P", (8, 8), i) for i in range(2)]
        frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:])
    elif kind == "truncated":
        Image.effect_noise((16, 16), 40).save(buf, format="PNG")
        return buf.getvalue()[:60]
    elif kind == "garbage":
        return b"\x89PNG\r\n\x1a\nthis is not an image"
    return buf.getvalue()


FILE_NAMES = st.one_of(
    st.sampled_from(
        [
            "a.png",
            "sub/b.png",
            "../outside.png",
            "OUTSIDE_ABS",
            "link-out.png",
            "sub/../../outside.png",
            "/etc/hostname",
            "",
            "sub",
            ".",
            "..",
            "nul\x00.png",
            "ü ñ $x$.png",
        ]
    ),
    st.text(alphabet="ab./\\~$=\"',\n", max_size=8),
)
IMAGES = st.sampled_from(
    ["good", "good", "sixteen", "bomb", "cmyk", "rgba", "gif", "truncated", "garbage", "none"]
)
CELLS = st.one_of(
    st.sampled_from(["circle", "square", "=1+2", "$\\undefinedmacro{x}$", "-", '"', "a,b"]),
    st.text(max_size=6),
)
ROWS = st.lists(st.tuples(FILE_NAMES, IMAGES, CELLS, CELLS), min_size=0, max_size=5)
DAMAGE = st.sampled_from(
    [None] * 6 + ["unterminated_quote", "stray_quote", "extra_cells", "bad_utf8", "no_header"]
)


def _snapshot(root: Path, out: Path) -> dict[str, str]:
    """Every path under ``root`` but ``out``, with its content hash: nothing may change."""
    seen = {}
    for path in sorted(root.rglob("*")):
        if path == out or out in path.parents:
            continue
        if path.is_symlink() or not path.is_file():
            seen[str(path)] = "dir-or-link"
        else:
            seen[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return seen


def _build(root: Path, rows, fmt: str, damage: str | None) -> Path:
    data = root / "data"
    (data / "sub").mkdir(parents=True)
    Image.new("RGB", (8, 8), (0, 0, 255)).save(root / "outside.png")
    (data / "link-out.png").symlink_to(root / "outside.png")
    lines = []
    for name, kind, label, group in rows:
        name = str(root / "outside.png") if name == "OUTSIDE_ABS" else name
        simple = name and "\x00" not in name and ".." not in name and not name.startswith("/")
        if simple and kind != "none":
            target = data / name
            if not target.exists() and target.parent.is_dir() and target.parent != target:
                with contextlib.suppress(OSError):
                    target.write_bytes(_encoded(kind))
        lines.append({"file": name, "label": label, "group_g": group})
    if fmt == "jsonl":
        text = "".join(json.dumps(r) + "\n" for r in lines)
        if damage:
            text += '{"file": "a.png", "label": \n'
        (data / "labels.jsonl").write_text(text)
        return data
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=["file", "label", "group_g"])
    if damage != "no_header":
        writer.writeheader()
    writer.writerows(lines)
    text = buf.getvalue()
    if damage == "unterminated_quote":
        text += 'a.png,"never closed\na.png,x,y\n'
    elif damage == "stray_quote":
        text += 'a.png,x"y"z,q\n'
    elif damage == "extra_cells":
        text += "a.png,x,y,z,w\n"
    raw = text.encode("utf-8") + (b"\xff\xfe bad\n" if damage == "bad_utf8" else b"")
    (data / "labels.csv").write_bytes(raw)
    return data


def _check(result: CliResult, root: Path, before: dict[str, str], out: Path) -> None:
    printed = result.stdout + result.stderr
    assert result.code in (0, 2), printed
    assert "Traceback" not in printed, printed
    if result.code == 2:
        errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1, result.stderr
    assert _snapshot(root, out) == before


@SETTINGS
@given(rows=ROWS, fmt=st.sampled_from(["csv", "jsonl"]), damage=DAMAGE)
def test_scanning_hostile_datasets_fails_cleanly_and_writes_only_under_out(rows, fmt, damage):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        data = _build(root, rows, fmt, damage)
        out = root / "run"
        before = _snapshot(root, out)
        task = "robustness.zero_shot:label=label,corruptions=[]"
        result = run_cli(
            "scan", "--model", "zoo:clip", "--task", task, "--data", str(data),
            "--out", str(out), "--limit", "4", "--quiet", "--on-bad-data", "skip",
            "--max-image-pixels", CAP,
        )  # fmt: skip
        _check(result, root, before, out)
        if result.code == 2:
            assert not out.exists()  # nothing half-written


@SETTINGS
@given(rows=ROWS, fmt=st.sampled_from(["csv", "jsonl"]), damage=DAMAGE)
def test_sanitizing_hostile_datasets_writes_only_under_out(rows, fmt, damage):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        data = _build(root, rows, fmt, damage)
        out = root / "clean"
        before = _snapshot(root, out)
        result = run_cli(
            "sanitize", str(data), "--out", str(out), "--no-ocr", "--no-faces", "--quiet",
            "--on-bad-data", "skip", "--max-image-pixels", CAP,
        )  # fmt: skip
        _check(result, root, before, out)


SPEC_TEXT = st.text(alphabet="abz019.:=,[]{}\"' -+$\\/", max_size=16)


@SETTINGS
@given(
    task=st.one_of(
        SPEC_TEXT,
        st.builds(lambda v: f"robustness.zero_shot:template={v}", SPEC_TEXT),
        st.builds(lambda v: f"robustness.zero_shot:n={v}", SPEC_TEXT),
        st.builds(lambda v: f"robustness.zero_shot:corruptions={v}", SPEC_TEXT),
    ),
    option=st.sampled_from(
        ["--limit", "--batch-size", "--fail-on", "--mitigate", "--seed", "--max-image-pixels"]
    ),
    value=st.one_of(
        st.integers(-3, 40).map(str),
        st.sampled_from(["robustness.zero_shot.accuracy<0.5", "a.b>1e999", "pbm", "guard+x"]),
        SPEC_TEXT,
    ),
)
def test_hostile_specs_and_options_are_one_line_errors(task, option, value):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        out = root / "run"
        before = _snapshot(root, out)
        result = run_cli(
            "scan", "--model", "zoo:clip", "--task", task, "--out", str(out), "--limit", "2",
            "--quiet", option, value,
        )  # fmt: skip
        _check(result, root, before, out)
        if result.code == 2:
            assert not out.exists()
