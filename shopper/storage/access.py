"""Who may do what on a shared PostgreSQL database, enforced by PostgreSQL itself (so it holds
for someone connecting with `psql` too): four group roles, the tables each may read and
change (GRANT), and which rows (row-level security).

- admin: everything, except changing or deleting history events (nobody may; an erasure
  or a purge goes through `shopper_history_redact` / `shopper_history_delete`, functions
  only admins may call, which lift the guard for their one statement).
- reviewer: reads every shop and its history, reviews, returns, releases, excludes, edits
  with reasons, resolves disputes; reads rubrics, people, settings, properties; may add or
  correct agents; cannot change rubrics, people, properties or settings.
- trainer: reads the counted shops (SCORING.md, *Review and release*) of the properties
  assigned to them (`person_properties`), with their answers and history, so scorecards
  cover exactly those; may open disputes on them.
- shopper: reads and writes only their own shops (`evaluations.shopper_id` is the person
  whose `people.login` is the connected user), only until they are reviewed or released;
  sees no other shop. May add agents met on a tour.

Group roles are `<prefix>admin` etc. (prefix `shopper_` unless `install` is given another,
remembered in the `access_role_prefix` setting); people's login roles are members.
Everything here is idempotent: `install` may run again at every `shopper init`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from shopper.domain import ROLES, Role
from shopper.errors import ValidationError

DEFAULT_PREFIX = "shopper_"
PREFIX_SETTING = "access_role_prefix"
"""Setting holding the group-role prefix of this database (written by `install`)."""

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_LOGIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.@-]{0,62}$")

SHOPPER_OPEN_STATUSES = ("draft", "awaiting_follow_up", "submitted", "returned")
"""A shopper's own shop is theirs to read and change until it is reviewed or released."""

READ, ADD, CHANGE, REMOVE = "SELECT", "INSERT", "UPDATE", "DELETE"
ALL = (READ, ADD, CHANGE, REMOVE)

TABLE_GRANTS: dict[str, dict[Role, tuple[str, ...]]] = {
    "alembic_version": {
        "admin": (READ,),
        "reviewer": (READ,),
        "trainer": (READ,),
        "shopper": (READ,),
    },
    "settings": {"admin": ALL, "reviewer": (READ,), "trainer": (READ,), "shopper": (READ,)},
    "properties": {"admin": ALL, "reviewer": (READ,), "trainer": (READ,), "shopper": (READ,)},
    "agents": {
        "admin": ALL,
        "reviewer": (READ, ADD, CHANGE),
        "trainer": (READ,),
        "shopper": (READ, ADD),
    },
    "rubrics": {"admin": ALL, "reviewer": (READ,), "trainer": (READ,), "shopper": (READ,)},
    "evaluations": {"admin": ALL, "reviewer": (READ, CHANGE), "trainer": (READ,), "shopper": ALL},
    "answers": {"admin": ALL, "reviewer": ALL, "trainer": (READ,), "shopper": ALL},
    "section_scores": {"admin": ALL, "reviewer": ALL, "trainer": (READ,), "shopper": ALL},
    "evaluation_events": {
        "admin": ALL,
        "reviewer": (READ, ADD),
        "trainer": (READ,),
        "shopper": (READ, ADD),
    },
    "history_events": {
        "admin": (READ, ADD),
        "reviewer": (READ, ADD),
        "trainer": (READ, ADD),
        "shopper": (READ, ADD),
    },
    "disputes": {"admin": ALL, "reviewer": (READ, CHANGE), "trainer": (READ, ADD), "shopper": ()},
    "dispute_items": {
        "admin": ALL,
        "reviewer": (READ, CHANGE),
        "trainer": (READ, ADD),
        "shopper": (),
    },
    "people": {"admin": ALL, "reviewer": (READ,), "trainer": (READ,), "shopper": (READ,)},
    "person_properties": {
        "admin": ALL,
        "reviewer": (READ,),
        "trainer": (READ,),
        "shopper": (READ,),
    },
    "admin_events": {"admin": (READ, ADD), "reviewer": (READ,), "trainer": (), "shopper": ()},
    # Program managers (admin, reviewer, trainer) run calibration sessions; shoppers are
    # raters: they read the sessions they take part in and score them as their own shops.
    "calibration_sessions": {
        "admin": ALL,
        "reviewer": ALL,
        "trainer": ALL,
        "shopper": (READ,),
    },
    "calibration_raters": {
        "admin": ALL,
        "reviewer": ALL,
        "trainer": ALL,
        "shopper": (READ,),
    },
}
"""What each group may do to each table (rows narrowed further by the policies below)."""

