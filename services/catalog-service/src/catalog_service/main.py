"""The entry point: ``./pants run services/catalog-service`` and the container both run ``main``."""

from aurora.app import main as serve

from catalog_service.app import build_service


def main() -> None:
    """Serve Catalog Service on its configured host and port (``--host``/``--port`` override them)."""
    serve(build_service)
