"""Every refusal: one line on stderr, a non-zero exit, and not a byte written."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml

from aurora_generator.cli import EXIT_REFUSED, EXIT_USAGE, main
from aurora_generator.testing import run_cli, tree_of

EXISTING, EXISTING_PORT = "subject-service", 8002  # what the `repo` fixture holds

REFUSALS = {
    "not kebab-case (underscore)": (["user_service", "8005"], "is not kebab-case"),
    "not kebab-case (capitals)": (["User-Service", "8005"], "is not kebab-case"),
    "not kebab-case (double hyphen)": (["user--service", "8005"], "is not kebab-case"),
    "not kebab-case (leading digit)": (["9-service", "8005"], "is not kebab-case"),
    "too long": (["-".join(["abcdefghij"] * 5), "8005"], "characters long"),
    "reserved: aurora": (["aurora", "8005"], "reserved"),
    "reserved: an aurora lib": (["aurora-db", "8005"], "reserved"),
    "reserved: the aurora prefix": (["aurora-users", "8005"], "reserved"),
    "reserved: a lib name": (["events", "8005"], "reserved"),
    "reserved: test": (["test", "8005"], "reserved"),
    "reserved: compose infrastructure": (["postgres", "8005"], "reserved"),
    "reserved: python keyword": (["class", "8005"], "Python keyword"),
    "reserved: stdlib module": (["json", "8005"], "standard library"),
    "reserved: third-party module": (["fastapi", "8005"], "shadow"),
    "port below 1024": (["user-service", "80"], "outside 1024-65535"),
    "port above 65535": (["user-service", "70000"], "outside 1024-65535"),
    "port not a number": (["user-service", "http"], "is not a number"),
    "port used by a registered service": (["user-service", str(EXISTING_PORT)], EXISTING),
    "port published by compose infrastructure": (["user-service", "5432"], "postgres"),
    "service already exists": ([EXISTING, "8005"], "already exists"),
    "unknown --with value": (["user-service", "8005", "--with", "db,kafka"], "'kafka'"),
    "events without db": (["user-service", "8005", "--with", "events"], "needs db"),
    "title with a newline": (["user-service", "8005", "--title", "User\nService"], "one line"),
    "title with a double quote": (["user-service", "8005", "--title", 'The "User"'], "quotes"),
    "description with a dollar": (["user-service", "8005", "--description", "Costs $5"], "or $"),
    "empty description": (["user-service", "8005", "--description", " "], "empty"),
    "resource not kebab-case": (["user-service", "8005", "--resource", "Users!"], "resource"),
    "resource shadowing an import": (["user-service", "8005", "--resource", "base"], "collides"),
    "update of a missing service": (["update", "nobody-service"], "does not exist"),
    "template version not in git": (
        ["user-service", "8005", "--template-version", "0.9.0"],
        "not in git history",
    ),
}


@pytest.mark.parametrize(("args", "reason"), REFUSALS.values(), ids=REFUSALS.keys())
def test_refusal_is_one_line_and_writes_nothing(repo: Path, args: list[str], reason: str) -> None:
    before = tree_of(repo)

    result = run_cli(repo, *args)

    assert result.code == EXIT_REFUSED
    assert len(result.err_lines) == 1, result.err
    assert result.err.startswith("generate-service: refused: ")
    assert reason in result.err
    assert result.out == ""
    assert tree_of(repo) == before


def test_a_registered_name_without_its_directory_is_refused(repo: Path) -> None:
    registry = yaml.safe_load((repo / "services.yml").read_text())
    registry["services"]["ghost-service"] = {"port": 8100, "url": "http://127.0.0.1:8100"}
    (repo / "services.yml").write_text(yaml.safe_dump(registry))
    before = tree_of(repo)

    result = run_cli(repo, "ghost-service", "8101")

    assert (result.code, len(result.err_lines)) == (EXIT_REFUSED, 1)
    assert "already registered" in result.err
    assert tree_of(repo) == before


def test_update_of_a_service_the_generator_did_not_make_is_refused(repo: Path) -> None:
    (repo / "services" / "handmade-service").mkdir()
    before = tree_of(repo)

    result = run_cli(repo, "update", "handmade-service")

    assert (result.code, len(result.err_lines)) == (EXIT_REFUSED, 1)
    assert ".copier-answers.yml" in result.err
    assert tree_of(repo) == before


def test_force_on_a_service_the_generator_did_not_make_is_refused(repo: Path) -> None:
    (repo / "services" / "handmade-service").mkdir()

    result = run_cli(repo, "handmade-service", "8100", "--force")

    assert (result.code, len(result.err_lines)) == (EXIT_REFUSED, 1)


@pytest.mark.parametrize(
    "args",
    [["user-service"], [], ["update", EXISTING, "extra-service"], ["user-service", "1", "2"]],
    ids=["no port", "nothing", "update with a name", "too many arguments"],
)
def test_usage_errors_are_one_line_too(repo: Path, args: list[str]) -> None:
    before = tree_of(repo)

    result = run_cli(repo, *args)

    assert result.code == EXIT_USAGE
    assert len(result.err_lines) == 1, result.err
    assert tree_of(repo) == before


def test_outside_a_pants_repo_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    err = io.StringIO()

    code = main(["user-service", "8005"], out=io.StringIO(), err=err)

    assert code == EXIT_REFUSED
    assert "pants.toml" in err.getvalue()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("file", "content", "reason"),
    [
        ("services.yml", "services: [a, b]\n", "services.yml"),
        ("services.yml", "services: {x: {port: [1]}}\n", "no valid port"),
        ("services.yml", "services: {\n", "not valid YAML"),
        ("docker-compose.yml", "version: '3'\n", "docker-compose.yml"),
    ],
    ids=[
        "registry not a mapping",
        "registry entry without port",
        "registry not YAML",
        "compose without services",
    ],
)
def test_a_broken_repo_file_is_refused_not_overwritten(
    repo: Path, file: str, content: str, reason: str
) -> None:
    (repo / file).write_text(content)
    before = tree_of(repo)

    result = run_cli(repo, "user-service", "8005")

    assert (result.code, len(result.err_lines)) == (EXIT_REFUSED, 1), result.err
    assert reason in result.err
    assert tree_of(repo) == before


@pytest.mark.parametrize(
    "ports",
    [["127.0.0.1:9000:80"], ["9000:80"], [{"published": 9000, "target": 80}]],
    ids=["host ip", "short", "long syntax"],
)
def test_a_port_published_by_any_compose_service_is_refused(
    repo: Path, ports: list[object]
) -> None:
    compose = yaml.safe_load((repo / "docker-compose.yml").read_text())
    compose["services"]["grafana"] = {"image": "grafana/grafana", "ports": ports}
    (repo / "docker-compose.yml").write_text(yaml.safe_dump(compose))

    result = run_cli(repo, "user-service", "9000")

    assert (result.code, len(result.err_lines)) == (EXIT_REFUSED, 1)
    assert "grafana" in result.err
