"""``vlmtrust list``: every zoo organism; ``list NAME``: a plugin's parameters, or the closest
names for a typo (one line, exit 2)."""

from typer.testing import CliRunner

from vlmtrust.cli.main import app

runner = CliRunner()


def test_list_names_every_zoo_organism_with_its_description():
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    for organism in [
        "clip",
        "clip-fair",
        "clip-clean",
        "assistant",
        "assistant-sanitized",
        "assistant-chat",
        "assistant-chat-twin",
    ]:
        (line,) = [x for x in lines if x.split()[:1] == [f"zoo:{organism}"]]
        assert len(line.split()) > 3, line  # a description follows the name


def test_list_name_shows_each_parameter_with_type_default_and_description():
    result = runner.invoke(app, ["list", "fairness.retrieval_skew"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "fairness.retrieval_skew (task): neutral text queries" in out
    (k_row,) = [line for line in out.splitlines() if line.startswith("│ k ")]
    assert "int" in k_row and "10" in k_row and "top-k cut-off" in k_row
    assert "tuple[str, ...] | None" in out  # a generic type is shown whole, not as markup


def test_list_name_covers_attacks_mitigations_data_sources_and_judges():
    for name, needle in [
        ("pgd", "Literal['linf', 'l2']"),
        ("debias_projection", "(mitigation)"),
        ("world", "expects: no path"),
        ("llama_guard", "(required)"),
    ]:
        result = runner.invoke(app, ["list", name])
        assert result.exit_code == 0, result.output
        assert needle in result.stdout, (name, result.stdout)


def test_list_unknown_name_is_one_line_with_the_closest_names_and_the_fix():
    result = runner.invoke(app, ["list", "debias_projectoin"])
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert "\n" not in message and message.startswith("error: no plugin named 'debias_projectoin'")
    assert "did you mean debias_projection" in message and "run `vlmtrust list`" in message


def test_a_bad_parameter_points_at_list_name_which_shows_it():
    from vlmtrust.core.errors import ConfigError
    from vlmtrust.core.spec import Spec, validate_params
    from vlmtrust.tasks.robustness.zero_shot import ZeroShot

    try:
        validate_params(ZeroShot.Params, Spec(name="robustness.zero_shot", params={"n": "x"}))
    except ConfigError as err:
        assert "`vlmtrust list robustness.zero_shot` shows its parameters" in str(err)
        shown = runner.invoke(app, ["list", "robustness.zero_shot"])
        assert "│ n " in shown.stdout
    else:
        raise AssertionError("a non-integer n must be refused")


def test_list_name_of_a_data_source_says_what_it_reads_and_where_to_get_it():
    result = runner.invoke(app, ["list", "figstep_safebench"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "figstep_safebench (data source): FigStep's SafeBench" in out
    assert "  get it: git clone https://github.com/ThuCCSLab/FigStep" in out
    assert "  licence: MIT" in out and "parameter" not in out
