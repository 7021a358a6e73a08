"""``python -m aurora.events``: see ``aurora.events._cli``."""

from aurora.events._cli import main

if __name__ == "__main__":
    raise SystemExit(main())
