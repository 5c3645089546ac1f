"""What every figure shares: results, paired timing, the machine, memory, and a plain-SQLite vault.

A figure is measured beside its floor in the same run, alternating the two so drifting load on a
shared machine hits both alike; the median of the runs is reported.
"""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Timer = Callable[[], float]
now = time.perf_counter


@dataclass
class Result:
    """One line of the results table. ``ok`` is None for information lines (no target)."""

    figure: str
    measured: float  # milliseconds, or MiB for memory
    target: str
    ok: bool | None
    floor_label: str = "-"
    floor: float | None = None
    unit: str = "ms"
    runs: int = 0
    note: str = ""
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average before and after

    @property
    def ratio(self) -> float | None:
        return self.measured / self.floor if self.floor else None

    def verdict(self) -> str:
        return "info" if self.ok is None else ("pass" if self.ok else "MISS")


@dataclass
class Context:
    """Passed to every figure: run counts, built vaults, a scratch folder, a logger."""

    runs: int
    quick: bool
    work: Path
    log: Callable[[str], None]
    builds: dict[str, Any] = field(default_factory=dict)

    def scratch(self, name: str) -> Path:
        folder = self.work / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True, mode=0o700)
        return folder


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def timed(fn: Callable[[], object]) -> float:
    """Milliseconds one call of ``fn`` takes."""
    started = now()
    fn()
    return (now() - started) * 1000


def paired(a: Callable[[], object], b: Callable[[], object], runs: int, warmup: int = 2) -> tuple[list[float], list[float]]:
    """Time ``a`` and ``b`` alternately (a, b, b, a, ...) after ``warmup`` calls of each."""
    for _ in range(warmup):
        a()
        b()
    times_a: list[float] = []
    times_b: list[float] = []
    for i in range(runs):
        first, second = ((a, times_a), (b, times_b)) if i % 2 == 0 else ((b, times_b), (a, times_a))
        first[1].append(timed(first[0]))
        second[1].append(timed(second[0]))
    return times_a, times_b


def load_average() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:  # pragma: no cover - not on Windows
        return float("nan")


@contextmanager
def load_window() -> Iterator[list[float]]:
    """Collects the 1-minute load average before and after a figure."""
    seen = [load_average()]
    yield seen
    seen.append(load_average())


def rss_mib() -> tuple[float, float]:
    """(resident now, peak) in MiB: /proc/self/status on Linux, ru_maxrss elsewhere."""
    try:
        fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines()
                      if ":" in line)
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024
    except (OSError, KeyError, ValueError):
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak_mib = peak / 2**20 if platform.system() == "Darwin" else peak / 1024
        return peak_mib, peak_mib


def machine() -> dict[str, str]:
    """CPU, cores, RAM, OS, Python, the packages that matter, SQLite and SQLCipher versions."""
    from importlib import metadata

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        kib = int(next(line for line in Path("/proc/meminfo").read_text().splitlines()
                       if line.startswith("MemTotal")).split()[1])
        ram = f"{kib / 2**20:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    versions = []
    for package in ("PySide6-Essentials", "SQLAlchemy", "sqlcipher3", "alembic", "reportlab", "pikepdf"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} (missing)")
    import sqlcipher3.dbapi2 as sqlcipher

    conn = sqlcipher.connect(":memory:")
    try:
        sqlite = conn.execute("SELECT sqlite_version()").fetchone()[0]
        cipher = (conn.execute("PRAGMA cipher_version").fetchone() or ["?"])[0]
    finally:
        conn.close()
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "ram": ram,
        "os": f"{platform.system()} {platform.release()} ({platform.platform()})",
        "python": platform.python_version(),
        "packages": ", ".join(versions),
        "sqlite": f"SQLite {sqlite}, SQLCipher {cipher}",
    }


def work_copy(source: Path, folder: Path, name: str | None = None) -> Path:
    """A private copy of a cached vault (benchmarks write to it; the cache stays as built)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = folder / (name or source.name)
    for suffix in ("", "-wal", "-shm", ".lock"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    shutil.copyfile(source, target)
    os.chmod(target, 0o600)
    return target


def open_plain(path: Path) -> Any:
    """The app's own ``Vault`` (unit_of_work, reader, pool, pragmas, BEGIN modes) over an
    unencrypted SQLite file: the floor for search and save. Only the cipher differs."""
    import sqlalchemy
    import sqlcipher3.dbapi2 as sqlcipher
    from sqlalchemy import event
    from sqlalchemy.orm import sessionmaker
    from sqlalchemy.pool import QueuePool

    from therapist_desk.store import vault as store_vault
    from therapist_desk.store.database import Vault
    from therapist_desk.store.lock import VaultLock

    def connect() -> Any:
        conn = sqlcipher.connect(f"{path.absolute().as_uri()}?mode=rw", uri=True,
                                 check_same_thread=False, timeout=5)
        conn.execute("PRAGMA cipher_log_level = NONE")  # as keyed connections do (verify_pragmas)
        store_vault._apply_pragmas(conn, read_only=False)
        return conn

    engine = sqlalchemy.create_engine("sqlite://", creator=connect, module=sqlcipher,
                                      hide_parameters=True, poolclass=QueuePool, pool_size=4,
                                      max_overflow=4)
    event.listen(engine, "connect", store_vault._on_pool_connect)
    event.listen(engine, "checkout", store_vault._on_pool_connect)
    event.listen(engine, "begin", store_vault._on_begin)
    store_vault.verify_pragmas(engine)
    no_key = store_vault.VaultKey(bytes(store_vault.KEY_BYTES))
    return Vault(path, no_key, engine, VaultLock.acquire(path), sessionmaker(engine, expire_on_commit=False))
