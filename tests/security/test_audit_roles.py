"""The app's database role cannot rewrite the audit trail (PostgreSQL, issue 14 finding 5).

The suite's app connects as the run's runtime role (tests/conftest.py), so ``db_session``
here is exactly what a compromised app could do: read and append audit rows, nothing else
(UPDATE, DELETE and TRUNCATE refused: tests/security/test_audit.py).
The owner that ran the migrations can still change the table, which is why the app refuses
to start as the owner, as a superuser or as any role with the owner's rights.
"""

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from api.app import create_app
from api.cli import grant_runtime
from api.database_roles import UnsafeDatabaseRole
from api.models import AuditEvent
from api.models.base import utcnow

TRIGGER = "audit_events_append_only"


@pytest.fixture
def audit_row(db_session):
    """An audit row of this test, appended by the runtime role."""
    db_session.add(AuditEvent(at=utcnow(), actor_kind="anonymous", action="test.row", detail={}))
    db_session.flush()
    return db_session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()


@pytest.fixture
def owner_engine(run_database):
    engine = sa.create_engine(run_database.owner_url, poolclass=NullPool)
    yield engine
    engine.dispose()


@pytest.fixture
def admin_engine(run_database):
    engine = sa.create_engine(run_database.admin_url, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


def _audit_rows(session) -> list:
    return session.execute(sa.select(AuditEvent.id, AuditEvent.action)).all()


def test_the_app_runs_as_the_runtime_role(db_session, run_database):
    assert db_session.scalar(sa.text("SELECT current_user")) == run_database.runtime_role


@pytest.mark.parametrize(
    "statement",
    [
        f"ALTER TABLE audit_events DISABLE TRIGGER {TRIGGER}",
        "ALTER TABLE audit_events DISABLE TRIGGER ALL",
        f"DROP TRIGGER {TRIGGER} ON audit_events",
        "DROP TABLE audit_events",
        "ALTER TABLE audit_events OWNER TO CURRENT_USER",
        f"CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN RETURN NULL; END $$",
        f"CREATE TRIGGER rewrite BEFORE INSERT ON audit_events "
        f"FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()",
    ],
)
def test_the_runtime_role_cannot_disable_drop_or_replace_the_trigger(
    db_session, audit_row, statement
):
    with (
        pytest.raises(DBAPIError, match="must be owner|permission denied"),
        db_session.begin_nested(),
    ):
        db_session.execute(sa.text(statement))
    enabled = db_session.scalar(
        sa.text("SELECT tgenabled FROM pg_trigger WHERE tgname = :name"), {"name": TRIGGER}
    )
    assert enabled == "O"  # fires in every session
    with pytest.raises(DBAPIError, match="permission denied"), db_session.begin_nested():
        db_session.execute(sa.text("DELETE FROM audit_events"))


def test_the_runtime_role_cannot_take_the_owners_rights(db_session, run_database):
    with pytest.raises(DBAPIError, match="permission denied"), db_session.begin_nested():
        db_session.execute(sa.text(f'SET ROLE "{run_database.owner_role}"'))


def test_the_runtime_role_appends_and_reads_audit_rows(db_session):
    db_session.execute(
        sa.insert(AuditEvent.__table__),
        [{"at": utcnow(), "actor_kind": "anonymous", "action": "test.append", "detail": {}}],
    )
    assert "test.append" in {action for _, action in _audit_rows(db_session)}


def test_the_owner_still_meets_the_append_only_trigger(owner_engine, app):
    with owner_engine.connect() as conn, pytest.raises(DBAPIError, match="append-only"):
        conn.execute(sa.text("DELETE FROM audit_events"))


def test_the_grants_are_exactly_the_runtime_ones(owner_engine, run_database, app):
    privileges = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "TRIGGER", "REFERENCES")
    role = run_database.runtime_role

    def held(table):
        with owner_engine.connect() as conn:
            return {
                p
                for p in privileges
                if conn.scalar(
                    sa.text("SELECT has_table_privilege(:role, :table, :p)"),
                    {"role": role, "table": table, "p": p},
                )
            }

    assert held("audit_events") == {"SELECT", "INSERT"}
    assert held("alembic_version") == set()
    assert held("patients") == {"SELECT", "INSERT", "UPDATE", "DELETE"}


def test_grant_runtime_again_changes_nothing_and_covers_future_tables(
    app, owner_engine, run_database
):
    again = app.test_cli_runner().invoke(grant_runtime, ["--role", run_database.runtime_role])
    assert again.exit_code == 0, again.output
    role, table = run_database.runtime_role, f"future_{uuid.uuid4().hex[:8]}"
    with owner_engine.connect() as conn:
        # What a later migration, run as the owner, would create.
        conn.execute(sa.text(f"CREATE TABLE {table} (id serial PRIMARY KEY)"))

        def has(kind, name, privilege):
            return conn.scalar(
                sa.text(f"SELECT has_{kind}_privilege(:role, :name, :p)"),
                {"role": role, "name": name, "p": privilege},
            )

        for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE"):
            assert has("table", table, privilege), privilege
        assert not has("table", table, "TRUNCATE")
        assert has("sequence", f"{table}_id_seq", "USAGE")
        assert not has("table", "audit_events", "UPDATE")
        conn.rollback()


