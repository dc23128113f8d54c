"""The ``waypoint`` command line."""

import pytest

from api.cli import create_admin


@pytest.fixture
def runner(app, db_session):
    return app.test_cli_runner()


def test_create_admin_then_login_works(runner, client):
    result = runner.invoke(
        create_admin,
        ["--clinic", "North", "--email", "Boss@Example.org", "--password", "a sturdy passphrase"],
    )
    assert result.exit_code == 0, result.output
    response = client.post(
        "/api/v1/auth/login", json={"email": "boss@example.org", "password": "a sturdy passphrase"}
    )
    assert response.status_code == 200
    assert response.json["staff"]["role"] == "admin"
    assert response.json["staff"]["clinic"]["name"] == "North"


def test_create_admin_refuses_a_weak_password(runner):
    result = runner.invoke(
        create_admin, ["--clinic", "North", "--email", "a@example.org", "--password", "short"]
    )
    assert result.exit_code == 1
    assert "Password refused" in result.output


def test_create_admin_refuses_an_existing_email(runner, create_clinician):
    staff = create_clinician()
    result = runner.invoke(
        create_admin,
        ["--clinic", "North", "--email", staff.email, "--password", "a sturdy passphrase"],
    )
    assert result.exit_code == 1
    assert "already exists" in result.output


def test_seed_demo_is_idempotent_and_prints_a_working_login(
    runner, client, db_session, tmp_path, monkeypatch
):
    from api import demo
    from api.models import Checkin, Patient

    monkeypatch.setattr(demo, "INSTANCE", tmp_path)
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    counts = (db_session.query(Patient).count(), db_session.query(Checkin).count())
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert (db_session.query(Patient).count(), db_session.query(Checkin).count()) == counts

    login_line = next(line for line in second.output.splitlines() if "Clinician login" in line)
    email, password = login_line.split(": ", 1)[1].split(" / ")
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200
    invite = next(line for line in second.output.splitlines() if "Patient invite" in line)
    token = invite.rsplit("/", 1)[1]
    assert client.post("/api/v1/auth/redeem", json={"token": token}).status_code == 200


def test_the_demos_esketamine_sessions_have_rems_forms(runner, db_session, tmp_path, monkeypatch):
    """Every demo esketamine session has its REMS form: the earlier ones marked submitted,
    the last one past its 7 days and so on the due list."""
    from api import demo
    from api.models import RemsRecord, TreatmentSession

    monkeypatch.setattr(demo, "INSTANCE", tmp_path)
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    esketamine = db_session.query(TreatmentSession).filter_by(drug="esketamine").count()
    records = db_session.query(RemsRecord).all()
    assert esketamine > 1 and len(records) == esketamine
    unsubmitted = [r for r in records if r.submitted_at is None]
    assert len(unsubmitted) == 1
    assert all(r.submitted_fields and r.submitted_by for r in records if r.submitted_at)


def test_seed_demo_on_a_new_database_ignores_an_old_password_file(
    runner, client, tmp_path, monkeypatch
):
    from api import demo

    monkeypatch.setattr(demo, "INSTANCE", tmp_path)
    (tmp_path / "demo-login.txt").write_text("demo-left-from-an-older-database\n")
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if "Clinician login" in line)
    email, password = line.split(": ", 1)[1].split(" / ")
    assert password != "demo-left-from-an-older-database"
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200
