"""``update`` and ``--force``: copier's 3-way update from a template version in git.

Each test releases a new template version in its scratch monorepo (a commit with a
new VERSION), the way the real template evolves, and updates subject-service to it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from aurora_generator.cli import EXIT_CONFLICTS
from aurora_generator.testing import release_template, run_cli, template_dir, tree_of

SERVICE = Path("services/subject-service")
APP = SERVICE / "src/subject_service/app.py"
APP_TEMPLATE = Path("src/{{ package }}/app.py.jinja")
NEXT = "9.0.0"


def edit(path: Path, change: Callable[[str], str]) -> None:
    text = path.read_text()
    changed = change(text)
    assert changed != text, f"the edit of {path} changed nothing"
    path.write_text(changed)


def answers(repo: Path) -> dict[str, object]:
    data = yaml.safe_load((repo / SERVICE / ".copier-answers.yml").read_text())
    assert isinstance(data, dict)
    return data


def change_app_docstring(repo: Path, text: str) -> None:
    """A template release that rewrites the last line of build_service's docstring."""
    edit(
        template_dir(repo) / APP_TEMPLATE,
        lambda source: source.replace("broker: Where events go;", f"broker: {text};", 1),
    )


def test_update_at_the_same_version_has_nothing_to_do(repo: Path) -> None:
    before = tree_of(repo)

    result = run_cli(repo, "update", "subject-service")

    assert result.code == 0, result.err
    assert "nothing to do" in result.out
    assert tree_of(repo) == before


def test_a_new_version_merges_into_an_edited_file(repo: Path) -> None:
    edit(repo / APP, lambda text: text.replace('"""Subject Service, ready', '"""Ours, ready', 1))
    change_app_docstring(repo, "Where the events go")
    release_template(repo, NEXT)

    result = run_cli(repo, "update", "subject-service")

    assert result.code == 0, result.err
    app = (repo / APP).read_text()
    assert '"""Ours, ready' in app  # the local edit survived
    assert "broker: Where the events go;" in app  # the template change arrived
    assert "<<<<<<<" not in app
    assert f"-> {NEXT}" in result.out
    assert answers(repo)["_commit"] == NEXT


def test_conflicting_changes_are_marked_and_reported(repo: Path) -> None:
    edit(repo / APP, lambda text: text.replace("broker: Where events go;", "broker: Ours;"))
    change_app_docstring(repo, "Theirs")
    release_template(repo, NEXT)

    result = run_cli(repo, "update", "subject-service")

    assert result.code == EXIT_CONFLICTS
    assert len(result.err_lines) == 1
    assert "src/subject_service/app.py" in result.err
    app = (repo / APP).read_text()
    assert "<<<<<<< before updating" in app and ">>>>>>> after updating" in app
    assert "broker: Ours;" in app and "broker: Theirs;" in app


def test_unedited_files_follow_the_template_and_deleted_ones_stay_deleted(repo: Path) -> None:
    (repo / SERVICE / "README.md").unlink()
    (repo / SERVICE / "src/subject_service/routes.py").unlink()  # the example: rendered once
    template = template_dir(repo)
    edit(template / "README.md.jinja", lambda text: text + "\nA new closing line.\n")
    edit(template / "Dockerfile.jinja", lambda text: text + "# A new closing comment.\n")
    (template / "NOTES.md.jinja").write_text("Notes on {{ name }}.\n")
    (template / "k8s" / "pdb.yaml.jinja").unlink()
    release_template(repo, NEXT)

    result = run_cli(repo, "update", "subject-service")

    assert result.code == 0, result.err
    service = repo / SERVICE
    assert not (service / "README.md").exists()
    assert not (service / "src/subject_service/routes.py").exists()
    assert (service / "Dockerfile").read_text().endswith("# A new closing comment.\n")
    assert (service / "NOTES.md").read_text() == "Notes on subject-service.\n"
    assert not (service / "k8s/pdb.yaml").exists()  # dropped by the template


def test_the_example_resource_belongs_to_the_service(repo: Path) -> None:
    routes = repo / SERVICE / "src/subject_service/routes.py"
    ours = routes.read_text() + "# ours\n"
    routes.write_text(ours)
    edit(
        template_dir(repo) / "src/{{ package }}/routes.py.jinja",
        lambda text: text + "# theirs\n",
    )
    release_template(repo, NEXT)

    result = run_cli(repo, "update", "subject-service")

    assert result.code == 0, result.err
    assert routes.read_text() == ours


