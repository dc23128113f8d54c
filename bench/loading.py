"""What loading the network took: time, the loader's peak memory, the database's disk.

Checked before the load (``check_room``: the disk under PostgreSQL's data directory must hold
the estimate, with room for the write-ahead log) and measured after it (``measured``).
"""

import resource
import shutil
from pathlib import Path

import sqlalchemy as sa

MB = 1024 * 1024
#: Database bytes per check-in with everything else a patient carries, indexes included
#: (measured: 2,000 patients and 100,000 check-ins took 85 MB; see bench/RESULTS.md).
BYTES_PER_CHECKIN = 900
#: The write-ahead log and a checkpoint's worth of headroom on top of the data itself.
HEADROOM = 1.5


def _data_directory(engine: sa.Engine) -> Path | None:
    """PostgreSQL's data directory when it is on this machine and readable (else None)."""
    try:
        with engine.connect() as conn:
            path = Path(conn.scalar(sa.text("SHOW data_directory")))
    except sa.exc.DBAPIError:  # not a superuser nor pg_read_all_settings: unknown
        return None
    return path if path.exists() else None


def available_memory() -> int:
    """MemAvailable of this machine, in bytes."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    return 0


def check_room(engine: sa.Engine, checkins: int) -> dict:
    """The estimate against the free disk; refuses (RuntimeError) a load that cannot fit."""
    need = int(checkins * BYTES_PER_CHECKIN * HEADROOM)
    where = _data_directory(engine)
    facts = {"estimate_mb": round(need / HEADROOM / MB), "memory_available_mb": None}
    facts["memory_available_mb"] = round(available_memory() / MB)
    if where is None:
        facts["room"] = f"about {need / HEADROOM / MB:,.0f} MB expected; free disk unknown"
        return facts
    free = shutil.disk_usage(where).free
    facts["disk_free_before_mb"] = round(free / MB)
    if free < need:
        raise RuntimeError(
            f"the load needs about {need / MB:,.0f} MB with its log; {where} has {free / MB:,.0f}"
        )
    facts["room"] = (
        f"about {need / HEADROOM / MB:,.0f} MB expected, {free / MB:,.0f} MB free under "
        f"{where}, {facts['memory_available_mb']:,} MB of memory available"
    )
    return facts


def measured(engine: sa.Engine, seconds: float) -> dict:
    """The load's time, the loader's peak RSS and the database's size, largest tables first."""
    with engine.connect() as conn:
        size = conn.scalar(sa.text("SELECT pg_database_size(current_database())"))
        tables = conn.execute(
            sa.text(
                "SELECT relname, pg_total_relation_size(oid) AS bytes FROM pg_class"
                " WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
                " ORDER BY bytes DESC LIMIT 6"
            )
        ).all()
    where = _data_directory(engine)
    return {
        "seconds": round(seconds, 1),
        # ru_maxrss is in KiB on Linux: the whole process's peak, which the load sets.
        "loader_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "database_mb": round(size / MB),
        "tables_mb": {row.relname: round(row.bytes / MB) for row in tables},
        "disk_free_after_mb": round(shutil.disk_usage(where).free / MB) if where else None,
    }


def render(facts: dict) -> str:
    """One line: time, memory, disk."""
    if "seconds" not in facts:
        return facts.get("room", "not measured")
    tables = ", ".join(f"{name} {mb:,}" for name, mb in facts["tables_mb"].items())
    return (
        f"loaded in {facts['seconds']:,.0f} s; loader peak RSS {facts['loader_peak_rss_mb']:,} MB"
        f" (of {facts['memory_available_mb']:,} MB available); database {facts['database_mb']:,}"
        f" MB (largest, MB: {tables})"
    )
