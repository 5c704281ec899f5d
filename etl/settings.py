"""LoanFlow's settings, declared once as data (name, environment variable, default, help).

``loanflow settings`` prints every one with its value and where the value came from (its
environment variable, or the default); the README's table lists them, and a test keeps the
two the same.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    """One setting: where it is read from, its default and what it does."""

    name: str
    env: str
    default: str
    help: str

    def value(self) -> str:
        """The setting's current value: the environment variable, else the default."""
        return os.environ.get(self.env, self.default)

    def source(self) -> str:
        """Where the value comes from: ``environment`` (its variable is set) or ``default``."""
        return "environment" if self.env in os.environ else "default"

    def to_json(self) -> dict[str, str]:
        """JSON-ready fields for ``loanflow settings --json``."""
        return {
            "name": self.name,
            "env": self.env,
            "value": self.value(),
            "source": self.source(),
            "default": self.default,
            "help": self.help,
        }


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in [
        Setting("db", "LOANFLOW_DB", "loanflow.duckdb", "Path of the DuckDB store file."),
        Setting(
            "bpic2012",
            "LOANFLOW_BPIC2012",
            "../shared/data/bpic2012/BPI_Challenge_2012.xes.gz",
            "Path of the BPI Challenge 2012 log used by tests and benchmarks.",
        ),
        Setting("host", "LOANFLOW_HOST", "127.0.0.1", "Address the dashboard binds to."),
        Setting("port", "LOANFLOW_PORT", "8050", "Port the dashboard listens on."),
        Setting(
            "max_upload_mb",
            "LOANFLOW_MAX_UPLOAD_MB",
            "1024",
            "Largest file the dashboard accepts for upload, in MB.",
        ),
        Setting(
            "max_rows",
            "LOANFLOW_MAX_ROWS",
            "50000000",
            "Most rows one load may read; a larger file is refused with a clear message.",
        ),
        Setting(
            "max_decompressed_mb",
            "LOANFLOW_MAX_DECOMPRESSED_MB",
            "4096",
            "Cap on the decompressed size of a .gz or .zip log (stops zip bombs), in MB; at "
            "most a sixteenth of the machine's memory.",
        ),
        Setting(
            "load_memory_mb",
            "LOANFLOW_LOAD_MEMORY_MB",
            "auto",
            "Most memory a load on the dashboard may take before it is stopped, in MB (auto: "
            "half of the machine's memory).",
        ),
        Setting(
            "load_duckdb_memory_mb",
            "LOANFLOW_LOAD_DUCKDB_MEMORY_MB",
            "512",
            "Memory DuckDB may hold for a load's tables and sorts before it spills them to "
            "temporary files, in MB (with the XES chunks, this bounds a load's memory).",
        ),
        Setting(
            "load_threads",
            "LOANFLOW_LOAD_THREADS",
            "auto",
            "DuckDB threads for a load (auto: the cores not already busy with other work, by "
            "the cores left idle, or running only lower-priority work, since the process "
            "began, else the load average capped by the tasks running now; at least 1).",
        ),
        Setting(
            "xes_chunk_mb",
            "LOANFLOW_XES_CHUNK_MB",
            "32",
            "Most MB of an XES document parsed at once; a larger document is parsed in "
            "chunks of this size (parsing takes about four times a chunk's size in memory).",
        ),
        Setting(
            "max_columns",
            "LOANFLOW_MAX_COLUMNS",
            "2000",
            "Most columns a CSV/TSV header may have; a wider file is refused at once.",
        ),
        Setting(
            "lock_wait_seconds",
            "LOANFLOW_LOCK_WAIT_SECONDS",
            "30",
            "How long a command or dashboard request waits for another LoanFlow process to "
            "release the store before it gives up with a clear message, in seconds.",
        ),
        Setting(
            "cache_dir",
            "LOANFLOW_CACHE_DIR",
            ".loanflow-cache",
            "Folder for the dashboard's background-job cache and uploads in progress.",
        ),
        Setting(
            "upload_keep_hours",
            "LOANFLOW_UPLOAD_KEEP_HOURS",
            "2",
            "Hours an uploaded file that was never loaded is kept before it is deleted (a "
            "loaded or failed upload is deleted when its load ends).",
        ),
        Setting(
            "pseudonym_key_file",
            "LOANFLOW_PSEUDONYM_KEY_FILE",
            "",
            "File holding the secret key for pseudonymising identities at load (kept outside "
            "the store).",
        ),
        Setting(
            "min_password_length",
            "LOANFLOW_MIN_PASSWORD_LENGTH",
            "10",
            "Shortest password `loanflow users add/passwd` accepts.",
        ),
        Setting(
            "secret_key_file",
            "LOANFLOW_SECRET_KEY_FILE",
            "",
            "File holding the key that signs dashboard session cookies (default: secret_key "
            "in the cache folder, created with mode 0600 when missing).",
        ),
        Setting(
            "secure_cookies",
            "LOANFLOW_SECURE_COOKIES",
            "auto",
            "Mark session cookies Secure: auto (when the request came over https), 1 or 0.",
        ),
        Setting(
            "proxy_hops",
            "LOANFLOW_PROXY_HOPS",
            "0",
            "Reverse proxies in front of the dashboard whose X-Forwarded-For/-Proto to trust.",
        ),
        Setting(
            "session_hours",
            "LOANFLOW_SESSION_HOURS",
            "8",
            "Hours a dashboard sign-in lasts.",
        ),
        Setting(
            "signin_max_failures",
            "LOANFLOW_SIGNIN_MAX_FAILURES",
            "5",
            "Failed sign-ins for one user name within the window before sign-in is refused.",
        ),
        Setting(
            "signin_max_failures_per_address",
            "LOANFLOW_SIGNIN_MAX_FAILURES_PER_ADDRESS",
            "20",
            "Failed sign-ins from one client address within the window before it is refused.",
        ),
        Setting(
            "signin_window_seconds",
            "LOANFLOW_SIGNIN_WINDOW_SECONDS",
            "300",
            "Length of the sign-in rate-limit window, in seconds.",
        ),
        Setting(
            "engine",
            "LOANFLOW_ENGINE",
            "duckdb",
            "Engine computing the figures by default: duckdb (the store) or spark (the lake, "
            "on LOANFLOW_SPARK_MASTER); the analysis commands' --engine overrides it.",
        ),
        Setting(
            "lake",
            "LOANFLOW_LAKE",
            "",
            "The lake: a folder, a file-system URI Spark reaches (hdfs://, s3a://, abfss://...) "
            "holding the canonical tables as Parquet partitioned by dataset, or catalog:DATABASE "
            "(tables of Spark's catalog); read by --engine spark (empty: the store's dataset, "
            "copied to Parquet in the cache folder).",
        ),
        Setting(
            "spark_master",
            "LOANFLOW_SPARK_MASTER",
            "local[*]",
            "Where Spark runs for --engine spark: local[N] on this machine, or a cluster's "
            "master URL (spark://..., yarn, k8s://...).",
        ),
        Setting(
            "spark_shuffle_partitions",
            "LOANFLOW_SPARK_SHUFFLE_PARTITIONS",
            "auto",
            "Spark's shuffle partitions (auto: twice the local cores, 200 on a cluster).",
        ),
        Setting(
            "spark_conf",
            "LOANFLOW_SPARK_CONF",
            "",
            "Further Spark settings, spark.KEY=VALUE separated by semicolons: the catalog "
            "(spark.sql.catalogImplementation=hive, Iceberg catalogs), object-store "
            "credentials, executors' memory (empty: none).",
        ),
        Setting(
            "spark_driver_memory",
            "LOANFLOW_SPARK_DRIVER_MEMORY",
            "",
            "Memory of the Spark driver, e.g. 4g (empty: Spark's default).",
        ),
    ]
}


