"""``python -m physml`` runs the command-line interface."""

import sys

from physml.cli import main

sys.exit(main())