def test_files_the_template_never_made_are_left_alone(repo: Path) -> None:
    own = repo / SERVICE / "src/subject_service/pricing.py"
    own.write_text('"""Our own module."""\n')
    edit(template_dir(repo) / "Dockerfile.jinja", lambda text: text + "# changed\n")
    release_template(repo, NEXT)

    result = run_cli(repo, "update", "subject-service")

    assert result.code == 0, result.err
    assert own.read_text() == '"""Our own module."""\n'


def test_a_dry_run_update_reports_and_writes_nothing(repo: Path) -> None:
    edit(template_dir(repo) / "Dockerfile.jinja", lambda text: text + "# changed\n")
    release_template(repo, NEXT)
    before = tree_of(repo / "services")

    result = run_cli(repo, "update", "subject-service", "--dry-run")

    assert result.code == 0, result.err
    assert "updated  Dockerfile" in result.out
    assert "dry run" in result.out
    assert tree_of(repo / "services") == before


def test_no_staging_directory_is_left_behind(repo: Path) -> None:
    edit(template_dir(repo) / "Dockerfile.jinja", lambda text: text + "# changed\n")
    release_template(repo, NEXT)

    run_cli(repo, "update", "subject-service")
    run_cli(repo, "user-service", "8005")

    assert sorted(path.name for path in (repo / "services").iterdir()) == [
        "subject-service",
        "user-service",
    ]


def test_force_applies_new_answers_through_the_merge(repo: Path) -> None:
    edit(repo / APP, lambda text: text.replace('"""Subject Service, ready', '"""Ours, ready', 1))

    result = run_cli(repo, "subject-service", "8012", "--with", "db,events", "--force")

    assert result.code == 0, result.err
    service = repo / SERVICE
    assert not (service / "src/subject_service/clients.py").exists()  # http dropped
    assert '"""Ours, ready' in (service / "src/subject_service/app.py").read_text()
    registry = yaml.safe_load((repo / "services.yml").read_text())
    assert registry["services"]["subject-service"]["port"] == 8012
    compose = yaml.safe_load((repo / "docker-compose.yml").read_text())
    assert compose["services"]["subject-service"]["ports"] == ["8012:8012"]
    recorded = answers(repo)
    assert (recorded["port"], recorded["http"], recorded["events"]) == (8012, False, True)


# copier leaves a directory iterator of the template open when a file fails to render.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_broken_template_fails_before_writing(repo: Path) -> None:
    (template_dir(repo) / "Dockerfile.jinja").write_text("{% if %}\n")
    release_template(repo, NEXT)
    before = tree_of(repo)

    with pytest.raises(Exception, match="Expected an expression"):
        run_cli(repo, "update", "subject-service")

    assert tree_of(repo) == before


def test_a_pre_copier_service_is_adopted_from_its_snapshot(repo: Path) -> None:
    """``.aurora-template.yml`` + ``.aurora-template/`` become copier answers, edits kept."""
    service = repo / SERVICE
    snapshot = service / ".aurora-template"
    shutil.copytree(service, snapshot)
    recorded = answers(repo)
    legacy = {key: value for key, value in recorded.items() if not key.startswith("_")}
    legacy |= {"template_version": "1.0.0", "with": ["db", "events", "http"]}
    (service / ".aurora-template.yml").write_text(yaml.safe_dump(legacy))
    (service / ".copier-answers.yml").unlink()
    (snapshot / ".copier-answers.yml").unlink()
    edit(repo / APP, lambda text: text.replace('"""Subject Service, ready', '"""Ours, ready', 1))
    edit(snapshot / "Dockerfile", lambda text: text + "# what 1.0.0 had\n")

    result = run_cli(repo, "update", "subject-service")

    assert result.code == 0, result.err
    assert not snapshot.exists() and not (service / ".aurora-template.yml").exists()
    assert answers(repo)["_commit"] == (template_dir(repo) / "VERSION").read_text().strip()
    assert '"""Ours, ready' in (repo / APP).read_text()
    assert "# what 1.0.0 had" not in (service / "Dockerfile").read_text()


def test_the_2_1_0_migration_turns_the_libs_list_into_flags(tmp_path: Path) -> None:
    """Run as copier runs it: the template's script, in the service, on its answers."""
    template = Path(__file__).parents[1] / "aurora_generator/templates/service"
    script = template / "migrations/libs_as_flags.py"
    (tmp_path / ".copier-answers.yml").write_text(
        "_commit: 2.0.0\nname: a-service\nwith_libs:\n- db\n- http\nresource: a\n"
    )

    subprocess.run([sys.executable, str(script)], cwd=tmp_path, check=True)

    migrated = yaml.safe_load((tmp_path / ".copier-answers.yml").read_text())
    assert (migrated["db"], migrated["events"], migrated["http"]) == (True, False, True)
    assert "with_libs" not in migrated and migrated["resource"] == "a"
