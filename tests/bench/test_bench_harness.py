"""The benchmark harness runs end to end in quick mode and prints every figure.

Benchmarks are not tests: nothing here depends on timing or on a target being met. It
proves that ``make bench`` works: the stack starts, data loads, Locust drives it, the
alert pipeline reaches the SMTP sink and the webhook receiver, the private Redis outage
recovers, and every figure gets a parsable line with its target, its floor and a verdict.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

#: Needs the bench extra (locust, psutil): `make test-bench` runs it, `make test` leaves it out.
pytestmark = pytest.mark.bench

ROOT = Path(__file__).resolve().parents[2]
LINE = re.compile(
    r"^(?P<name>[^|]+?) \| (?P<value>[^|]+?) \| floor (?P<floor>[^|]+?) \| "
    r"target (?P<target>[^|]+?) \| (?P<verdict>met|missed.*|not measured: .+)$"
)
NUMBER = re.compile(r"\d+(\.\d+)?")
TINY = [
    "--quick", "--patients", "40", "--checkins", "400", "--clinics", "2",
    "--trend-checkins", "30", "--duration", "2", "--rounds", "1", "--users", "3", "--rate", "8",
    "--urgent-rate", "8", "--urgent-seconds", "3", "--urgent-fraction", "0.3",
    "--recovery-checkins", "12", "--recovery-rate", "12", "--recovery-wait", "20",
    "--gets", "5", "--sessions", "10", "--reconcile-seconds", "1", "--alert-wait", "15",
    "--tick-patients", "1100",
    "--skip", "lighthouse",
]  # fmt: skip
#: Figures the tiny run must measure (the Lighthouse audit is skipped: it takes a minute).
MEASURED = [
    "throughput", "latency", "urgent", "recovery", "panel", "trend", "forecast", "fhir_export",
    "memory_web", "memory_celery", "tick",
]  # fmt: skip


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    """One tiny quick-mode run of ``python -m bench.run`` (its own database, Redis db 7)."""
    out = tmp_path_factory.mktemp("bench") / "lines.json"
    env = {
        **os.environ,
        "BENCH_REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://localhost:6379/7"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.run", *TINY, "--json", str(out)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        process.terminate()  # the harness tears down its processes and database on SIGTERM
        stdout, stderr = process.communicate(timeout=60)
        pytest.fail(f"the benchmark harness did not finish within 240 s:\n{stderr[-3000:]}")
    assert process.returncode == 0, stderr[-3000:]
    return stdout, json.loads(out.read_text())


@pytest.mark.timeout(260)
def test_every_figure_has_a_line_with_target_floor_and_verdict(bench_run):
    stdout, lines = bench_run
    from bench.figures import FIGURES

    printed = [LINE.match(text) for text in stdout.splitlines()]
    printed = {m["name"]: m for m in printed if m}
    assert set(printed) == {name for name, _ in FIGURES.values()}
    for key, (name, target) in FIGURES.items():
        assert printed[name]["target"] == target
        assert lines[key]["name"] == name
    assert printed[FIGURES["lighthouse"][0]]["verdict"] == "not measured: skipped (--skip)"


@pytest.mark.timeout(260)
@pytest.mark.parametrize("key", MEASURED)
def test_measured_figures_carry_numbers(bench_run, key):
    _, lines = bench_run
    line = lines[key]
    assert line["verdict"] in ("met", "missed") or line["verdict"].startswith("missed ("), line
    assert NUMBER.search(line["value"]), line
    assert line["numbers"], line
    numbers = line["numbers"].values()
    assert all(v is None or isinstance(v, int | float | list | dict) for v in numbers)
    floored = (
        "throughput", "latency", "urgent", "panel", "trend", "forecast", "fhir_export", "memory_web"
    )  # fmt: skip
    if key in (*floored, "tick"):
        assert NUMBER.search(line["floor"]), line


@pytest.mark.timeout(260)
def test_alert_pipeline_and_recovery_reached_sink_and_receiver(bench_run):
    _, lines = bench_run
    urgent, recovery = lines["urgent"]["numbers"], lines["recovery"]["numbers"]
    # Numbers exist only if an email reached the sink and a signed webhook the receiver.
    assert urgent["p50"] > 0 and urgent["noop_ms"], urgent
    # Unfinished check-ins' safety signals are in the figure, counted apart.
    assert isinstance(urgent["unfinished"], int), urgent
    assert urgent["unfinished_notified"] <= urgent["unfinished"], urgent
    # Every check-in posted during the outage was accepted and counted.
    assert recovery["checkins"] == 12, recovery
    assert isinstance(recovery["duplicates"], int), recovery
