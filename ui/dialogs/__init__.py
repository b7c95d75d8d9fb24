"""Dialogs of the shopper's desk: new evaluation, reopen reason, what is missing, conflicts."""
