"""Services made by the generator before it used copier, brought onto copier's update.

Those services record their answers in ``.aurora-template.yml`` and keep their merge
base, the pristine render of their template version, in ``.aurora-template/``. That
version of the template was never committed on its own, so the base can't be
rebuilt from git the way copier's are: the snapshot is committed as that version on a
branch of its own in the rebuilt template repository, the answers move to
``.copier-answers.yml``, both old files go, and copier's ``update`` merges from there.
After one update the service is an ordinary copier service.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from aurora_generator.answers import ANSWERS_FILE, Answers, load_yaml_mapping
from aurora_generator.jinja_ext import TEMPLATE_PATH
from aurora_generator.refusal import RefusalError
from aurora_generator.template_repo import TemplateRepo

__all__ = ["LEGACY_ANSWERS", "LEGACY_SNAPSHOT", "LegacyService"]

LEGACY_ANSWERS = ".aurora-template.yml"
LEGACY_SNAPSHOT = ".aurora-template"


class LegacyService:
    """A pre-copier service: its answers, their template version and its snapshot."""

    def __init__(self, service_dir: Path) -> None:
        data = load_yaml_mapping(service_dir / LEGACY_ANSWERS)
        snapshot = service_dir / LEGACY_SNAPSHOT
        if not snapshot.is_dir():
            raise RefusalError(
                f"{service_dir.name} has {LEGACY_ANSWERS} but no {LEGACY_SNAPSHOT}/: "
                "its merge base is gone, so it can't be updated"
            )
        self.snapshot = snapshot
        self.version = str(data.get("template_version", "0"))
        self.answers = Answers.from_mapping(
            {**data, "with_libs": data.get("with") or []}, source=LEGACY_ANSWERS
        )

    @staticmethod
    def found_in(service_dir: Path) -> bool:
        return (service_dir / LEGACY_ANSWERS).is_file()

    def register_base(self, repo: TemplateRepo) -> None:
        """Commit the snapshot as this version's template: files copied as they are."""
        staging = repo.path.parent / f"legacy-{self.version}"
        shutil.copytree(self.snapshot, staging)
        (staging / "copier.yml").write_text(
            "_templates_suffix: .jinja\n_answers_file: .copier-answers.yml\n", encoding="utf-8"
        )
        repo.add_version(self.version, staging)

    def adopt(self, scratch: Path) -> None:
        """Rewrite a scratch copy of the service as a copier service at its version."""
        answers = {"_commit": self.version, "_src_path": TEMPLATE_PATH, **self.answers.to_data()}
        text = yaml.safe_dump(answers, sort_keys=False, allow_unicode=True)
        (scratch / ANSWERS_FILE).write_text(text, encoding="utf-8")
        (scratch / LEGACY_ANSWERS).unlink()
        shutil.rmtree(scratch / LEGACY_SNAPSHOT)
