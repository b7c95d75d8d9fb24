"""Big imports score in worker processes; the result is the same as scoring inline."""

from __future__ import annotations

from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from shopper.exchange import scoring_pool
from shopper.exchange.package_export import export_package
from shopper.exchange.package_import import import_package
from shopper.exchange.scoring_pool import Scorer, Scoring, score_requests
from shopper.paths import DEFAULT_RUBRIC
from shopper.rubric import load_rubric_file
from shopper.storage.db import Database, open_database
from tests.shopper.exchange.conftest import comparable, load
from tests.shopper.exchange.test_package_roundtrip import scores


def test_worker_processes_score_like_the_importing_process(
    package: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inline = open_database(tmp_path / "inline.db")
    pooled = open_database(tmp_path / "pooled.db")
    try:
        import_package(inline, package)
        monkeypatch.setattr(scoring_pool, "POOL_THRESHOLD", 1)
        monkeypatch.setattr(scoring_pool.os, "cpu_count", lambda: 2)
        with Scorer(10) as scorer:
            assert scorer.pool is not None  # the pool really is used below
        import_package(pooled, package)
        assert scores(pooled) == scores(inline)
        for db in (inline, pooled):
            export_package(db, tmp_path / f"{db.path.stem}.json")  # type: ignore[union-attr]
        assert comparable(load(tmp_path / "inline.json")) == comparable(
            load(tmp_path / "pooled.json")
        )
    finally:
        inline.close()
        pooled.close()


def test_broken_workers_fall_back_to_scoring_here(db: Database) -> None:
    rubric = load_rubric_file(DEFAULT_RUBRIC)
    with Scorer(10) as scorer:
        requests = [scorer.request("e1", rubric, {"greeting.greeted_promptly": "yes"})]
        broken: Future[list[scoring_pool.Scored]] = Future()
        broken.set_exception(BrokenProcessPool("killed"))
        assert Scoring(scorer, requests, broken).result() == score_requests(requests)
