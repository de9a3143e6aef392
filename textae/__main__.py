"""`python -m textae`: see textae/cli/commands.py."""

import sys

from textae.cli import main

sys.exit(main())