OTHER_TABLES: dict[Role, tuple[str, ...]] = {
    "admin": ALL,
    "reviewer": ALL,
    "trainer": (READ,),
    "shopper": (),
}
"""Tables not listed above (tables of later versions until they are listed)."""

_PARENT_VISIBLE = "EXISTS (SELECT 1 FROM evaluations e WHERE e.id = {table}.evaluation_id)"
ROW_RULES: dict[str, str] = {
    "answers": _PARENT_VISIBLE,
    "section_scores": _PARENT_VISIBLE,
    "evaluation_events": _PARENT_VISIBLE,
    "history_events": _PARENT_VISIBLE,
    "disputes": _PARENT_VISIBLE,
    "dispute_items": "EXISTS (SELECT 1 FROM disputes d WHERE d.id = dispute_items.dispute_id)",
}
"""Rows of these tables are visible (and changeable, as far as GRANTs allow) exactly when the
shop they belong to is visible to the same user: the subquery is itself filtered."""


def check_prefix(prefix: str) -> str:
    if not _IDENTIFIER.match(f"{prefix}reviewer"):
        raise ValidationError(
            f"{prefix!r} cannot start role names; use lower-case letters, digits and _"
        )
    return prefix


def group_role(role: Role, prefix: str = DEFAULT_PREFIX) -> str:
    return f"{check_prefix(prefix)}{role}"


def check_login(login: str) -> str:
    login = login.strip()
    if not _LOGIN.match(login) or login.lower().startswith("pg_"):
        raise ValidationError(
            f"{login!r} cannot be a database login; use letters, digits, _ . @ - "
            "(up to 63, not starting with a digit or pg_)"
        )
    return login


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _schema(conn: Connection) -> str:
    return str(conn.execute(text("SELECT current_schema()")).scalar_one())


def _tables(conn: Connection, schema: str) -> list[str]:
    rows = conn.execute(
        text("SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY tablename"),
        {"s": schema},
    )
    return [r[0] for r in rows]


def prefix_of(conn: Connection) -> str | None:
    """The group-role prefix `install` used on this database, or None if never installed."""
    try:
        value = conn.execute(
            text("SELECT value FROM settings WHERE key = :k"), {"k": PREFIX_SETTING}
        ).scalar()
    except Exception:  # no settings table, or not readable
        return None
    return str(value) if value else None


