"""Run the command line (and, with no subcommand, the window) as ``python -m therapist_desk``."""

from therapist_desk.cli import main

raise SystemExit(main())