def test_grant_runtime_refuses_the_owner(app, run_database):
    refused = app.test_cli_runner().invoke(grant_runtime, ["--role", run_database.owner_role])
    assert refused.exit_code == 1
    assert "must be a separate" in refused.output


def _start(app, url, **config):
    """Create another app on the run's database as ``url``'s role."""
    keep = ("SECRET_KEY", "PUBLIC_URL", "RATELIMIT_STORAGE_URI", "CELERY")
    return create_app(
        {**{k: app.config[k] for k in keep}, "TESTING": True, "SQLALCHEMY_DATABASE_URI": url}
        | config
    )


def test_the_app_refuses_to_start_as_the_owner(app, run_database):
    with pytest.raises(UnsafeDatabaseRole) as refused:
        _start(app, run_database.owner_url)
    message = str(refused.value)
    assert f"{run_database.owner_role!r} owns audit_events" in message
    assert "waypoint grant-runtime" in message and "MIGRATIONS_DATABASE_URL" in message


def test_the_app_refuses_to_start_as_a_superuser(app, run_database):
    with pytest.raises(UnsafeDatabaseRole, match="is a superuser"):
        _start(app, run_database.admin_url)


@pytest.mark.parametrize(
    ("grant", "problem"),
    [
        ("GRANT {owner} TO {role}", "is a member of {owner}, which owns audit_events"),
        ("GRANT SELECT, INSERT, UPDATE ON audit_events TO {role}", "holds UPDATE"),
        ("GRANT TRIGGER ON audit_events TO {role}", "holds UPDATE, DELETE, TRUNCATE or TRIGGER"),
        ("ALTER ROLE {role} CREATEROLE", "CREATEROLE"),
        # The owner of the database owns its public schema (PostgreSQL 15) and may drop tables.
        ("ALTER DATABASE {database} OWNER TO {role}", "owns the schema of audit_events"),
    ],
)
def test_the_app_refuses_a_role_with_the_owners_rights(
    app, run_database, admin_engine, grant, problem
):
    role, password = f"{run_database.runtime_role}_x{uuid.uuid4().hex[:6]}", uuid.uuid4().hex
    owner = run_database.owner_role
    url = sa.engine.make_url(run_database.runtime_url).set(username=role, password=password)
    with admin_engine.connect() as conn:
        conn.execute(sa.text(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'"))
    try:
        with admin_engine.connect() as conn:
            conn.execute(
                sa.text(grant.format(owner=f'"{owner}"', role=role, database=f'"{url.database}"'))
            )
        with pytest.raises(UnsafeDatabaseRole, match=problem.format(owner=owner)):
            _start(app, url.render_as_string(hide_password=False))
        # grant-runtime makes the same test: a role the app would refuse is refused there
        # (extra audit-table grants aside: those are what it revokes).
        granted = app.test_cli_runner().invoke(grant_runtime, ["--role", role])
        if "holds" in problem:
            assert granted.exit_code == 0, granted.output
            _start(app, url.render_as_string(hide_password=False))  # now a plain runtime role
            app.extensions["celery"].set_default()
        else:
            assert granted.exit_code == 1 and "must be a separate" in granted.output
    finally:
        with admin_engine.connect() as conn:
            conn.execute(sa.text(f'ALTER DATABASE "{url.database}" OWNER TO "{owner}"'))
            conn.execute(sa.text(f"DROP OWNED BY {role}"))
            conn.execute(sa.text(f"DROP ROLE {role}"))


def test_a_development_database_may_allow_the_owner_explicitly(app, run_database):
    other = _start(app, run_database.owner_url, ALLOW_DATABASE_OWNER=True)
    app.extensions["celery"].set_default()  # create_app made the other app's Celery the default
    response = other.test_client().get("/healthz")
    assert response.status_code == 200


def test_the_owner_could_rewrite_it_which_is_why_the_app_is_not_the_owner(owner_engine, app):
    """The finding itself: the role that owns the table disables the trigger and deletes."""
    with owner_engine.connect() as conn:
        conn.execute(sa.text("SET LOCAL lock_timeout = '5s'"))
        conn.execute(sa.text(f"ALTER TABLE audit_events DISABLE TRIGGER {TRIGGER}"))
        conn.execute(sa.text("DELETE FROM audit_events"))
        assert conn.scalar(sa.text("SELECT count(*) FROM audit_events")) == 0
        conn.rollback()
