"""`python -m textae`: see textae/cli.py."""

import sys

from .cli import main

sys.exit(main())
