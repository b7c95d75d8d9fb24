"""Start the Shopper desktop app: `python main.py [--db PATH_OR_URL]`."""

import sys

from ui.app import main

if __name__ == "__main__":
    sys.exit(main())
