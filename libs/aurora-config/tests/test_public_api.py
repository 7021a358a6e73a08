import aurora.config


def test_public_api_is_exactly_these_names() -> None:
    assert aurora.config.__all__ == [
        "AuroraSettings",
        "CommaList",
        "ConfigEntry",
        "ConfigError",
        "ConfigProblem",
        "DatabaseSettings",
        "LoggingSettings",
        "Origin",
        "RedisSettings",
        "SecuritySettings",
        "ServiceConfig",
        "ServiceEndpoint",
        "ServiceSettings",
        "ServicesSettings",
        "UnknownVariableWarning",
        "ValueSource",
        "describe_config",
        "generate_env_example",
        "get_config",
        "render_config",
        "reset_config_cache",
    ]


def test_every_public_name_is_importable() -> None:
    for name in aurora.config.__all__:
        assert getattr(aurora.config, name) is not None


def test_config_error_is_an_aurora_error() -> None:
    from aurora.errors import AuroraError

    assert issubclass(aurora.config.ConfigError, AuroraError)
    assert aurora.config.ConfigError.code == "config_invalid"
