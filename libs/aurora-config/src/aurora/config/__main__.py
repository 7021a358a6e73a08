"""Entry point of ``python -m aurora.config``."""

from aurora.config._cli import main

raise SystemExit(main())
