"""Two PostgreSQL roles: an owner that runs the migrations, a runtime role the app runs as.

The owner of ``audit_events`` can disable or drop its append-only trigger and then rewrite
or empty the table, so the app must never connect as the owner (nor as a superuser, a
member of the owner, or a role that could make itself one). The runtime role gets what
serving needs and no more: on ``audit_events`` only INSERT and SELECT; on every other table
SELECT, INSERT, UPDATE and DELETE (erasure deletes a patient's rows and keeps the audit
rows, which name ids only); USAGE on sequences; nothing on ``alembic_version``. Default
privileges give the tables later migrations create the same data-table rights.

SQLite (the zero-setup default) has no roles: there is nothing to check or grant.
"""

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from .extensions import db

AUDIT_TABLE = "audit_events"
#: What the runtime role may do to rows of every table but the audit table and alembic's.
DATA_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"
#: Any one of these on the audit table lets a role change or hide what it recorded.
TAMPERING_PRIVILEGES = ("UPDATE", "DELETE", "TRUNCATE", "TRIGGER")

HOW_TO_FIX = (
    "Run the app as a runtime role that only reads and appends audit rows: create it "
    "(CREATE ROLE waypoint_app LOGIN PASSWORD '...'), set MIGRATIONS_DATABASE_URL to the "
    "owner role that runs the migrations, run `waypoint grant-runtime --role waypoint_app`, "
    "and set DATABASE_URL to waypoint_app (SECURITY.md, 'Database roles'). On a development "
    "database only, ALLOW_DATABASE_OWNER=true skips this check."
)

_ROLE_FACTS = sa.text(
    """
    SELECT r.rolname AS role, r.rolsuper AS superuser, r.rolbypassrls AS bypassrls,
           r.rolcreaterole AS createrole,
           pg_get_userbyid(c.relowner) AS audit_owner,
           COALESCE(pg_has_role(r.oid, c.relowner, 'MEMBER'), false) AS owner_rights,
           COALESCE(has_table_privilege(r.oid, c.oid, :tampering), false)
               OR COALESCE(has_any_column_privilege(r.oid, c.oid, 'UPDATE'), false)
               AS can_tamper,
           pg_get_userbyid(n.nspowner) AS schema_owner,
           pg_has_role(r.oid, n.nspowner, 'MEMBER') AS schema_rights
    FROM pg_roles r
    LEFT JOIN pg_class c ON c.oid = to_regclass(:audit)
    -- The audit table's schema, or before the first migration the one it will be made in.
    JOIN pg_namespace n ON n.oid = COALESCE(c.relnamespace, to_regnamespace(current_schema()))
    WHERE r.rolname = COALESCE(:role, current_user)
    """
)


class UnsafeDatabaseRole(RuntimeError):
    """The app's database role could rewrite the audit trail."""


def is_postgresql(url: str) -> bool:
    """Whether a SQLAlchemy URL names PostgreSQL (the only database with roles here)."""
    return make_url(url).get_backend_name() == "postgresql"


def role_problems(connection: sa.Connection, role: str | None = None) -> list[str]:
    """What lets ``role`` (the connection's own by default) change audit rows; empty when
    it may only append. The one test, at start-up and for ``grant-runtime``'s target."""
    facts = connection.execute(
        _ROLE_FACTS,
        {"tampering": ",".join(TAMPERING_PRIVILEGES), "audit": AUDIT_TABLE, "role": role},
    ).one_or_none()
    if facts is None:
        raise ValueError(f"There is no database role {role!r}: create it first.")
    problems = []
    if facts.superuser:
        problems.append("is a superuser")
    if facts.bypassrls:
        problems.append("can bypass row security (BYPASSRLS)")
    if facts.createrole:
        problems.append("can grant itself other roles' rights (CREATEROLE)")
    if facts.audit_owner is not None and not facts.superuser:
        if facts.audit_owner == facts.role:
            problems.append(f"owns {AUDIT_TABLE}")
        elif facts.owner_rights:
            problems.append(f"is a member of {facts.audit_owner}, which owns {AUDIT_TABLE}")
        elif facts.can_tamper:
            problems.append(f"holds UPDATE, DELETE, TRUNCATE or TRIGGER on {AUDIT_TABLE}")
    if facts.schema_rights and not facts.superuser:
        # The owner of a schema may drop any table in it. PostgreSQL 15 gives the public
        # schema to pg_database_owner: the database's owner.
        problems.append(
            f"has the rights of {facts.schema_owner}, which owns the schema of {AUDIT_TABLE} "
            "and may drop the table (is the database's owner?)"
        )
    return problems


