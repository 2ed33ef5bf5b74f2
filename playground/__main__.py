"""Entry point for `python -m playground`."""

from playground.cli import main

raise SystemExit(main())
