"""Which condition runs first on --data: the rows as given (``none``), or, for a benchmark that
ships its own attack (every row carries a published prompt), that attack (``published``)."""

from vlmtrust.core.records import Sample
from vlmtrust.data.source import PUBLISHED_PROMPT
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