def check_database_role(app: Flask) -> None:
    """Refuse to run as a database role that could rewrite the audit trail (PostgreSQL)."""
    if app.config["ALLOW_DATABASE_OWNER"] or not is_postgresql(
        app.config["SQLALCHEMY_DATABASE_URI"]
    ):
        return
    with app.app_context():
        try:
            with db.engine.connect() as connection:
                problems = role_problems(connection)
                role = connection.scalar(sa.text("SELECT current_user"))  # for the message
        finally:
            # Nothing of this process's start-up may stay pooled into a fork (gunicorn, celery).
            db.engine.dispose()
    if problems:
        raise UnsafeDatabaseRole(
            f"Waypoint refuses to start: its database role {role!r} "
            f"{' and '.join(problems)}, so it could rewrite the audit trail. {HOW_TO_FIX}"
        )


def migrations_engine(app: Flask) -> sa.Engine:
    """The engine migrations run on: the owner's (MIGRATIONS_DATABASE_URL) or the app's."""
    url = app.config.get("MIGRATIONS_DATABASE_URI") or app.config["SQLALCHEMY_DATABASE_URI"]
    if url == app.config["SQLALCHEMY_DATABASE_URI"]:
        return db.engine
    # A connection per command, closed after it: the owner's must not idle in a pool.
    return sa.create_engine(url, poolclass=NullPool)


def grant_runtime(connection: sa.Connection, role: str) -> str:
    """Give ``role`` exactly the runtime privileges (on the owner's connection); the owner."""
    owner = connection.scalar(
        sa.text("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = to_regclass(:t)"),
        {"t": AUDIT_TABLE},
    )
    if owner is None:
        raise ValueError(f"There is no {AUDIT_TABLE} table yet: run `waypoint db upgrade` first.")
    # The start-up test, first for what no grant can change (extra table rights are what the
    # grants below revoke), then again once granted.
    _refuse_unless_safe(role, [p for p in role_problems(connection, role) if "holds" not in p])
    quote = connection.dialect.identifier_preparer.quote
    rt, own = quote(role), quote(owner)
    schema = quote(connection.scalar(sa.text("SELECT current_schema()")))
    defaults = f"ALTER DEFAULT PRIVILEGES FOR ROLE {own} IN SCHEMA {schema}"
    # Revoke first, so that running this again leaves exactly these rights, whatever was
    # granted before.
    for statement in (
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {rt}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {rt}",
        f"{defaults} REVOKE ALL ON TABLES FROM {rt}",
        f"{defaults} REVOKE ALL ON SEQUENCES FROM {rt}",
        f"GRANT USAGE ON SCHEMA {schema} TO {rt}",
        f"GRANT {DATA_PRIVILEGES} ON ALL TABLES IN SCHEMA {schema} TO {rt}",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {rt}",
        # The audit trail: read and append, for the runtime role and everyone else.
        f"REVOKE ALL ON {AUDIT_TABLE} FROM {rt}, PUBLIC",
        f"GRANT SELECT, INSERT ON {AUDIT_TABLE} TO {rt}",
        # The schema's version is the owner's business.
        f"REVOKE ALL ON alembic_version FROM {rt}",
        # Tables and sequences that later migrations create (as the owner) come with the
        # data-table rights; a new append-only table must revoke them in its migration.
        f"{defaults} GRANT {DATA_PRIVILEGES} ON TABLES TO {rt}",
        f"{defaults} GRANT USAGE ON SEQUENCES TO {rt}",
    ):
        connection.execute(sa.text(statement))
    _refuse_unless_safe(role, role_problems(connection, role))
    return owner


def _refuse_unless_safe(role: str, problems: list[str]) -> None:
    """A role the app would refuse at start-up is refused by ``grant-runtime`` too."""
    if problems:
        raise ValueError(
            f"{role!r} {' and '.join(problems)}: the runtime role must be a separate, plain "
            "role (not the owner, not a superuser, no CREATEROLE or BYPASSRLS)."
        )
