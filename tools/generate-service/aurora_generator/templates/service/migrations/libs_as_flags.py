"""Template 2.1.0: the answers' ``with_libs`` list becomes the flags ``db``, ``events``, ``http``.

copier runs this in the service before it updates it (``_migrations`` in copier.yml),
so the new template reads the answers it asks for. Standard library only: it runs
with whatever interpreter runs copier. The list is the one copier wrote: a block
sequence under ``with_libs:`` (or ``[]``).
"""

import re
from pathlib import Path

ANSWERS = Path(".copier-answers.yml")
LIBS = ("db", "events", "http")


def migrate(text: str) -> str:
    match = re.search(r"^with_libs:(?: \[\])?\n((?:- \S+\n)*)", text, re.MULTILINE)
    if match is None:
        return text  # already migrated
    chosen = {line.removeprefix("- ") for line in match.group(1).splitlines()}
    flags = "".join(f"{lib}: {'true' if lib in chosen else 'false'}\n" for lib in LIBS)
    return text[: match.start()] + flags + text[match.end() :]


if __name__ == "__main__":
    ANSWERS.write_text(migrate(ANSWERS.read_text(encoding="utf-8")), encoding="utf-8")
