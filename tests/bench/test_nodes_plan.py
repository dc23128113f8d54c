"""The multi-node run's plan and readings (``make nodes``, bench/nodes.py), without namespaces.

The run itself is in CI (.ci/run): real namespaces, processes and checks, whose exit status is
the proof. These pin what it reads and promises: each beat's sends are found in a log line of
Celery's own format, the nodes sit on one private subnet, the run stays within the check-in
limits it relies on, and its report is recorded under a heading of its own.
"""

import logging
from datetime import datetime

import pytest

#: bench.nodes imports the bench stack (psutil, of the bench extra): `make test-bench` runs these.
pytestmark = pytest.mark.bench


def test_a_beat_s_send_is_read_from_a_line_in_celery_s_own_format():
    from celery import Celery

    from bench.nodes import SENT

    fmt = Celery().conf.worker_log_format  # what `celery beat -l INFO` writes
    record = logging.LogRecord(
        "celery.beat", logging.INFO, __file__, 1, "Scheduler: Sending due task %s (%s)",
        ("reconcile", "waypoint.reconcile"), None,
    )  # fmt: skip
    record.processName = "MainProcess"
    line = logging.Formatter(fmt).format(record)
    [stamp] = SENT.findall(line)
    assert abs(datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").timestamp() - record.created) < 1
    record.msg = "Scheduler: Sending due task %s (%s)".replace("Sending", "Skipping")
    assert SENT.findall(logging.Formatter(fmt).format(record)) == []


def test_the_nodes_share_one_private_subnet_and_the_plan_fits_the_limits():
    from bench.nodes import HOST_IP, NODES, ip_of, parse_args

    addresses = [ip_of(n) for n in NODES]
    assert len(set(addresses)) == len(NODES) and HOST_IP not in addresses
    assert all(a.startswith("10.") for a in addresses)
    cfg = parse_args([])
    # Each plain patient posts about twice within the run: under the 6 a minute per device
    # that the run's own rate-limit check expects to be the limit.
    assert cfg.rate * cfg.seconds * 0.9 / cfg.pool <= 3
    with pytest.raises(SystemExit):
        parse_args(["--seconds", "5"])


def test_a_run_is_recorded_under_its_own_heading(tmp_path):
    from bench.chaos_report import Report, record
    from bench.nodes import RESULTS_HEADING

    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n")
    report = Report(["Waypoint multi-node run 2026-12-03 07:00 UTC; commit abc", "verdict: ok"])
    record(report, results, RESULTS_HEADING, "make nodes")
    record(report, results, RESULTS_HEADING, "make nodes")
    text = results.read_text()
    assert text.count(RESULTS_HEADING) == 1 and "Each run as `make nodes` printed it" in text
    assert text.count("### 2026-12-03 07:00 UTC; commit abc") == 2
