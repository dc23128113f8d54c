"""The systemd units of deploy/systemd/ (docs/operations.md) parse, restart what dies, and
start commands that exist with the project's own entry points and queues."""

import configparser
import importlib
import importlib.util
import shlex
import subprocess
import sys
from pathlib import Path

from api.pipeline.routing import QUEUES

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
#: Where the units expect the virtualenv that `pip install waypoint-*.whl` went into.
VENV = "/opt/waypoint/venv"
SERVICES = sorted(UNITS.glob("*.service"))


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True, delimiters=("=",))
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string(path.read_text())
    return parser


def _argv(path: Path) -> list[str]:
    return shlex.split(_unit(path)["Service"]["ExecStart"])


def _workers() -> dict[str, list[str]]:
    """Each worker unit's queues, in the order its -Q names them."""
    found = {}
    for path in SERVICES:
        argv = _argv(path)
        if argv[1:4] == ["-A", "worker.celery_app", "worker"]:
            found[path.name] = argv[argv.index("-Q") + 1].split(",")
    return found


def test_every_process_has_a_unit_that_always_comes_back():
    names = {path.name for path in SERVICES}
    assert names == {
        "waypoint-web.service",
        "waypoint-worker-sends.service",
        "waypoint-worker-periodic.service",
        "waypoint-beat.service",
    }
    wanted = _unit(UNITS / "waypoint.target")["Unit"]["Wants"].split()
    assert sorted(wanted) == sorted(names)
    for path in SERVICES:
        unit = _unit(path)
        service = unit["Service"]
        assert service["Restart"] == "always", path.name
        assert float(service["RestartSec"]) >= 1, path.name
        # systemd's default gives up after 5 starts in 10 s, for good: never give up.
        assert unit["Unit"]["StartLimitIntervalSec"] == "0", path.name
        # SIGTERM to the main process (warm shutdown), SIGKILL to the group after the timeout.
        assert service["KillMode"] == "mixed", path.name
        assert unit["Install"]["WantedBy"] == "waypoint.target", path.name


def test_a_worker_has_time_to_finish_its_longest_task_before_it_is_killed(app):
    import worker.tasks  # noqa: F401  (registers the tasks)

    longest = max(
        task.time_limit or 0
        for name, task in app.extensions["celery"].tasks.items()
        if name.startswith("waypoint.")
    )
    for name in _workers():
        assert float(_unit(UNITS / name)["Service"]["TimeoutStopSec"]) > longest, name


def test_the_commands_are_the_projects_entry_points():
    bin_dir = Path(sys.executable).parent
    for path in SERVICES:
        argv = _argv(path)
        program = Path(argv[0])
        assert program.parent == Path(VENV, "bin"), path.name
        assert (bin_dir / program.name).exists(), f"{path.name}: no {program.name} installed"
        if program.name == "celery":
            assert argv[1] == "-A" and importlib.util.find_spec(argv[2]), path.name
            assert argv[3] in ("worker", "beat"), path.name
        else:
            assert program.name == "gunicorn", path.name
            config = argv[argv.index("-c") + 1]
            assert config.startswith("python:") and importlib.util.find_spec(config[7:])
            module, _, factory = argv[-1].partition(":")
            assert factory == "create_app()" and hasattr(
                importlib.import_module(module), "create_app"
            )
    beats = [p.name for p in SERVICES if _argv(p)[3:4] == ["beat"]]
    assert beats == ["waypoint-beat.service"]  # exactly one beat


def test_the_workers_take_every_queue_urgent_and_escalation_first():
    """As README's production section says: sends apart from periodic work, each list in the
    order of api/pipeline/routing.py (a worker drains its queues in the order given)."""
    workers = _workers()
    assert workers == {
        "waypoint-worker-sends.service": ["urgent", "default", "bulk"],
        "waypoint-worker-periodic.service": ["periodic", "planning"],
    }
    for queues in workers.values():
        assert queues == sorted(queues, key=QUEUES.index)
    assert sorted(q for queues in workers.values() for q in queues) == sorted(QUEUES)


def test_systemd_analyze_verifies_the_units(tmp_path):
    """systemd's own check: syntax, known keys, and that each ExecStart is executable (here
    with this checkout's virtualenv in place of /opt/waypoint/venv)."""
    venv = str(Path(sys.executable).parents[1])
    for path in [*SERVICES, UNITS / "waypoint.target"]:
        (tmp_path / path.name).write_text(path.read_text().replace(VENV, venv))
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *sorted(str(p) for p in tmp_path.iterdir())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    about_ours = [line for line in done.stderr.splitlines() if "waypoint" in line]
    assert done.returncode == 0 and not about_ours, done.stderr
