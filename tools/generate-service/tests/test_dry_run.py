"""``--dry-run`` shows the tree and every file it would touch, and writes nothing."""

from __future__ import annotations

from pathlib import Path

from aurora_generator.testing import run_cli, tree_of


def test_dry_run_lists_every_file_and_writes_nothing(repo: Path) -> None:
    before = tree_of(repo)

    result = run_cli(repo, "user-service", "8005", "--dry-run")

    assert result.code == 0, result.err
    assert tree_of(repo) == before
    assert "services/user-service/ (would create, " in result.out
    for name in [
        "BUILD",
        "Dockerfile",
        "main.py",
        "0001_initial.py",
        "deployment.yaml",
        ".copier-answers.yml",
    ]:
        assert f"── {name}\n" in result.out, name
    assert "services.yml: would register user-service on port 8005" in result.out
    assert "docker-compose.yml: would add service user-service" in result.out
    assert "nothing was written" in result.out


def test_dry_run_of_a_refused_request_is_still_refused(repo: Path) -> None:
    result = run_cli(repo, "subject-service", "8005", "--dry-run")

    assert result.code != 0
    assert "already exists" in result.err


def test_dry_run_update_plans_without_writing(repo: Path) -> None:
    routes = repo / "services/subject-service/src/subject_service/routes.py"
    routes.write_text(routes.read_text() + "# a local edit\n")
    (repo / "services/subject-service/src/subject_service/settings.py").unlink()
    before = tree_of(repo)

    result = run_cli(repo, "update", "subject-service", "--dry-run")

    assert result.code == 0, result.err
    assert tree_of(repo) == before
    assert "dry run" in result.out
    assert "nothing to do" in result.out  # same template: local edits are not undone


def test_the_tree_lists_directories_before_files(empty_repo: Path) -> None:
    result = run_cli(empty_repo, "user-service", "8005", "--dry-run")

    lines = result.out.splitlines()
    top = [line for line in lines if line.startswith(("├── ", "└── "))]
    assert top[0] == "├── k8s/"
    assert top[-1] == "└── ruff.toml"
