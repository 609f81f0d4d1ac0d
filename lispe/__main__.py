"""`python -m lispe` is the `lispe` command."""

import sys

from .cli import main

sys.exit(main())
