"""Load test: 20 signed-in users browsing the dashboard for 60 s on a 1,000,000-event store.

The dashboard runs as it does in production: ``loanflow serve`` in its own process, sign-in
on. Each simulated user (a thread with its own HTTP session) signs in through the login
form, loads the app page (which sets the CSRF cookie), then browses: it opens a page
(``GET /<page>`` and ``/_dash-layout``), runs that page's callback for a view
(``POST /_dash-update-component`` with the ``X-CSRFToken`` header, as the Dash renderer
does) and thinks for 1-3 s before the next step. Views are drawn from a small set of
filter states that colleagues share (the unfiltered view most often), so the server's
result cache sees the mix a team really produces. Every response must be HTTP 200.

    python benchmarks/bench_load_test.py [--users 20] [--seconds 60] [--events 1000000]
                                         [--store PATH]

``--store`` reuses an existing store holding the dataset ``bench`` (it is copied first);
otherwise the ``before`` sample scenario is generated at the requested size and loaded.
Writes ``benchmarks/results/load_test.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATASET = "bench"
EVENTS_PER_CASE = 20.8
PASSWORD = "load test password"
PAGES = {
    "overview": ("/", [("overview-query", "data")]),
    "handoffs": (
        "/handoffs",
        [("handoffs-query", "data"), ("handoffs-measure", "value", "total_wait_hours")],
    ),
    "bottlenecks": ("/bottlenecks", [("bottlenecks-query", "data")]),
    "variants": ("/variants", [("variants-query", "data"), ("variants-top", "value", 10)]),
}
# Shared views: (weight, query). The unfiltered view is the one most people open.
VIEWS = [
    (8, f"?dataset={DATASET}"),
    (3, f"?dataset={DATASET}&outcome=approved"),
    (3, f"?dataset={DATASET}&outcome=rejected"),
    (2, f"?dataset={DATASET}&from=2025-03-01&to=2025-05-31"),
    (2, f"?dataset={DATASET}&from=2025-06-01&to=2025-08-31"),
    (1, f"?dataset={DATASET}&outcome=approved&from=2025-01-01&to=2025-06-30"),
    (1, f"?dataset={DATASET}&amount=-100000"),
    (1, f"?dataset={DATASET}&amount=500000-"),
]


@dataclass
class Sample:
    kind: str
    seconds: float
    status: int


@dataclass
class Results:
    samples: list[Sample] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float, status: int, detail: str = "") -> None:
        expected = 303 if kind == "sign-in" else 200  # a successful sign-in redirects
        with self.lock:
            self.samples.append(Sample(kind, seconds, status))
            if status != expected:
                self.errors.append(f"{kind}: HTTP {status} {detail[:200]}")


# --- the store and the server ------------------------------------------------------------


def build_store(folder: Path, events: int, reuse: Path | None) -> Path:
    """A store holding the dataset ``bench`` (copied from ``reuse``, or generated and loaded)."""
    from etl.load import ingest
    from sample_logs.generate import generate_log

    db = folder / "load_test.duckdb"
    if reuse is not None:
        shutil.copyfile(reuse, db)
        return db
    log = folder / "before.csv"
    cases = max(100, round(events / EVENTS_PER_CASE))
    generate_log(log, "before", cases, layout="instances", encoding="gb18030")
    ingest(log, DATASET, db=db, profile=ROOT / "sample_logs" / "before.profile.yaml")
    log.unlink()
    return db


def add_users(db: Path, users: int) -> dict[str, Any]:
    import accounts
    from etl.load import list_datasets
    from etl.store import connect

    con = connect(db)
    try:
        for i in range(users):
            name = f"user{i:02d}"
            if accounts.get_user(con, name) is None:
                accounts.add_user(con, name, PASSWORD, "viewer")
        found = [d for d in list_datasets(con) if d["name"] == DATASET]
    finally:
        con.close()
    if not found:
        raise SystemExit(f"the store has no dataset {DATASET!r}")
    return found[0]


def start_server(db: Path, port: int, cache: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LOANFLOW_CACHE_DIR": str(cache)}
    loanflow = str(Path(sys.executable).with_name("loanflow"))
    server = subprocess.Popen(
        [loanflow, "serve", "--db", str(db), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 180
    while time.time() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/login", timeout=5).status_code == 200:
                return server
        except requests.ConnectionError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit("the dashboard did not start")


# --- one user ----------------------------------------------------------------------------


def payload(page: str, query: str) -> dict[str, Any]:
    inputs = []
    for spec in PAGES[page][1]:
        component, prop = spec[0], spec[1]
        inputs.append(
            {"id": component, "property": prop, "value": query if len(spec) == 2 else spec[2]}
        )
    return {
        "output": f"{page}-body.children",
        "outputs": {"id": f"{page}-body", "property": "children"},
        "inputs": inputs,
        "state": [],
        "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"],
    }


def timed(results: Results, kind: str, call: Any) -> requests.Response:
    began = time.perf_counter()
    response: requests.Response = call()
    results.add(kind, time.perf_counter() - began, response.status_code, response.text)
    return response


def sign_in(session: requests.Session, base: str, name: str, results: Results) -> str:
    page = timed(results, "sign-in page", lambda: session.get(base + "/login", timeout=60))
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    if token is None:
        raise RuntimeError("no CSRF token on the sign-in page")
    form = {"username": name, "password": PASSWORD, "csrf_token": token.group(1), "next": "/"}
    timed(
        results,
        "sign-in",
        lambda: session.post(base + "/login", data=form, timeout=60, allow_redirects=False),
    )
    timed(results, "app page", lambda: session.get(base + "/", timeout=60))
    return str(session.cookies.get("_csrf_token") or "")


def browse(base: str, name: str, until: float, seed: int, results: Results) -> None:
    rng = random.Random(seed)
    weights = [w for w, _ in VIEWS]
    with requests.Session() as session:
        token = sign_in(session, base, name, results)
        headers = {"X-CSRFToken": token, "Content-Type": "application/json"}
        while time.time() < until:
            page = rng.choice(list(PAGES))
            query = rng.choices([q for _, q in VIEWS], weights)[0]
            path = PAGES[page][0]
            timed(results, "page", lambda p=path, q=query: session.get(base + p + q, timeout=60))
            timed(results, "layout", lambda: session.get(base + "/_dash-layout", timeout=60))
            timed(
                results,
                f"{page} view",
                lambda p=page, q=query: session.post(
                    base + "/_dash-update-component",
                    json=payload(p, q),
                    headers=headers,
                    timeout=120,
                ),
            )
            time.sleep(rng.uniform(1.0, 3.0))


# --- the report --------------------------------------------------------------------------


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


def table(samples: list[Sample]) -> list[str]:
    kinds: dict[str, list[float]] = {}
    for s in samples:
        kinds.setdefault(s.kind, []).append(s.seconds)
    lines = ["| request | count | median ms | p95 ms | max ms |", "|---|---:|---:|---:|---:|"]
    for kind, values in sorted(kinds.items()):
        lines.append(
            f"| {kind} | {len(values):,} | {statistics.median(values) * 1000:,.0f} "
            f"| {p95(values) * 1000:,.0f} | {max(values) * 1000:,.0f} |"
        )
    every = [s.seconds for s in samples if not s.kind.startswith("sign-in")]
    lines.append(
        f"| **browsing (all but sign-in)** | {len(every):,} "
        f"| {statistics.median(every) * 1000:,.0f} | {p95(every) * 1000:,.0f} "
        f"| {max(every) * 1000:,.0f} |"
    )
    return lines


def report(
    args: argparse.Namespace, info: dict[str, Any], results: Results, warm: float, wall: float
) -> str:
    import dash
    import duckdb

    samples = results.samples
    views = [s.seconds for s in samples if s.kind.endswith(" view")]
    every = [s.seconds for s in samples if not s.kind.startswith("sign-in")]
    signing = [s.seconds for s in samples if s.kind == "sign-in"]
    verdict = "met" if p95(every) < 1.0 and not results.errors else "NOT met"
    lines = [
        "## Load test: 20 users browsing with sign-in on",
        "",
        f"{args.users} simulated users (threads with their own HTTP sessions) signed in through "
        f"the login form and browsed for {args.seconds} s against `loanflow serve` (its own "
        f"process, sign-in and CSRF on, werkzeug threaded server) on loopback. Store: "
        f"{info.get('events', 0):,} events, {info.get('cases', 0):,} cases (the `before` "
        "sample scenario scaled up). Each step: `GET` the page, `GET /_dash-layout`, "
        "`POST /_dash-update-component` for the page's view with `X-CSRFToken`, then 1-3 s "
        "of thinking; views drawn from 8 shared filter states (the unfiltered view most "
        f"often). Machine: {platform.machine()}, {os.cpu_count()} cores shared with other "
        f"work, Python {platform.python_version()}, DuckDB {duckdb.__version__}, Dash "
        f"{dash.__version__}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Command: "
        f"`python benchmarks/bench_load_test.py --users {args.users} --seconds {args.seconds}`.",
        "",
        *table(samples),
        "",
        f"Requests: {len(samples):,} in {wall:.0f} s ({len(samples) / wall:.1f}/s); errors "
        f"(not 200, or 303 for a sign-in): {len(results.errors)}. Page views (callback "
        f"answers): {len(views):,}, p95 {p95(views) * 1000:,.0f} ms. Browsing p95 (every "
        f"request but the sign-in form) {p95(every) * 1000:,.0f} ms: the target (no errors, "
        f"p95 < 1 s) is {verdict}. The {len(signing)} sign-ins (argon2id verification, all "
        f"users at once at the start) took median {statistics.median(signing) * 1000:,.0f} "
        f"ms. Before the clock started, one warm-up view took {warm:.1f} s (the store's "
        "derived tables and DuckDB's buffers).",
    ]
    if results.errors:
        lines += ["", "First errors:", "", *[f"- {e}" for e in results.errors[:10]]]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--store", type=Path, default=None, help="reuse a store with 'bench'")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/load_test.md")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="loanflow-load-") as tmp:
        folder = Path(tmp)
        db = build_store(folder, args.events, args.store)
        info = add_users(db, args.users)
        server = start_server(db, args.port, folder / "cache")
        base = f"http://127.0.0.1:{args.port}"
        try:
            results = Results()
            with requests.Session() as session:
                token = sign_in(session, base, "user00", Results())
                began = time.perf_counter()
                session.post(
                    base + "/_dash-update-component",
                    json=payload("overview", VIEWS[0][1]),
                    headers={"X-CSRFToken": token},
                    timeout=600,
                ).raise_for_status()
                warm = time.perf_counter() - began
            started = time.time()
            until = started + args.seconds
            threads = [
                threading.Thread(target=browse, args=(base, f"user{i:02d}", until, i, results))
                for i in range(args.users)
            ]
            for thread in threads:
                thread.start()
                time.sleep(0.1)
            for thread in threads:
                thread.join()
            wall = time.time() - started
        finally:
            server.terminate()
            server.wait(timeout=30)
    text = report(args, info, results, warm, wall)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
