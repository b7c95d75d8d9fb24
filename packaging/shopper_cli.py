"""Entry point of the bundled command line (`shopper` in the PyInstaller folder)."""

import multiprocessing
import sys

if __name__ == "__main__":
    # Worker processes (scorecards, imports) re-run this program: let them do their job.
    multiprocessing.freeze_support()

    from shopper.cli import main

    sys.exit(main())
