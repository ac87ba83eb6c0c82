"""Allow ``python -m leaflet``."""

import sys

from leaflet.cli import main

sys.exit(main())
