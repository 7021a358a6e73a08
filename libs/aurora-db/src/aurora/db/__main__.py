"""``python -m aurora.db``: see :mod:`aurora.db._cli`."""

import sys

from aurora.db._cli import main

if __name__ == "__main__":
    sys.exit(main())
