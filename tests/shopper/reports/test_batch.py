"""Batch export: file names, skipped agents, combined bookmarks, atomic writes, cancel."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from shopper.errors import ShopperError
from shopper.reports import batch
from shopper.reports.batch import BatchRequest, export_scorecards, safe_filename
from shopper.services import aggregates as ag
from tests.shopper.reports.conftest import END, NAMES, PROPERTY, START, World, pdftotext

pytestmark = pytest.mark.usefixtures("poppler")
PERIOD = ag.Period(START, END)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("José Núñez", "José Núñez"),
        ("Nguyễn Thị Lan", "Nguyễn Thị Lan"),
        ("王芳", "王芳"),
        ('AC/DC: "best" <agent>?', "ACDC best agent"),
        ("back\\slash|pipe*star", "backslashpipestar"),
        ("  trailing dots... ", "trailing dots"),
        ("tab\tand\nnewline", "tabandnewline"),
        ("evil\u202egpj.exe", "evilgpj.exe"),
        ("CON", "CON_"),
        ("", "agent"),
        ("///", "agent"),
    ],
)
def test_safe_filename(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


def test_safe_filename_keeps_names_short_in_bytes() -> None:
    name = safe_filename("王" * 200)
    assert len(name.encode("utf-8")) <= batch.MAX_NAME_BYTES
    assert set(name) == {"王"}


def test_decomposed_accents_are_composed() -> None:
    assert safe_filename("Jose\u0301") == "José"


def test_duplicate_names_are_numbered_case_insensitively() -> None:
    assert batch.unique_filenames(["Ana - X", "ana - x", "Ana - X", "Bo"]) == [
        "Ana - X.pdf",
        "ana - x (2).pdf",
        "Ana - X (3).pdf",
        "Bo.pdf",
    ]


def test_one_pdf_per_agent_with_safe_names_and_a_summary(world: World, tmp_path: Path) -> None:
    out = tmp_path / "cards"
    seen: list[tuple[int, int]] = []
    result = export_scorecards(
        world.db,
        BatchRequest(out_dir=out, period=PERIOD, size="a4", workers=1),
        progress=lambda d, t: seen.append((d, t)),
    )
    files = sorted(p.name for p in out.iterdir())
    prop = "Café Élan & Lofts"
    assert files == sorted(
        [f"{NAMES[s]} - {prop}.pdf" for s in NAMES] + ["Grace Rossi - Maple Court.pdf"]
    )
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary files
    assert [a.name for a in result.skipped] == ["Idle Agent"]
    assert "Idle Agent" in result.summary()
    assert "Skipped 1 agent" in result.summary()
    assert result.pages == sum(len(PdfReader(w.path).pages) for w in result.written)
    assert seen[-1] == (7, 7)
    for written in result.written:
        assert written.agent_name in pdftotext(written.path)


def test_filters_by_agent_and_property(world: World, tmp_path: Path) -> None:
    result = export_scorecards(
        world.db,
        BatchRequest(
            out_dir=tmp_path,
            period=PERIOD,
            property_name=PROPERTY,
            agent_names=(NAMES["greek"], NAMES["chinese"].upper()),
            workers=1,
        ),
    )
    assert sorted(w.agent_name for w in result.written) == sorted(
        [NAMES["greek"], NAMES["chinese"]]
    )
    assert result.skipped == ()


def test_combined_pdf_opens_with_a_summary_and_groups_bookmarks_by_property(
    world: World, tmp_path: Path
) -> None:
    target = tmp_path / "all.pdf"
    result = export_scorecards(
        world.db, BatchRequest(combined=target, period=PERIOD, size="letter")
    )
    reader = PdfReader(target)
    outline = reader.outline
    assert outline[0].title == "Summary" and reader.get_destination_page_number(outline[0]) == 0
    grouped: list[tuple[str, list[str]]] = []
    agents: list[tuple[str, int]] = []
    for entry in outline[1:]:
        if isinstance(entry, list):
            grouped[-1][1].extend(e.title for e in entry)
            agents += [(e.title, reader.get_destination_page_number(e)) for e in entry]
        else:
            grouped.append((entry.title, []))
    assert grouped == [
        (PROPERTY, [f"{w.agent_name} ({w.property_name})" for w in result.written[:-1]]),
        ("Maple Court", ["Grace Rossi (Maple Court)"]),
    ]
    starts = [page for _, page in agents]
    assert starts[0] == 1 and starts == sorted(starts) and len(set(starts)) == len(starts)
    assert result.pages == len(reader.pages)
    summary = " ".join(pdftotext(target, "-f", "1", "-l", "1").split())
    for w in result.written:
        assert w.agent_name in summary
    first_agent_pages = starts[1] - starts[0]
    text = pdftotext(target, "-f", "2", "-l", str(1 + first_agent_pages))
    assert f"Page {first_agent_pages} of {first_agent_pages}" in text
    assert [a.name for a in result.skipped] == ["Idle Agent"]


def test_nothing_to_export_is_an_error_for_combined(world: World, tmp_path: Path) -> None:
    target = tmp_path / "x.pdf"
    with pytest.raises(ShopperError, match="no agent has a submitted shop"):
        export_scorecards(
            world.db,
            BatchRequest(combined=target, period=ag.Period(END, END), agent_names=("Grace Rossi",)),
        )
    assert not target.exists()
    assert not [p for p in tmp_path.iterdir() if p.suffix in (".pdf", ".tmp")]


def test_cancel_stops_between_agents_and_leaves_only_whole_files(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batch, "CHUNK", 1)
    calls = {"n": 0}

    def cancelled() -> bool:
        calls["n"] += 1
        return calls["n"] > 2

    out = tmp_path / "out"
    result = export_scorecards(
        world.db, BatchRequest(out_dir=out, period=PERIOD, workers=1), cancelled=cancelled
    )
    assert result.cancelled
    assert len(result.written) == 2
    assert sorted(p.name for p in out.iterdir()) == sorted(w.path.name for w in result.written)
    assert result.summary().startswith("Cancelled")
    assert len(result.unwritten) == 5
    assert not any(p.exists() for p in result.unwritten)
    assert all(p.name in result.summary() for p in result.unwritten)


def _check_partial(error: batch.BatchIncompleteError, out: Path) -> None:
    assert error.written and error.unwritten
    assert len(error.written) + len(error.unwritten) == 7
    files = sorted(p.name for p in out.iterdir() if p.is_file())
    assert files == sorted(p.name for p in error.written)
    assert all(PdfReader(p).pages for p in error.written)  # whole files
    assert not any(p.is_file() for p in error.unwritten)
    message = str(error)
    assert f"stopped after {len(error.written)} of 7 files" in message
    assert all(p.name in message for p in error.written + error.unwritten)


def test_a_full_disk_stops_the_batch_and_lists_what_was_and_was_not_written(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import contextlib
    import errno
    import os

    monkeypatch.setattr(batch, "CHUNK", 1)
    real = batch.atomic_writer
    calls = {"n": 0}

    @contextlib.contextmanager
    def filling(path: Path, mode: str = "w"):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        with real(path, mode) as handle:
            yield handle
            if calls["n"] == 4:  # the disk fills while the 4th file is written
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(batch, "atomic_writer", filling)
    out = tmp_path / "out"
    with pytest.raises(batch.BatchIncompleteError) as caught:
        export_scorecards(world.db, BatchRequest(out_dir=out, period=PERIOD, workers=1))
    _check_partial(caught.value, out)
    assert len(caught.value.written) == 3
    assert "No space left on device" in str(caught.value)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary file


def test_a_file_that_cannot_be_written_stops_worker_processes_too(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batch, "CHUNK", 1)
    out = tmp_path / "out"
    out.mkdir()
    third = f"{NAMES['cyrillic']} - Café Élan & Lofts.pdf"  # the third agent in name order
    (out / third).mkdir()  # a folder where the PDF should go: it cannot be replaced
    with pytest.raises(batch.BatchIncompleteError) as caught:
        export_scorecards(world.db, BatchRequest(out_dir=out, period=PERIOD, workers=2))
    _check_partial(caught.value, out)
    assert out / third in caught.value.unwritten


def test_large_batches_take_larger_jobs() -> None:
    """Each job pays a fixed cost for its queries: 500 agents on 2 workers go in jobs of 32
    (16 jobs, still several per worker for progress and cancelling); small batches keep 8."""
    assert batch.chunk_size(500, 2) == batch.MAX_CHUNK == 32
    assert batch.chunk_size(2000, 8) == 32
    assert batch.chunk_size(100, 2) == 12
    assert batch.chunk_size(30, 2) == batch.CHUNK == 8
    assert batch.chunk_size(7, 1) == 8
    jobs = -(-500 // batch.chunk_size(500, 2))
    assert jobs >= 2 * batch.JOBS_PER_WORKER
