"""Errors a user can act on. Their message is shown as is: what is wrong, then what to do."""


class ShopperError(Exception):
    """Base for every error whose message is fit to show a user."""


class ValidationError(ShopperError):
    """A file or value does not follow the format; the message names where."""


class NotFoundError(ShopperError):
    """Something asked for by id or name does not exist."""


class ConflictError(ShopperError):
    """Someone else changed the same record since it was read, or contents clash."""


class IncompleteError(ShopperError):
    """An evaluation cannot move to the requested status: items are unanswered."""

    def __init__(self, message: str, missing: list[str]) -> None:
        super().__init__(message)
        self.missing = missing


class DatabaseError(ShopperError):
    """The database cannot be opened or used (bad URL, corrupt file, newer schema...)."""


class ReadOnlyError(ShopperError):
    """A submitted evaluation must be reopened before it can change."""
