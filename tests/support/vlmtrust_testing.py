"""Test-only helpers: a tiny real Generator and a uvicorn server running in a thread.

``ColourNamer`` is a genuine (if trivial) deterministic vision model: it names the dominant
colour of an image. It lets tests check the transport end to end (the right image reached the
model, answers came back in order) without any randomness or weights. It also records how many
calls ran at once, so a test can prove the server serialises model calls.

Importable as ``vlmtrust_testing``: pytest puts tests/support on the path (pyproject.toml).
"""

from __future__ import annotations

import functools
import io
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import uvicorn
from PIL import Image

PALETTE: dict[str, tuple[int, int, int]] = {
    "red": (220, 30, 30),
    "green": (30, 160, 40),
    "blue": (30, 60, 220),
    "yellow": (240, 220, 40),
    "black": (10, 10, 10),
    "white": (245, 245, 245),
}
NO_IMAGE = "no image"


class ColourNamer:
    """Names the palette colour most pixels are nearest to, or says ``no image``."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s
        self.calls = 0
        self.prompts: list[str] = []
        self.active = 0
        self.max_active = 0
        self._names = list(PALETTE)
        self._colours = np.array(list(PALETTE.values()), dtype=np.float32)
        self._state = threading.Lock()  # guards the counters only, never the model call

    def generate(self, images: Sequence[Image.Image | None], prompts: Sequence[str]) -> list[str]:
        with self._state:
            self.calls += 1
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            self.prompts.extend(prompts)
        try:
            if self.delay_s:
                time.sleep(self.delay_s)  # widen the window in which overlapping calls show
            return [self._name(image) for image in images]
        finally:
            with self._state:
                self.active -= 1

    def _name(self, image: Image.Image | None) -> str:
        if image is None:
            return NO_IMAGE
        pixels = np.asarray(image.convert("RGB"), dtype=np.float32).reshape(-1, 1, 3)
        nearest = np.argmin(((pixels - self._colours) ** 2).sum(axis=-1), axis=1)
        return self._names[int(np.bincount(nearest, minlength=len(self._names)).argmax())]


def solid(name: str, size: tuple[int, int] = (24, 16)) -> Image.Image:
    """An image that is mostly ``name``, with a stripe of another colour to keep it honest."""
    image = Image.new("RGB", size, PALETTE[name])
    other = "black" if name != "black" else "white"
    image.paste(PALETTE[other], (0, 0, size[0], size[1] // 4))
    return image


BOMB_SIDE = 13400  # 13400 x 13400 = 179.6 Mpx, just over Pillow's own refusal ceiling


@functools.cache
def png_bomb(side: int = BOMB_SIDE) -> bytes:
    """A decompression bomb: a one-colour PNG of ``side`` x ``side`` pixels in a few KB.

    1-bit, because deflate compresses at most ~1000:1, so the 179 Mpx of an 8-bit ("L") image
    need 174 KB, while 1 bit per pixel packs them into ~22 KB. Built once per session (it costs
    ~180 MB for a second here); decoded it would be 539 MB as RGB.
    """
    image = Image.new("1", (side, side))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Run ``app`` with uvicorn on a free 127.0.0.1 port in a thread; yield its ``/v1`` URL."""
    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def free_port() -> int:
    """A port nobody listens on (bound, read, released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def run_task_directly(
    task_name: str,
    model: Any,
    params: dict[str, Any] | None = None,
    samples: Any = None,
    mitigation: str = "none",
) -> list[Any]:
    """Samples -> resolve -> score (one batch) -> aggregate, without a store: the rows a scan
    would produce for the clean condition, for tests that need several models quickly."""
    from vlmtrust.core.spec import Spec
    from vlmtrust.tasks.base import DataContext, build_task

    task = build_task(Spec(name=task_name, params=params or {}))
    chosen = list(samples) if samples is not None else task.samples(DataContext())
    resolved = task.resolve(chosen)
    by_attack = {}
    for condition in resolved.conditions():
        from vlmtrust.attacks.base import build_attack

        attack = build_attack(condition)
        attacked = attack.apply_batch(chosen, model)
        by_attack[attack.label] = [s for per in resolved.score(model, attacked) for s in per]
    return list(resolved.aggregate(by_attack, mitigation, "test-model"))


def report_rows(run_dir: Any) -> list[dict[str, Any]]:
    """The metric rows of ``vlmtrust report RUN --format json``: what users and CI gates read."""
    import json

    from typer.testing import CliRunner

    from vlmtrust.cli.main import app

    result = CliRunner().invoke(app, ["report", str(run_dir), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)["rows"]
    return rows


def caption_folder(path: Any, samples: Any, member: Any = None, columns: Any = None) -> Any:
    """An image folder with labels.jsonl (file, caption and, given ``member(i)``, a member
    flag), as a user brings one for ``--data`` or a trainer's ``train_data``; ``columns``
    (``{column: function of (i, sample)}``) adds more, e.g. a label or a negative caption."""
    import json

    path.mkdir()
    rows = []
    for i, sample in enumerate(samples):
        sample.load_image().save(path / f"{i}.png")
        row = {"file": f"{i}.png", "caption": sample.labels["caption"]}
        if member is not None:
            row["member"] = member(i)
        for name, value in (columns or {}).items():
            row[name] = value(i, sample)
        rows.append(row)
    (path / "labels.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def scan_trains_once(config: Any, capsys: Any) -> list[Any]:
    """Run ``config`` twice: the first run trains its mitigations (a "training ..." line), the
    second finds every artifact in the cache and trains nothing; the second run's rows."""
    from vlmtrust.runner import run

    run(config)
    assert "training " in capsys.readouterr().err
    rows = list(run(config.model_copy(update={"out": config.out.with_name("again")})).metrics)
    assert "training " not in capsys.readouterr().err
    return rows


