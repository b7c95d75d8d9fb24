"""UI test helpers: an app context over the test database, and no writer thread left behind."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shopper.services import agents, properties


@pytest.fixture(autouse=True)
def _stop_writer_thread() -> Iterator[None]:
    yield
    from ui.autosave import stop_app_writer

    stop_app_writer()


@pytest.fixture
def ctx(db, qtbot):  # type: ignore[no-untyped-def]
    from ui.context import AppContext

    context = AppContext(db)
    yield context
    from ui.main_window import finish_tasks

    finish_tasks(context)


@pytest.fixture
def agent(db):  # type: ignore[no-untyped-def]
    prop = properties.create_property(db, "Élan Flats", "1 Main St")
    return agents.create_agent(db, "José Núñez", prop.id)
