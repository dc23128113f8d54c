"""``make run`` supervises what it starts (issue #16, item 1): a dead worker or beat comes back.

Runs ``python -m api.devserver`` on the zero-setup default (SQLite, a SQLite broker) in a
private instance folder, SIGKILLs its worker and its beat, and reads the console.
"""

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.worker import free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.timeout(240)


def _pid(console: str, name: str, occurrence: int = -1) -> int | None:
    found = re.findall(rf"\[make run\] {name} (?:re)?started \(pid (\d+)", console)
    return int(found[occurrence]) if found else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "zombie" not in _state(pid)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split("\n")[0].lower()
    except (FileNotFoundError, IndexError):
        return "zombie"


def test_a_killed_worker_and_beat_come_back_and_the_console_says_so(tmp_path):
    env = {**os.environ, "WAYPOINT_INSTANCE": str(tmp_path / "instance")}
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "RATELIMIT_STORAGE_URI", "SMTP_HOST"):
        env.pop(name, None)  # the zero-setup default, in a folder of its own
    env |= {"PORT": str(free_port()), "SMTP_PORT": str(free_port())}
    log_path = tmp_path / "console.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "api.devserver"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def console():
        return log_path.read_text(errors="replace")

    try:
        wait_for(
            lambda: console().count(" ready.") >= 1 or server.poll() is not None,
            timeout=120,
            what="the worker to be ready",
        )
        assert server.poll() is None, console()[-3000:]
        worker, beat = _pid(console(), "worker"), _pid(console(), "beat")
        assert worker and beat, console()[-3000:]
        pool = [int(p) for p in Path(f"/proc/{worker}/task/{worker}/children").read_text().split()]
        assert pool, "the worker has pool processes"

        os.kill(worker, signal.SIGKILL)
        wait_for(
            lambda: "restarted" in console() and _pid(console(), "worker") != worker,
            timeout=30,
            what="the worker to be restarted",
        )
        text = console()
        assert f"[make run] worker (pid {worker}) was killed by SIGKILL; restarting it in 1 s" in (
            text
        )
        # Its orphaned pool processes were ended with it, and the new one gets to work.
        wait_for(lambda: not any(_alive(p) for p in pool), timeout=10, what="the old pool gone")
        wait_for(lambda: console().count(" ready.") >= 2, timeout=120, what="the new worker")

        os.kill(beat, signal.SIGKILL)
        wait_for(lambda: _pid(console(), "beat") != beat, timeout=30, what="beat to be restarted")
        assert f"[make run] beat (pid {beat}) was killed by SIGKILL; restarting it in 1 s" in (
            console()
        )
        new_beat = _pid(console(), "beat")
        wait_for(lambda: _alive(new_beat), timeout=10, what="the new beat to run")

        # A second quick death waits twice as long: the backoff.
        new_worker = _pid(console(), "worker")
        os.kill(new_worker, signal.SIGKILL)
        wait_for(
            lambda: (
                f"worker (pid {new_worker}) was killed by SIGKILL; restarting it in 2 s"
                in console()
            ),
            timeout=30,
            what="the second restart's backoff",
        )
    finally:
        os.kill(server.pid, signal.SIGINT)  # Ctrl-C
        try:
            code = server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            raise
    assert code == 0, console()[-3000:]
    last = [_pid(console(), name) for name in ("web", "worker", "beat")]
    assert not any(_alive(pid) for pid in last if pid), console()[-3000:]
