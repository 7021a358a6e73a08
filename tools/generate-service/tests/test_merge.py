"""The update decision for one file, and the 3-way merge behind it."""

from __future__ import annotations

import pytest

from aurora_generator.merge import Action, merge_text, plan_file

BASE = "one\ntwo\nthree\nfour\nfive\n"


@pytest.mark.parametrize(
    ("ours", "base", "theirs", "action"),
    [
        (BASE, BASE, BASE, Action.KEEP),  # nothing changed anywhere
        ("edited\n", BASE, BASE, Action.KEEP),  # only the user changed it
        (BASE, BASE, BASE + "six\n", Action.UPDATE),  # unedited: the template wins
        (BASE + "six\n", BASE, BASE + "six\n", Action.KEEP),  # already what the template says
        (None, None, "new\n", Action.CREATE),  # new in the template
        (None, BASE, BASE + "six\n", Action.KEEP),  # deleted locally: stays deleted
        (BASE, BASE, None, Action.DELETE),  # dropped by the template, unedited
        ("edited\n", BASE, None, Action.KEEP),  # dropped by the template, edited: kept
        (None, BASE, None, Action.KEEP),  # gone on both sides
    ],
)
def test_decision_table(
    ours: str | None, base: str | None, theirs: str | None, action: Action
) -> None:
    assert plan_file("f", ours=ours, base=base, theirs=theirs).action is action


def test_changes_to_different_lines_merge_cleanly() -> None:
    ours = BASE.replace("one", "ONE")
    theirs = BASE.replace("five", "FIVE")

    update = plan_file("f", ours=ours, base=BASE, theirs=theirs)

    assert update.action is Action.MERGE
    assert update.text == "ONE\ntwo\nthree\nfour\nFIVE\n"


def test_changes_to_the_same_line_conflict_with_markers() -> None:
    merged, conflicts = merge_text(
        BASE.replace("three", "mine"), BASE, BASE.replace("three", "theirs"), path="f"
    )

    assert conflicts == 1
    assert "<<<<<<< f (yours)\nmine\n=======\ntheirs\n>>>>>>> f (template, now)\n" in merged


def test_a_file_the_user_created_where_the_template_now_puts_one_is_merged() -> None:
    update = plan_file("f", ours="mine\n", base=None, theirs="template\n")

    assert update.action is Action.CONFLICT
    assert "mine" in (update.text or "") and "template" in (update.text or "")
