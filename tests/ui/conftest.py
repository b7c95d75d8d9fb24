"""UI test helpers: an app context over the test database (its writer stopped after each
test), and garbage collected on the UI thread only."""

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
def _unexpected_errors_fail_the_test(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An unexpected error would open a modal "Something went wrong" box, and a modal box
    in a test waits for ever (seen as a hung run). Record it instead, and fail the test."""
    import traceback

    from ui import errors

    shown: list[BaseException] = []

    def record(_parent: object, error: BaseException) -> None:
        traceback.print_exception(error)
        shown.append(error)

    monkeypatch.setattr(errors, "show_unexpected", record)
    yield
    assert not shown, f"an unexpected error was shown: {shown[0]!r}"


@pytest.fixture
def ctx(db, qtbot):  # type: ignore[no-untyped-def]
    from ui.context import AppContext

    context = AppContext(db)
    yield context
    from ui.operations import finish

    finish(context)  # background work ends and the context's writer stops


@pytest.fixture
def agent(db):  # type: ignore[no-untyped-def]
    prop = properties.create_property(db, "Élan Flats", "1 Main St")
    return agents.create_agent(db, "José Núñez", prop.id)
