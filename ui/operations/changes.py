"""What a write changed: one typed notice, announced once by the app context after the
write, so each view refreshes itself (views never call each other)."""

from __future__ import annotations

import enum


class Change(enum.Flag):
    """A set of what changed; combine with `|`, test with `in` or `&`."""

    NOTHING = 0
    EVALUATIONS = enum.auto()
    AGENTS = enum.auto()
    PROPERTIES = enum.auto()
    RUBRICS = enum.auto()
    SETTINGS = enum.auto()
    EVERYTHING = EVALUATIONS | AGENTS | PROPERTIES | RUBRICS | SETTINGS


__all__ = ["Change"]
