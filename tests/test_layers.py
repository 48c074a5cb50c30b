"""The zoo's recipes stay out of sight: no module outside ``zoo/`` and ``models/zoo/`` names
``vlmtrust.zoo`` at all (import-linter checks imports; this checks the text, as the
architecture issue's acceptance grep does)."""

from pathlib import Path

import vlmtrust

ROOT = Path(vlmtrust.__file__).parent


def test_only_the_zoo_and_the_organisms_name_the_zoo_recipes():
    allowed = (ROOT / "zoo", ROOT / "models" / "zoo")
    naming = [
        path.relative_to(ROOT)
        for path in ROOT.rglob("*.py")
        if not any(path.is_relative_to(folder) for folder in allowed)
        and "vlmtrust.zoo" in path.read_text(encoding="utf-8")
    ]
    assert naming == []
