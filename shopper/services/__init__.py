"""Queries and commands, one module per noun. They take a `Database`, run one transaction
each, and return frozen dataclasses; callers never see ORM rows."""
