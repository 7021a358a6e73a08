import pytest
from aurora_release.__main__ import main
from aurora_release.api import Signature, breaking_changes, public_api
from aurora_release.changelog import has_entry, promote_unreleased
from aurora_release.versions import Version
from conftest import git, write_lib


def run(repo, *args):
    return main(["--root", str(repo), *args])


def test_clean_released_repo_passes_check(repo, capsys):
    assert run(repo, "check") == 0
    assert "2 libs ok" in capsys.readouterr().out


def test_status_reports_versions_tags_and_changes(repo, capsys):
    write_lib(
        repo,
        "aurora-errors",
        "1.0.0",
        '__all__ = ["boom"]\n\ndef boom(message, *, code=None, extra=None):\n    pass\n',
    )
    assert run(repo, "status") == 0
    out = capsys.readouterr().out
    assert "aurora-errors    1.0.0     v1.0.0     code changed" in out
    assert "aurora-db        1.0.0     v1.0.0     deps changed: aurora-errors" in out


def test_code_change_without_bump_fails_check(repo, capsys):
    write_lib(
        repo,
        "aurora-db",
        "1.0.0",
        '__all__ = ["connect"]\n\ndef connect(url, timeout=1):\n    pass\n',
    )
    assert run(repo, "check") == 1
    assert (
        "aurora-db: code changed since aurora-db/v1.0.0 but the version is still 1.0.0"
        in capsys.readouterr().err
    )


def test_bump_without_changelog_entry_fails_check(repo, capsys):
    write_lib(
        repo,
        "aurora-db",
        "1.0.1",
        '__all__ = ["connect"]\n\ndef connect(url, timeout=1):\n    pass\n',
    )
    changelog = repo / "libs/aurora-db/CHANGELOG.md"
    changelog.write_text(changelog.read_text().replace("## [1.0.1]", "## [1.0.0]"))
    assert run(repo, "check") == 1
    assert "aurora-db: CHANGELOG.md has no entry for 1.0.1" in capsys.readouterr().err


def test_patch_bump_moves_unreleased_entries_and_prints_the_tag(repo, capsys):
    write_lib(
        repo,
        "aurora-db",
        "1.0.0",
        '__all__ = ["connect"]\n\ndef connect(url, timeout=1):\n    pass\n',
        unreleased="A timeout.",
    )
    assert run(repo, "bump", "aurora-db", "patch") == 0
    assert "git tag aurora-db/v1.0.1" in capsys.readouterr().out
    changelog = (repo / "libs/aurora-db/CHANGELOG.md").read_text()
    assert has_entry(changelog, "1.0.1") and not has_entry(changelog, "Unreleased")
    assert 'version="1.0.1"' in (repo / "libs/aurora-db/BUILD").read_text()
    assert run(repo, "check") == 0


def test_minor_bump_also_bumps_dependents_whose_pin_no_longer_covers_it(repo, capsys):
    write_lib(
        repo,
        "aurora-errors",
        "1.0.0",
        '__all__ = ["boom", "bang"]\n\ndef boom(message, *, code=None):\n    pass\n\ndef bang():\n    pass\n',
        unreleased="bang().",
    )
    assert run(repo, "bump", "aurora-errors", "minor") == 0
    out = capsys.readouterr().out
    assert "git tag aurora-errors/v1.1.0" in out and "git tag aurora-db/v1.0.1" in out
    assert "Requires aurora-errors ~=1.1.0." in (repo / "libs/aurora-db/CHANGELOG.md").read_text()


def test_bump_refuses_an_empty_unreleased_section(repo):
    with pytest.raises(SystemExit, match="Unreleased"):
        run(repo, "bump", "aurora-db", "patch")


def test_removed_public_name_needs_a_major_bump(repo, capsys):
    write_lib(repo, "aurora-errors", "1.1.0", "__all__ = []\n", unreleased="Removed boom.")
    git(repo, "add", "-A")
    (repo / "libs/aurora-errors/CHANGELOG.md").write_text(
        promote_unreleased((repo / "libs/aurora-errors/CHANGELOG.md").read_text(), "1.1.0")
    )
    assert run(repo, "check") == 1
    assert (
        "aurora-errors: breaking change without a major bump: boom: removed from __all__"
        in capsys.readouterr().err
    )


def test_major_bump_allows_the_removal(repo):
    write_lib(repo, "aurora-errors", "1.0.0", "__all__ = []\n", unreleased="Removed boom.")
    assert run(repo, "bump", "aurora-errors", "major") == 0
    assert run(repo, "check") == 0


def test_unknown_lib_is_refused(repo, capsys):
    assert run(repo, "bump", "aurora-nope", "patch") == 2
    assert "unknown lib 'aurora-nope'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("old", "new", "why"),
    [
        ("def f(a, b=1): pass", "def f(a, b=1, c=2): pass", None),
        ("def f(a, b=1): pass", "def f(a): pass", "parameters removed: b"),
        ("def f(a): pass", "def f(a, b): pass", "new required parameters: b"),
        ("def f(a, b): pass", "def f(b, a): pass", "positional parameters changed"),
        ("def f(a): pass", "def f(a, *, k): pass", "new required parameters: k"),
        ("def f(a): pass", "def f(*args, **kwargs): pass", None),
    ],
)
def test_signature_compatibility(old, new, why):
    api = lambda src: public_api({"__init__.py": f'__all__ = ["f"]\n{src}\n'})  # noqa: E731
    problems = breaking_changes(api(old), api(new))
    assert problems == ([] if why is None else [f"f: {why}"])


def test_class_signature_comes_from_init():
    api = public_api(
        {
            "__init__.py": '__all__ = ["C"]\nclass C:\n    def __init__(self, a, *, b=1):\n        pass\n'
        }
    )
    assert api["C"] == Signature(("a",), frozenset({"a"}), frozenset({"a", "b"}), False)


def test_version_compatibility_follows_the_compatible_release_operator():
    assert Version.parse("1.2.5").compatible_with(Version.parse("1.2.0"))
    assert not Version.parse("1.3.0").compatible_with(Version.parse("1.2.0"))
    assert not Version.parse("2.0.0").compatible_with(Version.parse("1.2.0"))
