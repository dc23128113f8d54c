"""The chaos soak's plan: what ``make chaos`` and its CI version promise to strike.

The soak itself runs in CI as ``make chaos CHAOS_ARGS=--short`` (.ci/run): a real stack,
faults and checks, whose exit status is the proof. These only pin its plan, without starting
anything: the short version strikes each kind of fault once, the full one every 30 s for 10,000
check-ins at 25/s as issue #16 describes, and an unknown fault is refused.
"""

import pytest

#: bench.chaos imports psutil, of the bench extra: `make test-bench` runs these.
pytestmark = pytest.mark.bench


def test_the_short_soak_strikes_each_fault_once_while_it_posts():
    from bench.chaos import FAULTS, fault_plan, parse_args

    cfg = parse_args(["--short"])
    plan = fault_plan(cfg)
    assert sorted(kind for _, kind in plan) == sorted(FAULTS)
    assert all(0 < at < cfg.checkins / cfg.rate for at, _ in plan)
    assert 200 <= cfg.checkins <= 1000


def test_the_full_soak_is_the_issue_s_and_rotates_every_fault():
    from bench.chaos import FAULTS, fault_plan, parse_args

    cfg = parse_args([])
    assert (cfg.checkins, cfg.rate, cfg.fault_every, cfg.workers) == (10_000, 25.0, 30.0, 2)
    assert cfg.reconcile_seconds is None  # the app's own period
    kinds = [kind for _, kind in fault_plan(cfg)]
    assert len(kinds) == 13 and set(kinds) == set(FAULTS)
    assert kinds[:4] == list(FAULTS)


def test_options_override_the_preset_and_unknown_faults_are_refused():
    from bench.chaos import fault_plan, parse_args

    cfg = parse_args(["--short", "--checkins", "100", "--rate", "10", "--faults", "beat,redis"])
    assert [kind for _, kind in fault_plan(cfg)] == ["beat", "redis"]
    with pytest.raises(SystemExit):
        parse_args(["--faults", "redis,meteor"])
