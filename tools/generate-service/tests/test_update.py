"""``--update`` and ``--force``: a newer template merged in, local edits kept, conflicts shown."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from importlib.resources import as_file, files
from pathlib import Path

import pytest
import yaml

from aurora_generator.cli import EXIT_CONFLICTS
from aurora_generator.generator import SNAPSHOT_DIR
from aurora_generator.testing import run_cli, tree_of

SERVICE = Path("services/subject-service")
ROUTES = SERVICE / "src/subject_service/routes.py"
ROUTES_TEMPLATE = Path("src/__pkg__/routes.py.jinja")


@pytest.fixture()
def template_dir(tmp_path: Path) -> Path:
    """An editable copy of the bundled template tree."""
    with as_file(files("aurora_generator") / "templates" / "service") as bundled:
        return Path(shutil.copytree(bundled, tmp_path / "template"))


def edit(path: Path, change: Callable[[str], str]) -> None:
    text = path.read_text()
    changed = change(text)
    assert changed != text, f"the edit of {path} changed nothing"
    path.write_text(changed)


def test_update_from_the_same_template_changes_nothing(repo: Path) -> None:
    before = tree_of(repo)

    result = run_cli(repo, "--update", "subject-service")

    assert result.code == 0, result.err
    assert tree_of(repo) == before


def test_a_template_change_merges_into_an_edited_file(repo: Path, template_dir: Path) -> None:
    # The user edits the top of routes.py; the template changes its last function.
    edit(repo / ROUTES, lambda text: text.replace('"""The subjects API', '"""Our subjects API', 1))
    edit(
        template_dir / ROUTES_TEMPLATE,
        lambda text: text.replace('"""Delete {{ a_resource }}."""', '"""Delete one."""', 1),
    )

    result = run_cli(repo, "--update", "subject-service", "--template-dir", str(template_dir))

    assert result.code == 0, result.err
    routes = (repo / ROUTES).read_text()
    assert '"""Our subjects API' in routes  # the local edit survived
    assert '"""Delete one."""' in routes  # the template change arrived
    assert "merge" in result.out
    base = (repo / SERVICE / SNAPSHOT_DIR / "src/subject_service/routes.py").read_text()
    assert '"""Delete one."""' in base and '"""Our subjects API' not in base
    answers = yaml.safe_load((repo / SERVICE / ".aurora-template.yml").read_text())
    assert answers["template_version"].endswith("+local")


def test_conflicting_changes_are_marked_and_reported(repo: Path, template_dir: Path) -> None:
    edit(repo / ROUTES, lambda text: text.replace('"""Delete a subject."""', '"""Remove it."""'))
    edit(
        template_dir / ROUTES_TEMPLATE,
        lambda text: text.replace('"""Delete {{ a_resource }}."""', '"""Delete one."""', 1),
    )

    result = run_cli(repo, "--update", "subject-service", "--template-dir", str(template_dir))

    assert result.code == EXIT_CONFLICTS
    assert len(result.err_lines) == 1
    assert "src/subject_service/routes.py" in result.err
    routes = (repo / ROUTES).read_text()
    assert "<<<<<<< src/subject_service/routes.py (yours)" in routes
    assert '"""Remove it."""' in routes and '"""Delete one."""' in routes
    assert ">>>>>>> src/subject_service/routes.py (template, now)" in routes


def test_unedited_files_follow_the_template_and_deleted_ones_stay_deleted(
    repo: Path, template_dir: Path
) -> None:
    (repo / SERVICE / "README.md").unlink()
    edit(template_dir / "README.md.jinja", lambda text: text + "\nA new closing line.\n")
    edit(template_dir / "Dockerfile.jinja", lambda text: text + "# A new closing comment.\n")
    (template_dir / "NOTES.md.jinja").write_text("Notes on {{ name }}.\n")
    (template_dir / "k8s" / "pdb.yaml.jinja").unlink()

    result = run_cli(repo, "--update", "subject-service", "--template-dir", str(template_dir))

    assert result.code == 0, result.err
    assert not (repo / SERVICE / "README.md").exists()  # deleted locally: left deleted
    assert (repo / SERVICE / "Dockerfile").read_text().endswith("# A new closing comment.\n")
    assert (repo / SERVICE / "NOTES.md").read_text() == "Notes on subject-service.\n"
    assert not (repo / SERVICE / "k8s/pdb.yaml").exists()  # dropped, and it was unedited
    assert not (repo / SERVICE / SNAPSHOT_DIR / "k8s/pdb.yaml").exists()


def test_a_file_dropped_by_the_template_but_edited_is_kept(repo: Path, template_dir: Path) -> None:
    edit(
        repo / SERVICE / "k8s/pdb.yaml",
        lambda text: text.replace("minAvailable: 1", "minAvailable: 2"),
    )
    (template_dir / "k8s" / "pdb.yaml.jinja").unlink()

    result = run_cli(repo, "--update", "subject-service", "--template-dir", str(template_dir))

    assert result.code == 0, result.err
    assert "minAvailable: 2" in (repo / SERVICE / "k8s/pdb.yaml").read_text()
    assert "k8s/pdb.yaml" in result.out


def test_files_the_template_never_made_are_left_alone(repo: Path, template_dir: Path) -> None:
    own = repo / SERVICE / "src/subject_service/pricing.py"
    own.write_text('"""Our own module."""\n')
    edit(template_dir / "Dockerfile.jinja", lambda text: text + "# changed\n")

    result = run_cli(repo, "--update", "subject-service", "--template-dir", str(template_dir))

    assert result.code == 0, result.err
    assert own.read_text() == '"""Our own module."""\n'


def test_no_staging_directory_is_left_behind(repo: Path, template_dir: Path) -> None:
    edit(template_dir / "Dockerfile.jinja", lambda text: text + "# changed\n")

    run_cli(repo, "--update", "subject-service", "--template-dir", str(template_dir))
    run_cli(repo, "user-service", "8005")

    assert sorted(path.name for path in (repo / "services").iterdir()) == [
        "subject-service",
        "user-service",
    ]


def test_force_applies_new_answers_through_the_merge(repo: Path) -> None:
    edit(repo / ROUTES, lambda text: text.replace('"""The subjects API', '"""Our subjects API', 1))

    result = run_cli(repo, "subject-service", "8012", "--with", "db,events", "--force")

    assert result.code == 0, result.err
    service = repo / SERVICE
    assert not (service / "src/subject_service/clients.py").exists()  # http dropped, unedited
    assert '"""Our subjects API' in (service / "src/subject_service/routes.py").read_text()
    registry = yaml.safe_load((repo / "services.yml").read_text())
    assert registry["services"]["subject-service"]["port"] == 8012
    compose = yaml.safe_load((repo / "docker-compose.yml").read_text())
    assert compose["services"]["subject-service"]["ports"] == ["8012:8012"]
    answers = yaml.safe_load((service / ".aurora-template.yml").read_text())
    assert (answers["port"], answers["with"]) == (8012, ["db", "events"])


def test_a_broken_template_fails_before_writing(repo: Path, template_dir: Path) -> None:
    (template_dir / "Dockerfile.jinja").write_text("{% if %}\n")
    before = tree_of(repo)

    with pytest.raises(Exception, match="Expected an expression"):
        run_cli(repo, "--update", "subject-service", "--template-dir", str(template_dir))

    assert tree_of(repo) == before
