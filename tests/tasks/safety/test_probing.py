"""Which condition runs first on --data: the rows as given (``none``), or, for a benchmark that
ships its own attack (every row carries a published prompt), that attack (``published``); rows
whose request is about their own image run under that attack alone unless attacks are named."""

from vlmtrust.core.records import Sample
from vlmtrust.data.source import ABOUT_ITS_IMAGE, PUBLISHED_PROMPT
from vlmtrust.tasks.safety.probing import with_as_given

ATTACKS = ("text_only", "figstep")


def _row(i: int, published: bool) -> Sample:
    labels = {PUBLISHED_PROMPT: "complete the list."} if published else {}
    return Sample(id=f"r{i}", prompt="q", labels={"harmful": True, **labels})


def test_a_benchmark_shipping_its_attack_runs_it_first_instead_of_the_rows_as_given():
    assert with_as_given(ATTACKS, [_row(0, True), _row(1, True)]) == ("published", *ATTACKS)
    assert with_as_given(("published", *ATTACKS), [_row(0, True)]) == ("published", *ATTACKS)


def test_a_users_rows_run_as_given_first():
    assert with_as_given(ATTACKS, [_row(0, False)]) == ("none", *ATTACKS)
    assert with_as_given(ATTACKS, [_row(0, True), _row(1, False)]) == ("none", *ATTACKS)
    assert with_as_given(ATTACKS) == ("none", *ATTACKS)


def _about_its_image(i: int) -> Sample:
    labels = {PUBLISHED_PROMPT: "who is in this image?", ABOUT_ITS_IMAGE: True}
    return Sample(id=f"v{i}", prompt="who is in this image?", labels={"harmful": True, **labels})


def test_rows_about_their_own_image_run_only_the_published_attack_unless_attacks_are_named():
    rows = [_about_its_image(0), _about_its_image(1)]
    assert with_as_given(ATTACKS, rows, defaults=ATTACKS) == ("published",)
    # named attacks (not the task's defaults) still run, after the benchmark's own
    assert with_as_given(("text_only",), rows, defaults=ATTACKS) == ("published", "text_only")
    # one row whose request stands without its image: every attack means something again
    assert with_as_given(ATTACKS, [*rows, _row(2, True)], defaults=ATTACKS) == (
        "published",
        *ATTACKS,
    )