def get(name: str) -> str:
    """The current value of the named setting."""
    return SETTINGS[name].value()


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The store's path: an explicit ``--db`` value, else ``LOANFLOW_DB``, else the default."""
    return Path(explicit) if explicit else Path(get("db"))


def machine_memory_bytes() -> int:
    """The machine's physical memory, in bytes (8 GiB when it cannot be told)."""
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return 8 << 30


def decompressed_cap_bytes() -> int:
    """The cap on a compressed log's inflated size: ``max_decompressed_mb``, and at most a
    sixteenth of the machine's memory (parsing XES takes several times its inflated size)."""
    return min(setting_cap_bytes(), machine_memory_bytes() // 16)


def setting_cap_bytes() -> int:
    """The inflate cap the setting ``max_decompressed_mb`` sets, in bytes."""
    return int(float(get("max_decompressed_mb"))) << 20


def xes_chunk_bytes() -> int:
    """The most bytes of an XES document parsed at once (setting ``xes_chunk_mb``; at
    least 1 MB)."""
    try:
        return max(int(float(get("xes_chunk_mb")) * (1 << 20)), 1 << 20)
    except ValueError:
        return 32 << 20


def runs_at_normal_priority() -> bool:
    """Whether this process runs at the normal CPU priority (niceness 0) or above: then work
    at a lower priority (``nice``, e.g. a batch job) gives way to it."""
    try:
        return os.nice(0) <= 0
    except OSError:
        return False


def cpu_ticks(
    stat: str | None = None, *, niced_free: bool | None = None
) -> tuple[int, int, int] | None:
    """The machine's CPU time so far from ``/proc/stat`` (or the text ``stat``): free ticks,
    all ticks, and the number of CPUs they add up; None where there is no such file.

    Free is idle (and waiting for I/O), and also the time spent by processes running at a
    lower priority (``nice``) when ``niced_free`` (default: this process runs at normal
    priority, :func:`runs_at_normal_priority`), since they give their core way to it."""
    if stat is None:
        try:
            stat = Path("/proc/stat").read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError):
            return None
    lines = stat.splitlines()
    fields = lines[0].split() if lines else []
    if len(fields) < 5 or fields[0] != "cpu":
        return None
    try:
        # user nice system idle iowait irq softirq steal (guest time is inside user)
        ticks = [int(v) for v in fields[1:9]]
    except ValueError:
        return None
    cpus = sum(1 for line in lines[1:] if line.startswith("cpu") and line[3:4].isdigit())
    if niced_free is None:
        niced_free = runs_at_normal_priority()
    free = ticks[3] + ticks[4] + (ticks[1] if niced_free else 0)
    return free, sum(ticks), max(cpus, 1)


