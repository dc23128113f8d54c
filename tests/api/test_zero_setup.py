"""The zero-setup default that ``make run`` starts: SQLite, with no configuration at all.

Everything else runs on PostgreSQL; this walks the SQLite path once, in its own process
(the app's extensions are process-wide): migrate, seed the demo, sign in as its clinician
and as its invited patient, store a check-in, read the trend, and find the audit rows.
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

database = sqlite3.connect(INSTANCE / "waypoint.sqlite")
actions = {row[0] for row in database.execute("SELECT action FROM audit_events")}
assert {"auth.redeem", "checkin.create", "auth.login", "trend.read"} <= actions, actions
print("ok")
"""


def test_the_zero_setup_default_migrates_seeds_and_serves(tmp_path):
    env = {**os.environ, "WAYPOINT_INSTANCE": str(tmp_path), "COOKIE_SECURE": "false"}
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "RATELIMIT_STORAGE_URI"):
        env.pop(name, None)
    waypoint = str(Path(sys.executable).with_name("waypoint"))
    for command in (["db", "upgrade"], ["seed-demo", "--quiet"]):
        done = subprocess.run([waypoint, *command], cwd=ROOT, env=env, capture_output=True)
        assert done.returncode == 0, done.stderr.decode()[-2000:]
    run = subprocess.run(
        [sys.executable, "-c", CHILD],
        cwd=ROOT,
        env=env,
        input=done.stdout.decode(),
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0 and run.stdout.strip().endswith("ok"), run.stderr[-3000:]
