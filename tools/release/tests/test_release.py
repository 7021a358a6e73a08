import pytest

from aurora_release.__main__ import main
from aurora_release.api import api_from_json, api_to_json, breaking_changes, load_api
from aurora_release.changelog import has_entry, promote_unreleased
from aurora_release.versions import Version
from release_repo import git, write_lib


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


def test_status_lists_a_lib_with_unreleased_entries_as_pending(repo, capsys):
    write_lib(
        repo,
        "aurora-db",
        "1.0.0",
        'from aurora.errors import boom\n\n__all__ = ["connect"]\n\ndef connect(url):\n    pass\n',
        unreleased="Documented connect.",
    )
    assert run(repo, "status") == 0
    assert "aurora-db        1.0.0     v1.0.0     unreleased entries" in capsys.readouterr().out


def test_code_change_without_bump_fails_check(repo, capsys):
    write_lib(
        repo,
        "aurora-db",
        "1.0.0",
        '__all__ = ["connect"]\n\ndef connect(url, timeout=1):\n    pass\n',
    )
    assert run(repo, "check") == 1
    assert (
        "aurora-db: code changed since its 1.0.0 release but the version is still 1.0.0"
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


def api_of(tmp_path, init, **modules):
    package = tmp_path / "aurora" / "x"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text(init)
    for name, source in modules.items():
        (package / f"{name}.py").write_text(source)
    return load_api(tmp_path, "x")


@pytest.mark.parametrize(
    ("old", "new", "why"),
    [
        ("def f(a, b=1): pass", "def f(a, b=1, c=2): pass", None),
        ("def f(a, b=1): pass", "def f(a): pass", "Parameter was removed: b"),
        ("def f(a): pass", "def f(a, b): pass", "Parameter was added as required: b"),
        ("def f(a): pass", "def f(a, *, k): pass", "Parameter was added as required: k"),
        ("def f(a, b): pass", "def f(b, a): pass", "Positional parameter was moved: a"),
    ],
)
def test_signature_compatibility(tmp_path, old, new, why):
    init = 'from aurora.x._impl import f\n\n__all__ = ["f"]\n'
    before = api_of(tmp_path / "old", init, _impl=old)
    after = api_of(tmp_path / "new", init, _impl=new)
    problems = breaking_changes(before, after)
    assert (problems[:1] if why else problems) == ([] if why is None else [f"f: {why}"])


def test_the_api_is_the_top_level_all_not_a_subpackages(tmp_path):
    """A subpackage's own ``__all__`` (read last) must not replace the lib's."""
    api = api_of(tmp_path, '__all__ = ["connect"]\n\ndef connect(url): pass\n')
    sub = tmp_path / "aurora" / "x" / "zz"
    sub.mkdir()
    (sub / "__init__.py").write_text('__all__ = ["helper"]\n\ndef helper(): pass\n')
    assert load_api(tmp_path, "x").exports == api.exports == ["connect"]


def test_a_class_signature_comes_from_its_init(tmp_path):
    init = '__all__ = ["C"]\n\nclass C:\n    def __init__(self, a, *, b=1): pass\n'
    before = api_of(tmp_path / "old", init)
    after = api_of(tmp_path / "new", init.replace("b=1)", "b=1, c)"))
    assert breaking_changes(before, after) == ["C.__init__: Parameter was added as required: c"]


def test_the_api_survives_its_json_baseline(tmp_path):
    api = api_of(
        tmp_path, 'from aurora.x._impl import f\n\n__all__ = ["f"]\n', _impl="def f(a): pass"
    )
    assert breaking_changes(api_from_json(api_to_json(api)), api) == []


def test_a_re_export_from_another_lib_is_compared_by_its_target(tmp_path):
    """griffe cannot resolve a name another distribution defines; its target still counts."""
    local = '__all__ = ["Check"]\n\nclass Check:\n    pass\n'
    shared = 'from aurora.other import Check\n\n__all__ = ["Check"]\n'
    moved = 'from aurora.elsewhere import Check\n\n__all__ = ["Check"]\n'
    before = api_of(tmp_path / "old", local)
    after = api_of(tmp_path / "new", shared)
    baseline = api_from_json(api_to_json(after))
    assert breaking_changes(before, after) == ["Check: now aurora.other.Check, was defined here"]
    assert breaking_changes(baseline, after) == []
    assert breaking_changes(baseline, api_of(tmp_path / "moved", moved)) == [
        "Check: now aurora.elsewhere.Check, was aurora.other.Check"
    ]


def released_lib_with_baseline(repo, source):
    """aurora-db 1.0.0 released through the committed baseline only (no tag)."""
    git(repo, "tag", "-d", "aurora-db/v1.0.0")
    write_lib(repo, "aurora-db", "1.0.0", source)
    assert run(repo, "baseline") == 0


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ("__all__ = []\n\ndef connect(url): pass\n", "connect: removed from __all__"),
        (
            '__all__ = ["connect"]\n\ndef connect(url, pool): pass\n',
            "connect: Parameter was added as required: pool",
        ),
    ],
)
def test_a_break_against_the_baseline_fails_check_and_demands_a_major_bump(
    repo, capsys, change, why
):
    released_lib_with_baseline(repo, '__all__ = ["connect"]\n\ndef connect(url): pass\n')
    assert run(repo, "check") == 0
    write_lib(repo, "aurora-db", "1.0.0", change, unreleased="Changed connect.")
    assert run(repo, "check") == 1
    assert f"aurora-db: breaking change without a major bump: {why}" in capsys.readouterr().err
    with pytest.raises(SystemExit, match="bump major"):
        run(repo, "bump", "aurora-db", "minor")
    assert run(repo, "bump", "aurora-db", "major") == 0
    assert run(repo, "check") == 0


def test_bump_records_the_released_api_as_the_new_baseline(repo):
    released_lib_with_baseline(repo, '__all__ = ["connect"]\n\ndef connect(url): pass\n')
    write_lib(
        repo,
        "aurora-db",
        "1.0.0",
        '__all__ = ["connect"]\n\ndef connect(url, timeout=1): pass\n',
        unreleased="A timeout.",
    )
    assert run(repo, "bump", "aurora-db", "minor") == 0
    baseline = (repo / "libs/aurora-db/api-baseline.json").read_text()
    assert '"version": "1.1.0"' in baseline and "timeout" in baseline
    assert run(repo, "check") == 0


def test_bump_changed_gives_a_changed_dependent_its_own_bump_once(repo, capsys):
    write_lib(
        repo,
        "aurora-errors",
        "1.0.0",
        '__all__ = ["boom"]\n\ndef boom(message, *, code=None, extra=None):\n    pass\n',
        unreleased="boom(extra=).",
    )
    write_lib(
        repo,
        "aurora-db",
        "1.0.0",
        'from aurora.errors import boom\n\n__all__ = ["connect"]\n\ndef connect(url, t=1):\n    pass\n',
        unreleased="connect(t=).",
    )
    assert run(repo, "bump", "--changed", "minor") == 0
    out = capsys.readouterr().out
    assert "aurora-errors/v1.1.0" in out and "aurora-db/v1.1.0" in out
    assert "aurora-db/v1.0.1" not in out and "aurora-db/v1.1.1" not in out
    assert 'version="1.1.0"' in (repo / "libs/aurora-db/BUILD").read_text()


def test_version_compatibility_follows_the_compatible_release_operator():
    assert Version.parse("1.2.5").compatible_with(Version.parse("1.2.0"))
    assert not Version.parse("1.3.0").compatible_with(Version.parse("1.2.0"))
    assert not Version.parse("2.0.0").compatible_with(Version.parse("1.2.0"))
