"""The main window (filled in by the capture UI)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QMainWindow

from shopper.storage.db import Database


class MainWindow(QMainWindow):
    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db
        self.setWindowTitle("Shopper")
        self.setCentralWidget(QLabel("Shopper"))
        self.statusBar().showMessage(f"Database: {db.describe()}")
        self.resize(1200, 760)
