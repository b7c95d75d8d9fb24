"""Who may do what on a shared database, enforced by PostgreSQL itself: each role connects
with its own login, through the app's services and with plain SQL, and walks the matrix.
Every allowed cell succeeds; every forbidden one fails with a plain message and changes
nothing (checksums of every table before and after)."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from shopper.errors import NotFoundError, ShopperError
from shopper.rubric import parse_rubric
from shopper.services import (
    agents,
    disputes,
    evaluations,
    people,
    properties,
    review,
    rubrics,
    settings,
)
from shopper.services.evaluations import AnswerData
from shopper.storage.access import install_roles
from shopper.storage.db import Database, open_database
from tests.shopper.rubric_factory import rubric_dict

pytestmark = pytest.mark.postgres

DAY = dt.date(2026, 11, 20)
ANSWERS = {
    "greeting.prompt": AnswerData("yes"),
    "greeting.rapport": AnswerData(4, "Warm and kind"),
    "greeting.booking": AnswerData("Shopper asked"),
    "follow_up.called": AnswerData("no"),
    "fair.no_steering": AnswerData("yes"),
    "cx.likely": AnswerData(4),
}
ROLE_NAMES = ("admin", "reviewer", "trainer", "shopper")
TABLES = (
    "settings",
    "properties",
    "agents",
    "rubrics",
    "evaluations",
    "answers",
    "section_scores",
    "evaluation_events",
    "history_events",
    "disputes",
    "dispute_items",
    "people",
    "person_properties",
    "admin_events",
    "alembic_version",
)

# What each role may do to each table, written out here (not read from the code under test):
# r = SELECT, i = INSERT, u = UPDATE, d = DELETE.
MATRIX: dict[str, dict[str, str]] = {
    "settings": {"admin": "riud", "reviewer": "r", "trainer": "r", "shopper": "r"},
    "properties": {"admin": "riud", "reviewer": "r", "trainer": "r", "shopper": "r"},
    "agents": {"admin": "riud", "reviewer": "riu", "trainer": "r", "shopper": "ri"},
    "rubrics": {"admin": "riud", "reviewer": "r", "trainer": "r", "shopper": "r"},
    "evaluations": {"admin": "riud", "reviewer": "ru", "trainer": "r", "shopper": "riud"},
    "answers": {"admin": "riud", "reviewer": "riud", "trainer": "r", "shopper": "riud"},
    "section_scores": {"admin": "riud", "reviewer": "riud", "trainer": "r", "shopper": "riud"},
    "evaluation_events": {"admin": "riud", "reviewer": "ri", "trainer": "r", "shopper": "ri"},
    "history_events": {"admin": "ri", "reviewer": "ri", "trainer": "ri", "shopper": "ri"},
    "disputes": {"admin": "riud", "reviewer": "ru", "trainer": "ri", "shopper": ""},
    "dispute_items": {"admin": "riud", "reviewer": "ru", "trainer": "ri", "shopper": ""},
    "people": {"admin": "riud", "reviewer": "r", "trainer": "r", "shopper": "r"},
    "person_properties": {"admin": "riud", "reviewer": "r", "trainer": "r", "shopper": "r"},
    "admin_events": {"admin": "ri", "reviewer": "r", "trainer": "", "shopper": ""},
    "alembic_version": {"admin": "r", "reviewer": "r", "trainer": "r", "shopper": "r"},
}


@dataclass
class World:
    owner: Database
    url: str
    logins: dict[str, str]
    person: dict[str, str]
    shop: dict[str, str]
    props: dict[str, str]
    agent: dict[str, str]
    rubric_id: int
    password: str
    opened: list[Database]

    def open_as(self, role: str) -> Database:
        url = make_url(self.url).set(username=self.logins[role], password=self.password)
        db = open_database(url.render_as_string(hide_password=False))
        self.opened.append(db)
        return db

    def checksums(self) -> dict[str, str]:
        with self.owner.engine.connect() as conn:
            return {
                t: str(
                    conn.execute(
                        text(
                            "SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), "
                            f"'')) FROM {t} x"
                        )
                    ).scalar_one()
                )
                for t in TABLES
            }


def _shop(
    db: Database, w_rubric: int, agent_id: str, shopper_id: str, name: str, status: str
) -> str:
    return evaluations.create(
        db,
        rubric_id=w_rubric,
        agent_id=agent_id,
        visited_on=DAY,
        answers=ANSWERS,
        status=status,  # type: ignore[arg-type]
        actor=shopper_id,
        shopper=name,
        shopper_id=shopper_id,
    ).id


@pytest.fixture
def world(pg_url: str) -> Iterator[World]:
    owner = open_database(pg_url)
    rubrics.ensure_default_rubric(owner)
    assert install_roles(owner) == "shopper_"
    tag = uuid.uuid4().hex[:8]
    password = secrets.token_urlsafe(12)
    rubric_id = rubrics.save_rubric(owner, parse_rubric(rubric_dict())).info.id
    p1 = properties.create_property(owner, "Maple Court")
    p2 = properties.create_property(owner, "Oak House")
    a1 = agents.create_agent(owner, "Ana", p1.id)
    a2 = agents.create_agent(owner, "Bo", p2.id)
    logins = {role: f"t_{role}_{tag}" for role in (*ROLE_NAMES, "shopper2")}
    person: dict[str, str] = {}
    made: list[str] = []
    opened: list[Database] = []
    try:
        for role, login in logins.items():
            made.append(login)
            person[role] = people.add_with_login(
                owner,
                f"{role.title()} {tag}",
                login=login,
                password=password,
                roles=["shopper" if role == "shopper2" else role],
                properties=[p1.id] if role == "trainer" else [],
            ).id
        shop = {
            "draft": _shop(owner, rubric_id, a1.id, person["shopper"], "Sam", "draft"),
            "submitted": _shop(owner, rubric_id, a1.id, person["shopper"], "Sam", "submitted"),
            "released": _shop(owner, rubric_id, a1.id, person["shopper"], "Sam", "submitted"),
            "other": _shop(owner, rubric_id, a1.id, person["shopper2"], "Sid", "submitted"),
            "p2": _shop(owner, rubric_id, a2.id, person["shopper2"], "Sid", "submitted"),
        }
        for key in ("released", "p2"):
            review.release(owner, shop[key], actor=person["reviewer"])
        world = World(
            owner,
            pg_url,
            logins,
            person,
            shop,
            {"p1": p1.id, "p2": p2.id},
            {"a1": a1.id, "a2": a2.id},
            rubric_id,
            password,
            opened,
        )
        yield world
    finally:
        for db in opened:
            db.close()
        owner.close()
        admin = create_engine(make_url(pg_url), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for login in made:
                conn.execute(text(f'DROP ROLE IF EXISTS "{login}"'))
        admin.dispose()


def _refused(w: World, action: Callable[[], object], *words: str) -> str:
    """`action` fails with a plain message containing `words`, and nothing changed."""
    before = w.checksums()
    with pytest.raises(ShopperError) as caught:
        action()
    message = str(caught.value)
    assert "Traceback" not in message and "[SQL" not in message
    for word in words:
        assert word in message, message
    assert w.checksums() == before
    return message


def _sql(db: Database, statement: str, params: dict[str, object] | None = None) -> int:
    with db.write() as session:
        return int(session.execute(text(statement), params or {}).rowcount or 0)


def _cell(db: Database, table: str, op: str) -> None:
    """One cell of the matrix in plain SQL: r reads rows; i, u, d are checked for the right
    itself (PostgreSQL checks privileges before looking at rows) without changing data."""
    statements = {
        "r": f"SELECT count(*) FROM {table}",
        "i": f"INSERT INTO {table} SELECT * FROM {table} WHERE false",
        "u": f"UPDATE {table} SET {_first_column(table)} = {_first_column(table)} WHERE false",
        "d": f"DELETE FROM {table} WHERE false",
    }
    _sql(db, statements[op])


def _first_column(table: str) -> str:
    return {
        "settings": "key",
        "alembic_version": "version_num",
        "answers": "evaluation_id",
        "section_scores": "evaluation_id",
        "dispute_items": "dispute_id",
        "person_properties": "person_id",
    }.get(table, "id")


def test_every_role_walks_the_table_matrix_in_plain_sql(world: World) -> None:
    for role in ROLE_NAMES:
        db = world.open_as(role)
        for table in TABLES:
            for op in "riud":
                allowed = op in MATRIX[table][role]
                if allowed:
                    _cell(db, table, op)
                else:
                    _refused(world, partial(_cell, db, table, op), "Refused by the database")


def test_history_events_are_never_updated_or_deleted_by_anyone(world: World) -> None:
    for role in ROLE_NAMES:
        db = world.open_as(role)
        for statement in (
            "UPDATE history_events SET reason = 'rewritten'",
            "DELETE FROM history_events",
        ):
            message = _refused(world, partial(_sql, db, statement), "Refused by the database")
            assert "never changed or deleted" in message or "may not" in message


def _visible(db: Database) -> set[str]:
    with db.read() as session:
        return {r[0] for r in session.execute(text("SELECT id FROM evaluations"))}


def test_who_sees_which_shops(world: World) -> None:
    shop = world.shop
    assert _visible(world.open_as("admin")) == set(shop.values())
    assert _visible(world.open_as("reviewer")) == set(shop.values())
    # Counted shops of the trainer's property only: no draft, nothing of Oak House.
    assert _visible(world.open_as("trainer")) == {
        shop["submitted"],
        shop["released"],
        shop["other"],
    }
    # Their own, until reviewed or released.
    assert _visible(world.open_as("shopper")) == {shop["draft"], shop["submitted"]}
    with world.open_as("shopper").read() as session:
        answers = {r[0] for r in session.execute(text("SELECT evaluation_id FROM answers"))}
        history = {r[0] for r in session.execute(text("SELECT evaluation_id FROM history_events"))}
    assert answers == {shop["draft"], shop["submitted"]}
    assert history <= {shop["draft"], shop["submitted"]}


def test_review_required_narrows_what_a_trainer_sees(world: World) -> None:
    settings.set_review_required(world.owner, True)
    assert _visible(world.open_as("trainer")) == {world.shop["released"]}


def test_status_transitions_by_role_through_the_services(world: World) -> None:
    shop, person = world.shop, world.person
    shopper = world.open_as("shopper")
    trainer = world.open_as("trainer")
    reviewer = world.open_as("reviewer")
    # A shopper submits their own draft, but reviews, releases, returns or excludes nothing.
    evaluations.set_status(
        shopper,
        shop["draft"],
        "submitted",
        evaluations.get(shopper, shop["draft"]).row_version,
        actor=person["shopper"],
    )
    _refused(
        world,
        lambda: review.release(shopper, shop["submitted"], actor=person["shopper"]),
        "only reviewers can release shops",
    )
    _refused(
        world,
        lambda: review.mark_reviewed(shopper, shop["submitted"], actor=person["shopper"]),
        "only reviewers can mark shops reviewed",
    )
    _refused(
        world,
        lambda: review.return_to_shopper(
            shopper, shop["submitted"], actor=person["shopper"], reason="x"
        ),
        "only reviewers",
    )
    _refused(
        world,
        lambda: review.exclude(shopper, shop["submitted"], actor=person["shopper"], reason="x"),
        "only reviewers can exclude",
    )
    # Someone else's shop does not exist for them.
    with pytest.raises(NotFoundError):
        evaluations.get(shopper, shop["other"])
    assert (
        _sql(shopper, "UPDATE evaluations SET notes = 'x' WHERE id = :i", {"i": shop["other"]}) == 0
    )
    # A trainer changes no shop.
    _refused(
        world,
        lambda: review.release(trainer, shop["submitted"], actor=person["trainer"]),
        "only reviewers",
    )
    _refused(
        world,
        lambda: review.mark_reviewed(trainer, shop["other"], actor=person["trainer"]),
        "Refused by the database",
    )
    _refused(
        world,
        lambda: review.exclude(trainer, shop["other"], actor=person["trainer"], reason="x"),
        "Refused by the database",
    )
    # An admin does every step too.
    admin = world.open_as("admin")
    review.mark_reviewed(admin, shop["other"], actor=person["admin"])
    review.return_to_shopper(admin, shop["other"], actor=person["admin"], reason="fix")
    # A reviewer does every step.
    review.mark_reviewed(reviewer, shop["submitted"], actor=person["reviewer"])
    review.release(reviewer, shop["submitted"], actor=person["reviewer"])
    review.reopen(reviewer, shop["submitted"], actor=person["reviewer"], reason="check")
    review.return_to_shopper(reviewer, shop["submitted"], actor=person["reviewer"], reason="fix")
    review.exclude(reviewer, shop["p2"], actor=person["reviewer"], reason="wrong agent")
    review.include(reviewer, shop["p2"], actor=person["reviewer"], reason="right after all")
    # Returned: back with its shopper, who may edit it again.
    assert shop["submitted"] in _visible(shopper)
    # Released: no longer the shopper's to read.
    assert shop["released"] not in _visible(shopper)


def test_a_shopper_in_plain_sql_cannot_promote_their_own_shop(world: World) -> None:
    shopper = world.open_as("shopper")
    for status in ("reviewed", "released"):
        _refused(
            world,
            partial(
                _sql,
                shopper,
                "UPDATE evaluations SET status = :status WHERE id = :i",
                {"status": status, "i": world.shop["submitted"]},
            ),
            f"only reviewers can {'release' if status == 'released' else 'mark'}",
        )
    _refused(
        world,
        lambda: _sql(
            shopper,
            "UPDATE evaluations SET shopper_id = :p WHERE id = :i",
            {"p": world.person["shopper2"], "i": world.shop["draft"]},
        ),
        "Refused by the database",
    )


def test_only_admins_change_rubrics_people_settings_and_properties(world: World) -> None:
    reviewer = world.open_as("reviewer")
    changed = rubric_dict(name="Changed", version=2)
    _refused(
        world,
        lambda: rubrics.save_rubric(reviewer, parse_rubric(changed)),
        "only admins can change rubrics",
    )
    _refused(
        world,
        lambda: settings.put(reviewer, "dispute_days", "30"),
        "only admins can change settings",
    )
    _refused(
        world,
        lambda: people.add(reviewer, "New Person", ["shopper"]),
        "only admins can add or change people",
    )
    _refused(
        world,
        lambda: properties.create_property(reviewer, "Elm"),
        "only admins can add or change properties",
    )
    _refused(
        world,
        lambda: people.add_with_login(
            reviewer,
            "Login Person",
            login=f"t_x_{uuid.uuid4().hex[:8]}",
            password="x" * 10,
            roles=["shopper"],
        ),
        "only admins",
    )
    admin = world.open_as("admin")
    settings.put(admin, "dispute_days", "30")
    properties.create_property(admin, "Elm")
    rubrics.save_rubric(admin, parse_rubric(changed))


def test_trainer_opens_disputes_on_their_properties_and_reviewer_resolves(world: World) -> None:
    trainer = world.open_as("trainer")
    reviewer = world.open_as("reviewer")
    item = disputes.ProposedItem("greeting.prompt", "no", "The recording shows a wait")
    opened = disputes.open_dispute(
        trainer, world.shop["released"], [item], actor=world.person["trainer"]
    )
    with pytest.raises(NotFoundError):  # Oak House is not theirs
        disputes.open_dispute(trainer, world.shop["p2"], [item], actor=world.person["trainer"])
    shopper = world.open_as("shopper")
    _refused(
        world,
        lambda: _sql(
            shopper,
            "INSERT INTO disputes (id, evaluation_id, raised_by, "
            "raised_at, updated_at) VALUES ('d', :e, '', now(), now())",
            {"e": world.shop["submitted"]},
        ),
        "disputes",
    )
    _refused(
        world,
        lambda: disputes.resolve(
            trainer,
            opened.id,
            "greeting.prompt",
            "accepted",
            actor=world.person["trainer"],
            reason="agreed",
        ),
        "only reviewers",
    )
    resolved = disputes.resolve(
        reviewer,
        opened.id,
        "greeting.prompt",
        "accepted",
        actor=world.person["reviewer"],
        reason="The recording agrees",
    )
    assert resolved.closed_at is not None


def test_deactivated_login_cannot_connect(world: World) -> None:
    people.deactivate(world.owner, world.person["shopper2"])
    with pytest.raises(ShopperError):
        world.open_as("shopper2")


def test_only_an_admin_login_erases_and_purges(world: World) -> None:
    from shopper.services import privacy

    reviewer = world.open_as("reviewer")
    _refused(
        world,
        lambda: privacy.purge(reviewer, dt.date(2030, 1, 1), actor=world.person["reviewer"]),
        "only admins can erase or purge history",
    )
    _refused(
        world,
        lambda: privacy.erase_agent(reviewer, "Ana", actor=world.person["reviewer"]),
        "Refused by the database",
    )
    admin = world.open_as("admin")
    done = privacy.erase_agent(admin, "Ana", actor=world.person["admin"])
    assert done.pseudonyms == (privacy.pseudonym(world.agent["a1"]),)
    purged = privacy.purge(admin, dt.date(2030, 1, 1), actor=world.person["admin"])
    assert purged.shops == len(world.shop)
    with world.owner.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM history_events")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM admin_events")).scalar_one() == 2
    # The guard is back for everyone, the admin included.
    _refused(
        world,
        partial(_sql, admin, "DELETE FROM history_events"),
        "Refused by the database",
    )


def test_the_app_can_tell_what_the_connected_person_may_do(world: World) -> None:
    from shopper.storage.access import connected_roles

    assert connected_roles(world.open_as("trainer")) == ("trainer",)
    assert connected_roles(world.open_as("shopper")) == ("shopper",)
    assert set(connected_roles(world.open_as("admin")) or ()) >= {"admin"}


def test_people_commands_make_and_manage_logins(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io
    import json

    from shopper.cli import main

    login = f"t_cli_{uuid.uuid4().hex[:8]}"
    admin_url = (
        make_url(world.url)
        .set(username=world.logins["admin"], password=world.password)
        .render_as_string(hide_password=False)
    )
    reviewer_url = (
        make_url(world.url)
        .set(username=world.logins["reviewer"], password=world.password)
        .render_as_string(hide_password=False)
    )
    try:
        monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
        args = ["people", "add", "Tina Trainer", "--login", login, "--role", "trainer"]
        args += ["--property", "Maple Court", "--password-stdin"]
        assert main(["--db", admin_url, *args]) == 0, capsys.readouterr().err
        capsys.readouterr()
        assert main(["--db", admin_url, "people", "list", "--json"]) == 0
        listed = {p["name"]: p for p in json.loads(capsys.readouterr().out)}
        assert listed["Tina Trainer"]["login"] == login
        assert listed["Tina Trainer"]["properties"] == [world.props["p1"]]
        assert (
            main(["--db", admin_url, "people", "set-roles", "Tina Trainer", "--role", "reviewer"])
            == 0
        )
        with world.owner.engine.connect() as conn:
            groups = {
                r[0]
                for r in conn.execute(
                    text(
                        "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g "
                        "ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member "
                        "WHERE u.rolname = :l"
                    ),
                    {"l": login},
                )
            }
        assert groups == {"shopper_reviewer"}
        capsys.readouterr()
        # Only admins add people.
        monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
        other = f"t_cli_{uuid.uuid4().hex[:8]}"
        before = world.checksums()
        assert (
            main(
                [
                    "--db",
                    reviewer_url,
                    "people",
                    "add",
                    "Nope",
                    "--login",
                    other,
                    "--role",
                    "shopper",
                    "--password-stdin",
                ]
            )
            == 1
        )
        err = capsys.readouterr().err
        assert "only admins" in err and "Traceback" not in err
        assert world.checksums() == before
        assert main(["--db", admin_url, "people", "deactivate", "Tina Trainer"]) == 0
        with world.owner.engine.connect() as conn:
            assert not conn.execute(
                text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :l"), {"l": login}
            ).scalar_one()
    finally:
        admin = create_engine(make_url(world.url), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP ROLE IF EXISTS "{login}"'))
        admin.dispose()


def test_a_shopper_creates_only_their_own_shops(world: World) -> None:
    shopper = world.open_as("shopper")
    mine = _shop(
        shopper, world.rubric_id, world.agent["a1"], world.person["shopper"], "Sam", "submitted"
    )
    assert mine in _visible(shopper)
    _refused(
        world,
        lambda: evaluations.create(
            shopper,
            rubric_id=world.rubric_id,
            agent_id=world.agent["a1"],
            visited_on=DAY,
            answers=ANSWERS,
            actor=world.person["shopper"],
            shopper="Sid",
            shopper_id=world.person["shopper2"],
        ),
        "only shoppers (their own shops)",
    )


def test_init_by_another_login_leaves_the_roles_as_the_owner_set_them(world: World) -> None:
    from shopper.cli import main

    url = (
        make_url(world.url)
        .set(username=world.logins["reviewer"], password=world.password)
        .render_as_string(hide_password=False)
    )
    before = world.checksums()
    assert main(["--db", url, "init"]) == 0
    assert world.checksums() == before
