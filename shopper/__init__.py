"""Shopper core: rubrics, scoring, storage, exchange and reports. Never imports Qt."""

__version__ = "0.1.0"
