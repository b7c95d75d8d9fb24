"""UI test helpers: an app context over the test database, and no writer thread left behind."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from shopper.services import agents, properties


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_ui_thread(qapp) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """As in the app (ui/gc_guard.py): no cyclic garbage collection on worker threads."""
    from ui.gc_guard import install_gc_guard

    install_gc_guard()
    yield
    gc.collect()


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
