"""``python -m geo.cli``."""

import sys

from . import main

sys.exit(main())
