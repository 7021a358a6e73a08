"""aurora-testing's fixtures (``clock``: a FrozenClock) for the breaker tests."""

pytest_plugins = ["aurora.testing.plugin"]
