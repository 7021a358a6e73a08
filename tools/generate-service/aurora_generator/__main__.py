"""``python -m aurora_generator``: the same command as the ``generate-service`` PEX."""

from aurora_generator.cli import main

raise SystemExit(main())