# The machine's CPU time when this module was first imported, early in a process (the
# command line's first imports): the start of the window free_cores() looks at.
_STARTED = (time.monotonic(), cpu_ticks())
IDLE_WINDOW = (0.1, 10.0)
"""The shortest and longest window (seconds since this process began) over which
:func:`free_cores` counts idle cores; outside it, it reads the load average."""


_helpers: set[int] = set()


def count_as_own(pid: int) -> None:
    """Count the CPU time of a process this one started to do part of its work (an XES
    worker parsing beside it) as free in :func:`idle_cores`: the core it keeps busy is
    this process's to use, not taken by other work."""
    _helpers.add(pid)


def no_longer_own(pid: int) -> None:
    """Stop counting a process of :func:`count_as_own` (it has ended: its id may be reused)."""
    _helpers.discard(pid)


def _helper_ticks() -> int:
    """The CPU ticks (user and system) the processes of :func:`count_as_own` have used, as
    long as they run (a process that has ended and been reaped counts nothing)."""
    total = 0
    for pid in _helpers:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1]
            state = fields.split()
            total += int(state[11]) + int(state[12])  # utime, stime (fields 14 and 15)
        except (OSError, UnicodeDecodeError, IndexError, ValueError):
            continue
    return total


def idle_cores() -> float | None:
    """How many of the machine's cores stood idle (or ran only lower-priority work, see
    :func:`cpu_ticks`), on average, since this process began (since this module was
    imported; the time of its helpers, :func:`count_as_own`, counts as idle); None when that
    window is shorter or longer than :data:`IDLE_WINDOW` or the system says nothing."""
    began, before = _STARTED
    elapsed = time.monotonic() - began
    now = cpu_ticks()
    if before is None or now is None or not IDLE_WINDOW[0] <= elapsed <= IDLE_WINDOW[1]:
        return None
    total = now[1] - before[1]
    if total <= 0:
        return None
    free = now[0] - before[0] + _helper_ticks()
    return min(free, total) / total * now[2]


def runnable_tasks(text: str | None = None, samples: int = 5) -> int | None:
    """The tasks running or ready to run on the machine now, this one included: the median
    of a few readings of ``/proc/loadavg`` a few milliseconds apart (or what the text
    ``text`` says); None where there is no such file."""
    if text is not None:
        return _runnable(text)
    readings = []
    for i in range(samples):
        if i:
            time.sleep(0.004)
        try:
            reading = _runnable(Path("/proc/loadavg").read_text(encoding="ascii"))
        except (OSError, UnicodeDecodeError):
            return None
        if reading is None:
            return None
        readings.append(reading)
    return sorted(readings)[len(readings) // 2]


def _runnable(line: str) -> int | None:
    """The running tasks of a ``/proc/loadavg`` line (its fourth field, ``running/all``)."""
    fields = line.split()
    try:
        return int(fields[3].split("/")[0])
    except (IndexError, ValueError):
        return None


def free_cores() -> int:
    """The cores this process may use that other work does not already keep busy, at
    least 1.

    Early in a process (a command line's load), the cores that stood idle since it began,
    plus the one it runs on: other work keeps the rest busy. The one-minute load average
    was read before (the usable cores less it, rounded down), but it lags: right after
    another process ended it still counts that process (a benchmark's previous run kept
    it at 1-1.5 on an otherwise idle two-core machine, and every load ran on one core).
    Later in a long-running process (a dashboard, a benchmark), the cores the load average
    leaves, or more where fewer tasks are ready to run now (:func:`runnable_tasks`, less this
    one): the load average alone remembers a minute of work that may have ended (in a
    benchmark's process, the previous round's: every later load ran on one core)."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0
    usable = usable or os.cpu_count() or 1
    idle = idle_cores()
    if idle is not None:
        return max(1, min(usable, 1 + round(idle)))
    try:
        busy = int(os.getloadavg()[0])
    except OSError:
        busy = 0
    now = runnable_tasks()
    if now is not None:
        busy = min(busy, max(0, now - 1))
    return max(1, usable - busy)


def load_threads() -> int:
    """DuckDB's threads for a load (setting ``load_threads``; auto: :func:`free_cores`)."""
    value = get("load_threads").strip().lower()
    if value not in ("", "auto"):
        try:
            return max(1, int(value))
        except ValueError:
            pass
    return free_cores()
