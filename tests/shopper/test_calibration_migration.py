"""Revision 0005 (calibration sessions) from a filled revision-0004 database: every shop keeps
its status, scores and answers; the new tables take a session and its raters; downgrade
removes them again."""

from __future__ import annotations

from sqlalchemy import inspect, text

from shopper.storage import migrate
from shopper.storage.db import Database, create_db_engine, resolve_url
from tests.shopper.test_migrations_0004 import NOW, _filled_0003, _shops


def _answers(db: Database) -> list[tuple[object, ...]]:
    with db.engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(text("SELECT * FROM answers ORDER BY evaluation_id, item_path"))
        ]


def test_a_filled_0004_database_gains_calibration_sessions(db_target: str) -> None:
    _filled_0003(db_target)
    db = Database(resolve_url(db_target), create_db_engine(resolve_url(db_target)))
    try:
        migrate.upgrade(db, "0004")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO people (id, name, roles, created_at, updated_at) "
                    "VALUES ('p-ann', 'Ann', 'shopper', :now, :now)"
                ),
                {"now": NOW},
            )
        shops, answers = _shops(db), _answers(db)

        migrate.upgrade(db, "0005")
        assert migrate.current_revision(db) == ("0005", True)
        assert _shops(db) == shops
        assert _answers(db) == answers
        with db.engine.begin() as conn:
            rubric_id = conn.execute(text("SELECT id FROM rubrics")).scalar_one()
            conn.execute(
                text(
                    "INSERT INTO calibration_sessions (id, title, rubric_id, recording, notes, "
                    "agent_id, reference_evaluation_id, created_at, updated_at) VALUES "
                    "('s1', 'Tour', :r, 'tour.mp4', NULL, 'a1', NULL, :now, :now)"
                ),
                {"r": rubric_id, "now": NOW},
            )
            conn.execute(
                text(
                    "INSERT INTO calibration_raters (session_id, person_id, invited_at) "
                    "VALUES ('s1', 'p-ann', :now)"
                ),
                {"now": NOW},
            )
            conn.execute(
                text(
                    "UPDATE evaluations SET purpose = 'calibration', session_id = 's1' "
                    "WHERE id = 'e2'"
                )
            )
        with db.engine.connect() as conn:
            found = conn.execute(
                text("SELECT id FROM evaluations WHERE session_id = 's1'")
            ).scalars()
            assert list(found) == ["e2"]
            indexes = {i["name"] for i in inspect(conn).get_indexes("evaluations")}
            assert "ix_evaluations_session_id" in indexes

        from alembic import command

        with db.engine.begin() as conn:
            command.downgrade(migrate.alembic_config(conn), "0004")
        with db.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
        assert "calibration_sessions" not in tables and "calibration_raters" not in tables
        assert _shops(db) == shops
    finally:
        db.close()