def hf_zero_shot(checkpoint: Any, tmp_path: Any, mitigation: str) -> Any:
    """A zero-shot scan of an hf: dual encoder on 4 world scenes with ``mitigation``."""
    from vlmtrust.core.config import RunConfig
    from vlmtrust.core.spec import Spec

    return RunConfig(
        model=f"hf:{checkpoint}",
        tasks=(Spec(name="robustness.zero_shot"),),
        limit=4,
        mitigations=(mitigation,),
        out=tmp_path / "run",
        show_progress=False,
    )


def cached_card(model: str, mitigation: str) -> dict[str, Any]:
    """The card of ``mitigation``'s artifact for ``model``, found in the cache (a scan trained
    it); a miss fails instead of training."""
    from vlmtrust.core.spec import parse_spec
    from vlmtrust.mitigations.base import build_mitigation
    from vlmtrust.models.base import resolve_model
    from vlmtrust.store.artifacts import ArtifactCache

    handle = resolve_model(model)
    trainer: Any = build_mitigation(parse_spec(mitigation))
    card = ArtifactCache().card(trainer.artifact_key(handle))
    assert card is not None, f"{mitigation} was not trained for {model}"
    return dict(card)


def prompt_folder(path: Any, rows: Sequence[tuple[Image.Image, dict[str, Any]]]) -> Any:
    """An image folder with labels.jsonl: one (image, columns) pair per row (``prompt`` and
    the flags a generator trainer's ``train_data`` reads: ``forget``, ``harmful``)."""
    import json

    path.mkdir()
    lines = []
    for i, (image, columns) in enumerate(rows):
        image.save(path / f"{i}.png")
        lines.append(json.dumps({"file": f"{i}.png", **columns}) + "\n")
    (path / "labels.jsonl").write_text("".join(lines))
    return path


#: libraries too heavy for start-up: a command that does not use them must not import them
HEAVY_LIBRARIES = ("sklearn", "scipy", "pandas", "matplotlib")


def imported_after(code: str, modules: Sequence[str]) -> list[str]:
    """Which of ``modules`` (and their submodules) a fresh interpreter holds after running
    ``code``: a lazy import made eager again shows here, without timing anything."""
    import json
    import subprocess
    import sys

    check = (
        f"{code}\nimport json, sys\n"
        f"wanted = {list(modules)!r}\n"
        "print(json.dumps(sorted(w for w in wanted if any(m == w or m.startswith(w + '.') "
        "for m in sys.modules))))\n"
    )
    out = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True)
    found: list[str] = json.loads(out.stdout.strip().splitlines()[-1])
    return found
