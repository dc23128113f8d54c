"""The zero-setup default that ``make run`` starts: SQLite, with no configuration at all.

Everything else runs on PostgreSQL; this walks the SQLite path once, in its own process
(the app's extensions are process-wide): migrate, seed the demo, sign in as its clinician
and as its invited patient, store a check-in, read the trend, the panel, the cases and the
courses, and find the audit rows. The
instance folder it leaves is private (issue 14 finding 11): 0700, every file 0600.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import re
import sqlite3
import sys
import uuid
from datetime import UTC, datetime

from api.app import create_app
from api.config import INSTANCE

app = create_app({"TESTING": True})
assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"), "not the zero-setup default"
login = sys.stdin.read()  # what `waypoint seed-demo` printed
email, password = re.search(r"(\\S+@\\S+) / (\\S+)", login).groups()
token = re.search(r"/join/([\\w-]+)", login).group(1)

patient = app.test_client()
session = patient.post("/api/v1/auth/redeem", json={"token": token})
assert session.status_code == 200, session.json
answers = {f"phq9_{i}": 1 for i in range(1, 9)} | {"phq9_9": 0, "phq9_difficulty": 1}
body = {"id": str(uuid.uuid4()), "instrument": "phq9", "answers": answers,
        "completed_at": datetime.now(UTC).isoformat()}
stored = patient.post("/api/v1/checkins", json=body,
                      headers={"X-CSRF-Token": session.json["csrf_token"]})
assert stored.status_code == 201, stored.json
assert stored.json["total"] == 8 and stored.json["severity"] == "mild", stored.json

staff = app.test_client()
signed_in = staff.post("/api/v1/auth/login", json={"email": email, "password": password})
assert signed_in.status_code == 200, signed_in.json
patient_id = session.json["patient_id"]
trend = staff.get(f"/api/v1/patients/{patient_id}/trend?instrument=phq9")
assert trend.status_code == 200, trend.json
assert body["id"] in [p["checkin_id"] for p in trend.json["points"]]
# The clinic's main screens: the panel (with its treatment and follow-up columns), the
# cases, the courses: every query of theirs must be SQL that SQLite speaks.
panel = staff.get("/api/v1/patients?limit=50")
assert panel.status_code == 200, panel.json
assert any(row["treatment"] for row in panel.json["items"]), panel.json
assert staff.get("/api/v1/cases?status=open").status_code == 200
courses = staff.get(f"/api/v1/patients/{patient_id}/courses")
assert courses.status_code == 200, courses.json

database = sqlite3.connect(INSTANCE / "waypoint.sqlite")
actions = {row[0] for row in database.execute("SELECT action FROM audit_events")}
assert {"auth.redeem", "checkin.create", "auth.login", "trend.read"} <= actions, actions
print("ok")
"""


def _zero_setup_env(instance: Path) -> dict:
    env = {**os.environ, "WAYPOINT_INSTANCE": str(instance), "COOKIE_SECURE": "false"}
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "RATELIMIT_STORAGE_URI", "SECRET_KEY"):
        env.pop(name, None)
    return env


def _modes(instance: Path) -> dict:
    """Each entry of the instance folder (and the folder, as ".") and its permission bits."""
    entries = {".": instance, **{p.name: p for p in instance.iterdir()}}
    return {name: oct(os.stat(path).st_mode & 0o777) for name, path in entries.items()}


def test_the_zero_setup_default_migrates_seeds_and_serves(tmp_path):
    instance = tmp_path / "instance"  # the app creates it
    env = _zero_setup_env(instance)
    waypoint = str(Path(sys.executable).with_name("waypoint"))
    for command in (["db", "upgrade"], ["seed-demo", "--quiet"]):
        done = subprocess.run(
            [waypoint, *command], cwd=ROOT, env=env, capture_output=True, umask=0o022
        )
        assert done.returncode == 0, done.stderr.decode()[-2000:]
    run = subprocess.run(
        [sys.executable, "-c", CHILD],
        cwd=ROOT,
        env=env,
        input=done.stdout.decode(),
        capture_output=True,
        text=True,
        umask=0o022,
    )
    assert run.returncode == 0 and run.stdout.strip().endswith("ok"), run.stderr[-3000:]

    # The PHI database, the broker's file, the secret key and the demo login: only the
    # account that runs Waypoint can read them, although the umask would allow everyone.
    modes = _modes(instance)
    made = {"waypoint.sqlite", "celery-broker.sqlite", "secret_key", "demo-login.txt"}
    assert made <= modes.keys(), modes
    assert modes == {name: "0o700" if name == "." else "0o600" for name in modes}


def test_a_start_tightens_what_an_older_version_left_readable(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    instance.chmod(0o755)
    for name in ("waypoint.sqlite", "celery-broker.sqlite", "secret_key", "celerybeat-schedule"):
        path = instance / name
        path.write_text("0" * 64 if name == "secret_key" else "")
        path.chmod(0o644)
    start = "from api.app import create_app; create_app()"
    done = subprocess.run(
        [sys.executable, "-c", start],
        cwd=ROOT,
        env=_zero_setup_env(instance),
        capture_output=True,
        text=True,
        umask=0o022,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert _modes(instance) == {
        ".": "0o700",
        "waypoint.sqlite": "0o600",
        "celery-broker.sqlite": "0o600",
        "secret_key": "0o600",
        "celerybeat-schedule": "0o600",
    }
