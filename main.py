"""Start the Shopper desktop app: `python main.py [--db PATH_OR_URL]`."""

import multiprocessing

if __name__ == "__main__":
    # In the PyInstaller bundle, worker processes re-run this program: let them do their job.
    multiprocessing.freeze_support()

    from ui.app import run

    run()
