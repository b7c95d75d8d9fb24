"""Start the Shopper desktop app: `python main.py [--db PATH_OR_URL]`."""

from ui.app import run

if __name__ == "__main__":
    run()
