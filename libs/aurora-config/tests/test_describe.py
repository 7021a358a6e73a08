"""The effective config with sources and secrets redacted; .env.example from the model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import Field
from pydantic_settings import SettingsConfigDict

import aurora
from aurora.config import (
    AuroraSettings,
    ServiceConfig,
    ValueSource,
    describe_config,
    generate_env_example,
    render_config,
)
from aurora.config._cli import main


@pytest.fixture()
def config(
    workdir: Path, secrets_dir: Path, monkeypatch: pytest.MonkeyPatch, secret: str
) -> ServiceConfig:
    """One value from each source."""
    (secrets_dir / "AURORA_SECURITY__JWT_SECRET").write_text(secret)
    (workdir / ".env").write_text("AURORA_LOGGING__LEVEL=DEBUG\n")
    monkeypatch.setenv("AURORA_DATABASE__URL", f"postgresql://app:{secret}@db/app")
    monkeypatch.setenv("AURORA_SERVICES__BILLING__URL", "http://billing:8009")
    return ServiceConfig.load("svc", service__port=8001)


def test_every_value_has_its_source(config: ServiceConfig) -> None:
    entries = {entry.variable: entry for entry in describe_config(config)}

    sources = {name: entries[name].source for name in entries}
    assert sources["AURORA_SERVICE__NAME"] is ValueSource.OVERRIDE
    assert sources["AURORA_SERVICE__PORT"] is ValueSource.OVERRIDE
    assert sources["AURORA_DATABASE__URL"] is ValueSource.ENV
    assert sources["AURORA_LOGGING__LEVEL"] is ValueSource.DOTENV
    assert sources["AURORA_SECURITY__JWT_SECRET"] is ValueSource.SECRETS
    assert sources["AURORA_SERVICES__BILLING__URL"] is ValueSource.ENV
    assert sources["AURORA_SERVICES__BILLING__TIMEOUT"] is ValueSource.DEFAULT
    assert sources["AURORA_REDIS__URL"] is ValueSource.DEFAULT
    assert entries["AURORA_LOGGING__LEVEL"].origin == ".env file .env"
    assert entries["AURORA_SERVICES__BILLING__URL"].path == "services.billing.url"


def test_secrets_and_url_passwords_are_redacted(config: ServiceConfig, secret: str) -> None:
    entries = {entry.variable: entry for entry in describe_config(config)}

    assert entries["AURORA_SECURITY__JWT_SECRET"].value == "**********"
    assert entries["AURORA_SECURITY__JWT_SECRET"].secret
    assert entries["AURORA_DATABASE__URL"].value == "postgresql://app:***@db/app"
    assert entries["AURORA_DATABASE__PASSWORD"].value == ""
    assert all(secret not in repr(entry) for entry in entries.values())


def test_render_config_is_a_table_without_secrets(config: ServiceConfig, secret: str) -> None:
    text = render_config(config)

    lines = text.splitlines()
    assert lines[0] == "Effective configuration of svc (secrets redacted):"
    assert lines[1].split() == ["VARIABLE", "VALUE", "SOURCE"]
    port_line = next(line for line in lines if line.startswith("AURORA_SERVICE__PORT "))
    assert port_line.split() == ["AURORA_SERVICE__PORT", "8001", "argument"]
    assert secret not in text


def test_directly_built_configs_report_what_was_passed() -> None:
    config = ServiceConfig.composed().model_validate({"service": {"name": "svc", "port": 1234}})
    entries = {entry.variable: entry for entry in describe_config(config)}

    assert entries["AURORA_SERVICE__PORT"].source is ValueSource.OVERRIDE
    assert entries["AURORA_SERVICE__HOST"].source is ValueSource.DEFAULT


def test_env_example_lists_every_variable_with_description_and_default() -> None:
    text = generate_env_example("subject-service")

    assert "# TCP port the HTTP server binds.\n# AURORA_SERVICE__PORT=8000\n" in text
    assert "# AURORA_SERVICE__TITLE='Subject Service'\n" in text
    assert "# AURORA_DATABASE__SQLITE_PATH=data/subject-service/subject-service.db\n" in text
    assert "# AURORA_REDIS__URL=redis://127.0.0.1:6379/0\n" in text
    assert "# AURORA_SERVICES__<NAME>__URL=\n" in text
    assert "AURORA_SERVICE__NAME" not in text  # set by get_config's argument
    for entry in describe_config(ServiceConfig.load("subject-service")):
        if entry.variable != "AURORA_SERVICE__NAME":
            assert f"{entry.variable}=" in text
            assert entry.description and f"# {entry.description}\n" in text


def test_env_example_leaves_secrets_blank_even_when_given(secret: str) -> None:
    text = generate_env_example("svc", security={"jwt_secret": secret})

    assert "\nAURORA_SECURITY__JWT_SECRET=\n" in text
    assert "\nAURORA_DATABASE__PASSWORD=\n" in text
    assert secret not in text


def test_env_example_writes_overrides_as_active_lines() -> None:
    text = generate_env_example(
        "user-service", service__port=8005, services={"subject-service": "http://subjects:8002"}
    )

    assert "\nAURORA_SERVICE__PORT=8005\n" in text
    assert "\nAURORA_SERVICES__SUBJECT_SERVICE__URL=http://subjects:8002\n" in text
    assert "\n# AURORA_SERVICES__SUBJECT_SERVICE__TIMEOUT=10.0\n" in text


def test_env_example_copied_to_dotenv_loads_the_same_config(workdir: Path) -> None:
    """Commented defaults and blank secrets round-trip; active lines take effect."""
    expected = ServiceConfig.load("svc", service__port=8005, service__title="Svc # 1 'x'")
    example = generate_env_example("svc", service__port=8005, service__title="Svc # 1 'x'")
    (workdir / ".env").write_text(example)

    config = ServiceConfig.load("svc")

    assert config.model_dump() == expected.model_dump()
    assert config.origin_of(("service", "port")).source is ValueSource.DOTENV


def test_env_example_reads_no_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AURORA_SERVICE__PORT", "9999")

    assert "9999" not in generate_env_example("svc")


class TestCommandLine:
    def test_runs_as_a_module(self, tmp_path: Path) -> None:
        # Where this process found the `aurora` namespace, absolute: the test runner may
        # list relative source roots on sys.path, and a fixture changes the cwd.
        roots = dict.fromkeys(str(Path(p).parent) for p in aurora.__path__)
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join([*roots, *sys.path])}

        result = subprocess.run(
            [sys.executable, "-m", "aurora.config", "show", "subject-service"],
            capture_output=True,
            text=True,
            env=environment,
            cwd=tmp_path,
            check=False,
        )

        assert result.returncode == 0, result.stderr
        assert "AURORA_SERVICE__NAME" in result.stdout
        assert "subject-service" in result.stdout

    def test_show_prints_the_table(
        self, config: ServiceConfig, capsys: pytest.CaptureFixture[str], secret: str
    ) -> None:
        assert main(["show", "svc"]) == 0

        out = capsys.readouterr().out
        assert out.startswith("Effective configuration of svc")
        assert "AURORA_LOGGING__LEVEL" in out
        assert secret not in out

    def test_show_reports_errors_on_stderr(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        monkeypatch.setenv("AURORA_REDIS__URLL", "x")

        assert main(["show", "svc", "--strict"]) == 1
        assert "AURORA_REDIS__URLL" in capsys.readouterr().err

    def test_a_service_config_class_brings_its_sections(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        reference = f"{__name__}:{OrdersConfig.__name__}"
        assert main(["--config", reference, "env-example", "orders"]) == 0
        assert "\n# AURORA_ORDERS__BATCH_SIZE=100\n" in capsys.readouterr().out

    def test_an_unknown_config_class_is_a_usage_error(self) -> None:
        with pytest.raises(SystemExit):
            main(["--config", "nowhere:Config", "show", "svc"])

    def test_env_example_to_stdout_and_file(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["env-example", "user-service", "--set", "service__port=8005"]) == 0
        assert "\nAURORA_SERVICE__PORT=8005\n" in capsys.readouterr().out

        output = tmp_path / ".env.example"
        assert main(["env-example", "user-service", "-o", str(output)]) == 0
        assert output.read_text() == generate_env_example("user-service")


class OrdersSettings(AuroraSettings):
    """Orders' own knobs."""

    model_config = SettingsConfigDict(env_prefix="AURORA_ORDERS__")

    batch_size: int = 100
    """Orders settled per run."""


class OrdersConfig(ServiceConfig):
    orders: OrdersSettings = Field(default_factory=lambda: OrdersSettings.model_validate({}))