def installed(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql" and prefix_of(conn) is not None


def refresh_if_installed(conn: Connection) -> None:
    """Install again (new tables get their grants) if `install` ran on this database."""
    prefix = prefix_of(conn)
    if prefix is not None:
        install(conn, prefix)


def _create_groups(conn: Connection, prefix: str) -> None:
    for role in ROLES:
        name = group_role(role, prefix)
        # Two databases of one cluster may be set up at once: the role is made once.
        conn.exec_driver_sql(
            "DO $$ BEGIN "
            f"IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {quote_literal(name)}) THEN "
            f"CREATE ROLE {quote_ident(name)} NOLOGIN; END IF; "
            "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        )


def _functions(prefix: str, schema: str) -> list[str]:
    s = quote_ident(schema)
    admin = quote_literal(group_role("admin", prefix))
    owner = (
        "(SELECT tableowner FROM pg_catalog.pg_tables WHERE schemaname = "
        f"{quote_literal(schema)} AND tablename = 'history_events')"
    )
    guard = (
        f"IF NOT (pg_has_role(session_user, {admin}, 'MEMBER') OR "
        f"pg_has_role(session_user, {owner}, 'MEMBER')) THEN "
        "RAISE EXCEPTION 'only admins can erase or purge history' USING ERRCODE = '42501'; "
        "END IF; "
    )
    return [
        f"CREATE OR REPLACE FUNCTION {s}.shopper_person_id() RETURNS text LANGUAGE sql STABLE "
        "AS $$ SELECT id FROM people WHERE login = current_user AND active LIMIT 1 $$",
        f"CREATE OR REPLACE FUNCTION {s}.shopper_my_properties() RETURNS SETOF text "
        "LANGUAGE sql STABLE AS $$ SELECT pp.property_id FROM person_properties pp "
        "JOIN people p ON p.id = pp.person_id WHERE p.login = current_user AND p.active $$",
        f"CREATE OR REPLACE FUNCTION {s}.shopper_review_required() RETURNS boolean "
        "LANGUAGE sql STABLE AS $$ SELECT coalesce((SELECT lower(trim(value)) FROM settings "
        "WHERE key = 'review_required'), 'false') IN ('true', '1', 'yes', 'on') $$",
        # A shopper's own shop: only reviewers move it to reviewed, released or returned,
        # or exclude or include it (row-level security cannot compare old and new rows).
        f"CREATE OR REPLACE FUNCTION {s}.shopper_status_guard() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        f"IF pg_has_role(current_user, {quote_literal(group_role('shopper', prefix))}, "
        "'MEMBER') "
        f"AND NOT pg_has_role(current_user, {quote_literal(group_role('reviewer', prefix))}, "
        f"'MEMBER') AND NOT pg_has_role(current_user, {admin}, 'MEMBER') THEN "
        "IF NEW.status IS DISTINCT FROM OLD.status AND NEW.status = 'released' THEN "
        "RAISE EXCEPTION 'only reviewers can release shops' USING ERRCODE = '42501'; END IF; "
        "IF NEW.status IS DISTINCT FROM OLD.status AND NEW.status = 'reviewed' THEN "
        "RAISE EXCEPTION 'only reviewers can mark shops reviewed' USING ERRCODE = '42501'; "
        "END IF; "
        "IF NEW.status IS DISTINCT FROM OLD.status AND NEW.status = 'returned' THEN "
        "RAISE EXCEPTION 'only reviewers can return shops to their shopper' "
        "USING ERRCODE = '42501'; END IF; "
        "IF NEW.excluded_at IS DISTINCT FROM OLD.excluded_at THEN "
        "RAISE EXCEPTION 'only reviewers can exclude shops or include them again' "
        "USING ERRCODE = '42501'; END IF; "
        "END IF; RETURN NEW; END $$",
        f"DROP TRIGGER IF EXISTS access_status_guard ON {s}.evaluations",
        f"CREATE TRIGGER access_status_guard BEFORE UPDATE ON {s}.evaluations "
        f"FOR EACH ROW EXECUTE FUNCTION {s}.shopper_status_guard()",
        # The two ways history ever changes: run as the tables' owner, for admins only.
        f"CREATE OR REPLACE FUNCTION {s}.shopper_history_delete(ids text[]) RETURNS integer "
        f"LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, {s} AS $$ "
        "DECLARE n integer; BEGIN "
        f"{guard}"
        "ALTER TABLE history_events DISABLE TRIGGER USER; "
        "DELETE FROM history_events WHERE evaluation_id = ANY(ids); "
        "GET DIAGNOSTICS n = ROW_COUNT; "
        "ALTER TABLE history_events ENABLE TRIGGER USER; "
        "RETURN n; END $$",
        f"CREATE OR REPLACE FUNCTION {s}.shopper_history_redact(ids text[], "
        "by_names text[], from_values text[], to_values text[], reasons text[]) "
        "RETURNS integer "
        f"LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, {s} AS $$ "
        "DECLARE n integer; BEGIN "
        f"{guard}"
        "ALTER TABLE history_events DISABLE TRIGGER USER; "
        "UPDATE history_events h SET by_name = r.b, from_value = r.f, to_value = r.t, "
        "reason = r.r FROM unnest(ids, by_names, from_values, to_values, reasons) "
        "AS r(i, b, f, t, r) WHERE h.id = r.i; "
        "GET DIAGNOSTICS n = ROW_COUNT; "
        "ALTER TABLE history_events ENABLE TRIGGER USER; "
        "RETURN n; END $$",
        f"REVOKE ALL ON FUNCTION {s}.shopper_history_delete(text[]) FROM PUBLIC",
        f"REVOKE ALL ON FUNCTION {s}.shopper_history_redact(text[], text[], text[], text[], "
        "text[]) FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION {s}.shopper_history_delete(text[]) TO "
        f"{quote_ident(group_role('admin', prefix))}",
        f"GRANT EXECUTE ON FUNCTION {s}.shopper_history_redact(text[], text[], text[], "
        f"text[], text[]) TO {quote_ident(group_role('admin', prefix))}",
    ]


def _policies(prefix: str, schema: str, tables: Sequence[str]) -> list[str]:
    s = quote_ident(schema)
    g = {role: quote_ident(group_role(role, prefix)) for role in ROLES}
    statuses = ", ".join(quote_literal(x) for x in SHOPPER_OPEN_STATUSES)
    own = f"shopper_id = {s}.shopper_person_id() AND status IN ({statuses})"
    counted = (
        "excluded_at IS NULL AND purpose = 'shop' AND (status = 'released' OR "
        f"(status IN ('submitted', 'reviewed') AND NOT {s}.shopper_review_required()))"
    )
    out: list[str] = []

    def policy(
        table: str, name: str, command: str, to: str, using: str | None, check: str | None
    ) -> None:
        out.append(f"DROP POLICY IF EXISTS {name} ON {s}.{table}")
        clause = f"CREATE POLICY {name} ON {s}.{table} FOR {command} TO {to}"
        if using is not None:
            clause += f" USING ({using})"
        if check is not None:
            clause += f" WITH CHECK ({check})"
        out.append(clause)

    rls_tables = ["evaluations", "people", "person_properties", *ROW_RULES]
    for table in rls_tables:
        if table not in tables:
            continue
        out.append(f"ALTER TABLE {s}.{table} ENABLE ROW LEVEL SECURITY")
        policy(table, "access_admin", "ALL", g["admin"], "true", "true")
    if "evaluations" in tables:
        policy("evaluations", "access_reviewer_read", "SELECT", g["reviewer"], "true", None)
        policy("evaluations", "access_reviewer_change", "UPDATE", g["reviewer"], "true", "true")
        policy(
            "evaluations",
            "access_trainer_read",
            "SELECT",
            g["trainer"],
            f"{counted} AND property_id IN (SELECT {s}.shopper_my_properties())",
            None,
        )
        policy(
            "evaluations",
            "access_shopper_own",
            "ALL",
            g["shopper"],
            own,
            f"{own} AND excluded_at IS NULL AND released_at IS NULL",
        )
    for table in ("people", "person_properties"):
        if table not in tables:
            continue
        mine = (
            "login = current_user"
            if table == "people"
            else (f"person_id = {s}.shopper_person_id()")
        )
        policy(table, "access_reviewer_read", "SELECT", g["reviewer"], "true", None)
        policy(table, "access_own_read", "SELECT", f"{g['trainer']}, {g['shopper']}", mine, None)
    for table, rule in ROW_RULES.items():
        if table not in tables:
            continue
        visible = rule.format(table=table)
        # Reviewers see every shop: no per-row subquery for them.
        policy(table, "access_reviewer_all", "ALL", g["reviewer"], "true", "true")
        others = f"{g['trainer']}, {g['shopper']}"
        policy(table, "access_visible", "ALL", others, visible, visible)
    return out


def install(conn: Connection, prefix: str = DEFAULT_PREFIX) -> None:
    """Create (or bring up to date) the group roles, grants, policies and functions on the
    PostgreSQL database of `conn`; run by the tables' owner (with CREATEROLE)."""
    if conn.dialect.name != "postgresql":
        return
    check_prefix(prefix)
    schema = _schema(conn)
    s = quote_ident(schema)
    _create_groups(conn, prefix)
    groups = ", ".join(quote_ident(group_role(r, prefix)) for r in ROLES)
    statements = [
        f"GRANT USAGE ON SCHEMA {s} TO {groups}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM PUBLIC",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {groups}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {groups}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT ALL ON TABLES TO "
        f"{quote_ident(group_role('admin', prefix))}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT USAGE, SELECT ON SEQUENCES TO {groups}",
    ]
    tables = _tables(conn, schema)
    for table in tables:
        allowed = TABLE_GRANTS.get(table, OTHER_TABLES)
        for role in ROLES:
            privileges = allowed.get(role, ())
            if privileges:
                statements.append(
                    f"GRANT {', '.join(privileges)} ON {s}.{quote_ident(table)} TO "
                    f"{quote_ident(group_role(role, prefix))}"
                )
    statements += _functions(prefix, schema)
    statements += _policies(prefix, schema, tables)
    for statement in statements:
        conn.exec_driver_sql(statement)
    conn.execute(text("DELETE FROM settings WHERE key = :k"), {"k": PREFIX_SETTING})
    conn.execute(
        text("INSERT INTO settings (key, value) VALUES (:k, :v)"),
        {"k": PREFIX_SETTING, "v": prefix},
    )


# --- login roles of people -------------------------------------------------------------


def scram_verifier(conn: Connection, login: str, password: str) -> str:
    """The SCRAM-SHA-256 verifier of `password`, computed here (libpq), so the password
    itself never travels to the server or into its logs."""
    raw: Any = conn.connection.dbapi_connection
    pgconn = raw.pgconn
    verifier: bytes = pgconn.encrypt_password(
        password.encode("utf-8"), login.encode("utf-8"), b"scram-sha-256"
    )
    return verifier.decode("ascii")


def role_exists(conn: Connection, login: str) -> bool:
    return bool(
        conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": login}).scalar()
    )


def create_login(
    conn: Connection, login: str, password: str, roles: Iterable[Role], prefix: str
) -> None:
    """Create the login role `login` (SCRAM password) as a member of the groups of `roles`."""
    login = check_login(login)
    if not password:
        raise ValidationError("a database login needs a password")
    if role_exists(conn, login):
        raise ValidationError(f"the database already has a role called {login!r}; pick another")
    verifier = scram_verifier(conn, login, password)
    conn.exec_driver_sql(
        f"CREATE ROLE {quote_ident(login)} LOGIN PASSWORD {quote_literal(verifier)}"
    )
    set_login_roles(conn, login, roles, prefix)


def set_login_roles(conn: Connection, login: str, roles: Iterable[Role], prefix: str) -> None:
    """Make `login` a member of exactly the groups of `roles`; an admin may also create
    logins and grant the groups (CREATEROLE and the groups WITH ADMIN OPTION)."""
    wanted = set(roles)
    who = quote_ident(check_login(login))
    for role in ROLES:
        conn.exec_driver_sql(f"REVOKE {quote_ident(group_role(role, prefix))} FROM {who}")
    if "admin" in wanted:
        conn.exec_driver_sql(f"ALTER ROLE {who} CREATEROLE")
        for role in ROLES:
            conn.exec_driver_sql(
                f"GRANT {quote_ident(group_role(role, prefix))} TO {who} WITH ADMIN OPTION"
            )
        return
    conn.exec_driver_sql(f"ALTER ROLE {who} NOCREATEROLE")
    for role in ROLES:
        if role in wanted:
            conn.exec_driver_sql(f"GRANT {quote_ident(group_role(role, prefix))} TO {who}")


def disable_login(conn: Connection, login: str) -> None:
    """The login can no longer connect (its person and history stay)."""
    conn.exec_driver_sql(f"ALTER ROLE {quote_ident(check_login(login))} NOLOGIN")


def _owns_tables(conn: Connection) -> bool:
    owner = conn.execute(
        text(
            "SELECT tableowner FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename = 'evaluations'"
        )
    ).scalar()
    return owner is None or bool(
        conn.execute(text("SELECT pg_has_role(current_user, :o, 'USAGE')"), {"o": owner}).scalar()
    )


def install_roles(db: Any, prefix: str | None = None) -> str | None:
    """`install` on the PostgreSQL database `db` (a `Database`), in one transaction, with
    the prefix already in use (else `prefix`, else the default); returns the prefix, or None
    for SQLite (a laptop has no roles: whoever has the file has everything)."""
    from shopper.storage.db import AccessDeniedError, translate_errors

    if db.is_sqlite:
        return None
    try:
        with translate_errors(db), db.engine.begin() as conn:
            current = prefix_of(conn)
            chosen = prefix or current or DEFAULT_PREFIX
            if current is not None and prefix in (None, current) and not _owns_tables(conn):
                return current  # set up already, by the owner; nothing for others to do
            install(conn, chosen)
    except AccessDeniedError:
        raise AccessDeniedError(
            f"cannot set up the roles of {db.describe()}: run `shopper init` as the owner of "
            "its tables, with the right to create roles (CREATEROLE)"
        ) from None
    return chosen


def connected_roles(db: Any) -> tuple[Role, ...] | None:
    """The roles the connected login holds on a shared database (so the app offers only
    what it may do), or None where the database does not say (SQLite, or a PostgreSQL
    database without roles, where the connected user may do everything)."""
    if db.is_sqlite:
        return None
    with db.read() as session:
        conn = session.connection()
        prefix = prefix_of(conn)
        if prefix is None:
            return None
        held = conn.execute(
            text(
                "SELECT r FROM unnest(CAST(:names AS text[])) AS r "
                "WHERE pg_has_role(current_user, r, 'MEMBER')"
            ),
            {"names": [group_role(role, prefix) for role in ROLES]},
        )
        names = {row[0] for row in held}
    return tuple(role for role in ROLES if group_role(role, prefix) in names)
