import aurora.config


def test_public_api_is_exactly_these_names() -> None:
    assert aurora.config.__all__ == [
        "ENTRY_POINT_GROUP",
        "AuroraSettings",
        "CommaList",
        "ConfigEntry",
        "ConfigError",
        "ConfigProblem",
        "Origin",
        "RedisSettings",
        "ServiceConfig",
        "ServiceSettings",
        "UnknownVariableWarning",
        "ValueSource",
        "describe_config",
        "field_at",
        "generate_env_example",
        "get_config",
        "installed_sections",
        "register_section",
        "render_config",
        "reset_config_cache",
        "service_key",
    ]


def test_every_public_name_is_importable() -> None:
    for name in aurora.config.__all__:
        assert getattr(aurora.config, name) is not None


def test_config_error_is_an_aurora_error() -> None:
    from aurora.errors import AuroraError

    assert issubclass(aurora.config.ConfigError, AuroraError)
    assert aurora.config.ConfigError.code == "config_invalid"
