"""Load benchmark: the client workspace pages under concurrent users, on the real server.

For each database, on a fresh schema (`retain init`) loaded with --clients clients
(one of them, BENCH-HEAVY, with --entries timeline entries; see _workspace_data.py),
it starts `retain serve` (gunicorn, --workers) on 127.0.0.1, signs --users virtual
users in once each, then runs each scenario for --seconds with all users at once
(or with fewer, see --scenario-users), each user sending its next request as soon
as the previous one answers:

  * baseline      GET /login/ signed out: a trivial page through the same server,
                  middleware and connection handling, measured in the same run
  * my clients    GET /
  * client list   GET /clients/
  * search        GET /clients/?q=<term> (name words and fragments, external ids,
                  contact surnames, in turn)
  * 360 page      GET /clients/<BENCH-HEAVY>/
  * scorecard     GET /scorecard/: the balanced scorecard over its default period,
                  reading the data set's subscription lines, incidents, survey answers,
                  advocacy asks, touch and playbook tasks, handoffs and client values

--scenarios NAME,NAME runs only those (names as above, with - for a space: my-clients,
360-page); the baseline always runs, as it is the run's reference. --scenario-users
NAME=N (repeatable) drives that scenario with N users instead of --users: an executive
page such as the scorecard is not opened by ten people at once (scorecard=3). The
results give each scenario's users.

After each scenario the same pages are measured with one user alone for --solo-seconds:
with more users than workers (and on a small machine, than CPUs) the loaded figures are
mostly queueing, and the one-user figures show what the page itself costs.

Only 200 responses count towards latency; anything else is an error, reported. A page
that answers 404 (not built yet) is reported as missing; the client list then falls back
to /. Targets (p95): list and search < 200 ms, 360 page < 150 ms, my clients < 200 ms,
scorecard < 500 ms.

PostgreSQL is VACUUMed and ANALYZEd after the load (autovacuum would do so within a minute
or so, where it runs);
SQLite is not, because Retain never runs ANALYZE there, so its planner works without
statistics in production too.

The data load, the sign-in and each scenario run in their own process; the parent
imports neither Django nor the app. Usage:

    .venv/bin/python benchmarks/load_workspace.py [--databases sqlite,postgresql]
        [--clients 100000] [--entries 50000] [--users 10] [--seconds 30] [--port 8765]
        [--scenarios scorecard,360-page] [--scenario-users scorecard=3]

Quick try: --clients 5000 --entries 2000 --seconds 5. While tuning, --keep DIR keeps the
loaded databases and a later --keep DIR --reuse measures again without loading (the
figures for a report come from a run that loads afresh).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYTHON = sys.executable
RETAIN = [PYTHON, "-m", "retain"]
HOST = "127.0.0.1"  # loopback only
POSTGRES_ADMIN = os.environ.get(
    "BENCH_POSTGRES_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres"
)
POSTGRES_DB = "retain_bench_workspace"
REQUEST_TIMEOUT = 30.0
# Target p95 in ms per scenario; the baseline has none.
TARGETS = {
    "my clients": 200.0,
    "client list": 200.0,
    "search": 200.0,
    "360 page": 150.0,
    "scorecard": 500.0,
}
# The scenarios in the order they run; the first, the baseline, always runs.
SCENARIOS = ["baseline", "my clients", "client list", "search", "360 page", "scorecard"]

sys.path.insert(0, str(HERE))


# ---------------------------------------------------------------------------
# HTTP: one keep-alive-capable connection per virtual user, cookies kept by hand
# (http.client has no cookie jar; the server sets only csrftoken and sessionid).


class Browser:
    """One virtual user: its own connection and cookies; redirects are not followed."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None) -> None:
        self.port = port
        self.cookies = dict(cookies or {})
        self.conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, str, dict[str, str]]:
        sent = {"Host": f"{HOST}:{self.port}", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=sent)
                response = self.conn.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed a kept-alive connection between two requests: reconnect.
                self.conn.close()
                if attempt == 2:
                    raise
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()  # http.client reopens it on the next request
        return response.status, text, dict(response.getheaders())

    def close(self) -> None:
        self.conn.close()


def sign_in(port: int, email: str, password: str) -> dict[str, str]:
    """GET /login/ for the CSRF cookie and token, POST the form; return the cookies."""
    browser = Browser(port)
    status, page, _ = browser.request("GET", "/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if status != 200 or token is None:
        raise SystemExit(f"GET /login/ answered {status} without a CSRF token")
    origin = f"http://{HOST}:{port}"
    form = urlencode({"username": email, "password": password, "csrfmiddlewaretoken": token[1]})
    status, page, _ = browser.request(
        "POST",
        "/login/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"{origin}/login/",
            "Origin": origin,
        },
    )
    if status != 302 or "sessionid" not in browser.cookies:
        raise SystemExit(f"sign-in failed: POST /login/ answered {status}\n{page[:2000]}")
    browser.close()
    return browser.cookies


# ---------------------------------------------------------------------------
# Stages run in child processes


def stage_signin(port: int, users: int, email: str, password: str) -> None:
    """Sign every virtual user in (in parallel, as they would arrive); print their cookies."""
    sessions: list[dict[str, str]] = [{} for _ in range(users)]
    failures: list[BaseException] = []

    def one(n: int) -> None:
        try:
            sessions[n] = sign_in(port, email, password)
        except BaseException as error:  # reported by the parent, with the others
            failures.append(error)

    started = time.perf_counter()
    threads = [threading.Thread(target=one, args=(n,)) for n in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(REQUEST_TIMEOUT * 2)
    if failures or any(not s for s in sessions):
        raise SystemExit(f"sign-in failed: {failures[:1] or 'timed out'}")
    print(json.dumps({"sessions": sessions, "seconds": time.perf_counter() - started}))


@dataclass
class Result:
    """One scenario's figures (latencies of 200 responses only)."""

    database: str
    scenario: str
    path: str
    users: int
    requests: int
    errors: int
    seconds: float
    requests_per_s: float
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    target_p95_ms: float | None
    note: str = ""
    # The same page with one user alone: its cost without queueing for a worker.
    solo_p50_ms: float | None = None
    solo_p95_ms: float | None = None
    # Search only: requests/p50/p95 by kind of term, under the full load.
    breakdown: dict[str, dict[str, float | None]] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        if self.note.startswith("missing"):
            return "missing"
        if self.target_p95_ms is None or self.p95_ms is None:
            return "-"
        return "met" if self.p95_ms < self.target_p95_ms else "MISSED"


def percentile(sorted_ms: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_ms:
        return None
    rank = max(1, -(-len(sorted_ms) * fraction // 1))  # ceil(n * fraction)
    return sorted_ms[int(rank) - 1]


def stage_drive(port: int, seconds: float, paths: list[str], sessions: list[dict]) -> None:
    """Each user loops over ``paths`` (its own rotation) until the deadline; print figures."""
    latencies: list[list[float]] = [[] for _ in sessions]
    by_path: list[dict[str, list[float]]] = [{} for _ in sessions]
    errors: list[dict[str, int]] = [{} for _ in sessions]
    start_gate = threading.Barrier(len(sessions) + 1)
    deadline = 0.0

    def user(n: int) -> None:
        browser = Browser(port, sessions[n])
        rotation = paths[n % len(paths) :] + paths[: n % len(paths)]
        start_gate.wait()
        i = 0
        while (began := time.perf_counter()) < deadline:
            path = rotation[i % len(rotation)]
            i += 1
            try:
                status, _, _ = browser.request("GET", path)
            except OSError as error:
                status_key = type(error).__name__
                errors[n][status_key] = errors[n].get(status_key, 0) + 1
                browser.close()
                continue
            elapsed = (time.perf_counter() - began) * 1000
            if status == 200:
                latencies[n].append(elapsed)
                by_path[n].setdefault(path, []).append(elapsed)
            else:
                errors[n][str(status)] = errors[n].get(str(status), 0) + 1
        browser.close()

    threads = [threading.Thread(target=user, args=(n,), daemon=True) for n in range(len(sessions))]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    deadline = started + seconds
    start_gate.wait()
    for thread in threads:
        thread.join(seconds + REQUEST_TIMEOUT + 5)  # a request begun before the deadline ends
    elapsed = time.perf_counter() - started
    merged: dict[str, int] = {}
    for counts in errors:
        for key, value in counts.items():
            merged[key] = merged.get(key, 0) + value
    print(
        json.dumps(
            {
                "latencies_ms": sorted(ms for per_user in latencies for ms in per_user),
                "by_path": _merge(by_path) if len(paths) > 1 else {},
                "errors": merged,
                "seconds": elapsed,
            }
        )
    )


def _merge(per_user: list[dict[str, list[float]]]) -> dict[str, list[float]]:
    merged: dict[str, list[float]] = {}
    for paths in per_user:
        for path, ms in paths.items():
            merged.setdefault(path, []).extend(ms)
    return merged


def child_json(argv: list[str], env: dict[str, str] | None = None) -> dict:
    """Run a stage in its own process and return the JSON line it prints last."""
    process = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=3600)
    sys.stderr.write(process.stderr)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:4])} ... failed ({process.returncode})")
    return json.loads(process.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------
# Orchestration (parent process)


def database_env(kind: str, workdir: Path) -> dict[str, str]:
    env = dict(os.environ, RETAIN_VAR_DIR=str(workdir / "var"), PYTHONPATH=str(ROOT / "src"))
    if kind == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    elif kind == "postgresql":
        env["DATABASE_URL"] = POSTGRES_ADMIN.rsplit("/", 1)[0] + "/" + POSTGRES_DB
    else:
        raise SystemExit(f"unknown database {kind!r} (sqlite, postgresql)")
    return env


def prepare_database(kind: str, workdir: Path) -> dict[str, str]:
    env = database_env(kind, workdir)
    if kind == "postgresql":
        import psycopg

        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {POSTGRES_DB}")
            admin.execute(f"CREATE DATABASE {POSTGRES_DB}")
    subprocess.run([*RETAIN, "init", "-v", "0"], env=env, check=True, stdout=subprocess.DEVNULL)
    return env


def drop_database(kind: str) -> None:
    if kind == "postgresql":
        import psycopg

        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {POSTGRES_DB} WITH (FORCE)")


class Server:
    """`retain serve` as a subprocess; stopped with SIGTERM, then SIGKILL after 10 s."""

    def __init__(self, env: dict[str, str], port: int, workers: int, log: Path) -> None:
        self.port = port
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [*RETAIN, "serve", "--bind", f"{HOST}:{port}", "--workers", str(workers)],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: gunicorn's workers go with it
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(
                    f"the server exited ({self.process.returncode}); see {self.log.name}"
                )
            try:
                connection = http.client.HTTPConnection(HOST, self.port, timeout=2)
                connection.request("GET", "/login/")
                if connection.getresponse().status == 200:
                    connection.close()
                    return
                connection.close()
            except OSError:
                pass
            time.sleep(0.25)
        raise SystemExit(f"the server did not answer /login/ within {timeout:.0f} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.log.close()


def _drive(port: int, seconds: float, paths: list[str], sessions: list[dict]) -> dict:
    return child_json(
        [PYTHON, __file__, "--stage", "drive", "--port", str(port), "--seconds", str(seconds)],
        env=dict(os.environ, BENCH_DRIVE=json.dumps({"paths": paths, "sessions": sessions})),
    )


def probe(port: int, cookies: dict[str, str], path: str) -> int:
    browser = Browser(port, cookies)
    try:
        return browser.request("GET", path)[0]
    finally:
        browser.close()


def run_database(kind: str, args: argparse.Namespace, workdir: Path) -> list[Result]:
    from _workspace_data import search_terms

    saved = workdir / f"data-{kind}-{args.clients}-{args.entries}.json"
    if args.reuse and saved.exists():
        # The database a previous run kept (--keep): migrate it to this checkout and go.
        print(f"{kind}: reusing the database of {saved}", flush=True)
        env = database_env(kind, workdir)
        subprocess.run([*RETAIN, "init", "-v", "0"], env=env, check=True, stdout=subprocess.DEVNULL)
        if kind == "postgresql":  # as the load does: init has just refreshed every client
            import psycopg

            with psycopg.connect(env["DATABASE_URL"], autocommit=True) as bench:
                bench.execute("VACUUM ANALYZE")
        data = json.loads(saved.read_text())
    else:
        print(f"{kind}: building the database", flush=True)
        env = prepare_database(kind, workdir)
        data = child_json(
            [PYTHON, str(HERE / "_workspace_data.py"), str(args.clients), str(args.entries)],
            env=env,
        )
        saved.write_text(json.dumps(data))
    loaded = data["load_seconds"]
    print(
        f"{kind}: loaded {data['clients']:,} clients, {data['timeline_entries']:,} timeline "
        f"entries ({data['heavy_entries']:,} on BENCH-HEAVY, id {data['heavy_client_id']}); "
        f"benchmark user owns {data['owned_by_bench_user']:,} "
        f"({data.get('touch_tasks_of_bench_user', 0):,} touch tasks, "
        f"{data.get('thank_yous_of_bench_user', 0):,} thank-yous); load {loaded['total']:.1f} s",
        flush=True,
    )
    if "incidents" in data:  # a database loaded before the scorecard's records has none
        print(
            f"{kind}: for the scorecard {data['subscription_lines']:,} subscription lines, "
            f"{data['incidents']:,} incidents, {data['survey_responses']:,} survey responses "
            f"({data['survey_invitations']:,} invitations), {data['advocacy_asks']:,} "
            f"advocacy asks, {data['playbook_runs']:,} playbook runs with "
            f"{data['playbook_tasks']:,} tasks, {data['transactions']:,} transactions, "
            f"{data['client_values']:,} client values",
            flush=True,
        )
    server = Server(env, args.port, args.workers, workdir / f"server-{kind}.log")
    results: list[Result] = []
    try:
        server.wait_ready()
        signin = child_json(
            [
                PYTHON,
                __file__,
                "--stage",
                "signin",
                "--port",
                str(args.port),
                "--users",
                str(max([args.users, *args.scenario_users.values()])),
                "--email",
                data["bench_email"],
                "--password",
                data["password"],
            ]
        )
        sessions = signin["sessions"]
        print(f"{kind}: {len(sessions)} users signed in in {signin['seconds']:.1f} s", flush=True)
        terms = search_terms(args.clients)
        random.Random(7).shuffle(terms)
        term_kind = {f"/clients/?q={quote(term)}": kind for kind, term in terms}
        heavy = f"/clients/{data['heavy_client_id']}/"
        scenarios: list[tuple[str, list[str], bool]] = [
            ("baseline /login/", ["/login/"], False),  # signed out: a trivial page
            ("my clients", ["/"], True),
            ("client list", ["/clients/"], True),
            ("search", list(term_kind), True),
            ("360 page", [heavy], True),
            ("scorecard", ["/scorecard/"], True),
        ]
        for name, paths, signed_in in scenarios:
            key = scenario_key(name)
            if key != "baseline" and key not in args.scenarios:
                continue
            count = args.scenario_users.get(key, args.users)
            note = ""
            if signed_in:
                status = probe(args.port, sessions[0], paths[0])
                if status == 404:
                    if name in ("client list", "search"):
                        note = f"missing: {paths[0].split('?')[0]} answered 404; measured / instead"
                        paths = ["/"]
                    else:
                        note = f"missing: {paths[0]} answered 404"
                        results.append(
                            Result(
                                database=kind,
                                scenario=name,
                                path=paths[0],
                                users=count,
                                requests=0,
                                errors=0,
                                seconds=0.0,
                                requests_per_s=0.0,
                                p50_ms=None,
                                p95_ms=None,
                                p99_ms=None,
                                target_p95_ms=TARGETS.get(name),
                                note=note,
                            )
                        )
                        print(f"  {kind:<10} {name:<17} {note}", flush=True)
                        continue
                elif status != 200:
                    note = f"probe answered {status}"
            users = sessions[:count] if signed_in else [{}] * count
            drive = _drive(args.port, args.seconds, paths, users)
            solo = (
                _drive(args.port, args.solo_seconds, paths, users[:1])
                if args.solo_seconds
                else None
            )
            ms = drive["latencies_ms"]
            errors = sum(drive["errors"].values())
            if drive["errors"]:
                note = "; ".join(filter(None, [note, f"errors {drive['errors']}"]))
            result = Result(
                database=kind,
                scenario=name,
                path=paths[0] if len(paths) == 1 else f"/clients/?q=<{len(paths)} terms>",
                users=count,
                requests=len(ms) + errors,
                errors=errors,
                seconds=round(drive["seconds"], 2),
                requests_per_s=round(len(ms) / drive["seconds"], 1),
                p50_ms=_round(percentile(ms, 0.50)),
                p95_ms=_round(percentile(ms, 0.95)),
                p99_ms=_round(percentile(ms, 0.99)),
                target_p95_ms=TARGETS.get(name),
                note=note,
            )
            if solo is not None:
                result.solo_p50_ms = _round(percentile(solo["latencies_ms"], 0.50))
                result.solo_p95_ms = _round(percentile(solo["latencies_ms"], 0.95))
            if drive["by_path"] and name == "search":
                result.breakdown = _breakdown(drive["by_path"], term_kind)
            results.append(result)
            print(f"  {_row(result)}", flush=True)
    finally:
        server.stop()
        if not args.keep:
            drop_database(kind)
    print(f"{kind}: data load by part (s): {json.dumps(loaded)}", flush=True)
    LOADS[kind] = loaded
    return results


LOADS: dict[str, dict[str, float]] = {}


def _breakdown(by_path: dict[str, list[float]], kinds: dict[str, str]) -> dict[str, dict]:
    grouped: dict[str, list[float]] = {}
    for path, ms in by_path.items():
        grouped.setdefault(kinds.get(path, "other"), []).extend(ms)
    return {
        kind: {
            "requests": len(ms),
            "p50_ms": _round(percentile(sorted(ms), 0.50)),
            "p95_ms": _round(percentile(sorted(ms), 0.95)),
        }
        for kind, ms in sorted(grouped.items())
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


HEADER = (
    f"{'database':<11}{'scenario':<18}{'users':>6}{'requests':>9}{'errors':>7}{'req/s':>8}"
    f"{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'target':>8}  {'p95':<8}{'1-user p50/p95':>15}"
)


def _row(r: Result) -> str:
    target = "-" if r.target_p95_ms is None else f"<{r.target_p95_ms:.0f}"
    lines = [
        f"{'':<11}  by term: {kind:<16}{f['requests']:>7,} requests, "
        f"p50 {_ms(f['p50_ms'])} ms, p95 {_ms(f['p95_ms'])} ms"
        for kind, f in r.breakdown.items()
    ]
    return "\n".join([_main_row(r, target), *lines])


def _main_row(r: Result, target: str) -> str:
    return (
        f"{r.database:<11}{r.scenario:<18}{r.users:>6}{r.requests:>9,}{r.errors:>7,}"
        f"{r.requests_per_s:>8.1f}"
        f"{_ms(r.p50_ms):>9}{_ms(r.p95_ms):>9}{_ms(r.p99_ms):>9}{target:>8}  {r.verdict:<8}"
        f"{_ms(r.solo_p50_ms) + '/' + _ms(r.solo_p95_ms):>15}" + (f" {r.note}" if r.note else "")
    )


def scenario_key(name: str) -> str:
    """A scenario's name as typed on the command line: "360 page" is 360-page."""
    return name.split(" /")[0].strip().lower().replace("_", "-").replace(" ", "-")


SCENARIO_KEYS = [scenario_key(name) for name in SCENARIOS]


def parse_scenarios(text: str) -> set[str]:
    """--scenarios: a comma-separated list of scenario names; the baseline is always run."""
    chosen = {scenario_key(name) for name in text.split(",") if name.strip()}
    unknown = sorted(chosen - set(SCENARIO_KEYS))
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown scenario {', '.join(unknown)} (choose from {', '.join(SCENARIO_KEYS)})"
        )
    return chosen | {"baseline"}


def parse_scenario_users(text: str) -> tuple[str, int]:
    """--scenario-users NAME=N: the scenario and how many users drive it."""
    name, _, number = text.partition("=")
    key = scenario_key(name)
    if key not in SCENARIO_KEYS or not number.strip().isdigit() or int(number) < 1:
        raise argparse.ArgumentTypeError(
            f"expected NAME=N with N >= 1 and NAME one of {', '.join(SCENARIO_KEYS)}: {text!r}"
        )
    return key, int(number)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=50_000)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--scenarios",
        type=parse_scenarios,
        default=set(SCENARIO_KEYS),
        help=f"run only these, comma-separated ({', '.join(SCENARIO_KEYS)}; default all); "
        "the baseline always runs",
    )
    parser.add_argument(
        "--scenario-users",
        type=parse_scenario_users,
        action="append",
        default=[],
        metavar="NAME=N",
        help="drive scenario NAME with N users instead of --users (repeatable)",
    )
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3)")
    parser.add_argument(
        "--solo-seconds",
        type=float,
        default=5.0,
        help="then each page with one user alone, for its cost without queueing (0: skip)",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        help="keep the databases in this directory (PostgreSQL: keep its database) for --reuse",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --keep: use the databases a previous run kept there instead of loading anew",
    )
    parser.add_argument("--stage", choices=["signin", "drive"], help=argparse.SUPPRESS)
    parser.add_argument("--email", help=argparse.SUPPRESS)
    parser.add_argument("--password", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.scenario_users = dict(args.scenario_users)

    if args.stage == "signin":
        stage_signin(args.port, args.users, args.email, args.password)
        return
    if args.stage == "drive":
        spec = json.loads(os.environ["BENCH_DRIVE"])
        stage_drive(args.port, args.seconds, spec["paths"], spec["sessions"])
        return

    results: list[Result] = []
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        for kind in args.databases.split(","):
            results += run_database(kind.strip(), args, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="retain-bench-workspace-") as tmp:
            for kind in args.databases.split(","):
                results += run_database(kind.strip(), args, Path(tmp))

    print()
    print(
        f"{args.clients:,} clients, BENCH-HEAVY with {args.entries:,} timeline entries; "
        f"{args.users} users for {args.seconds:g} s per scenario"
        + "".join(f", {key} {n}" for key, n in sorted(args.scenario_users.items()))
        + f"; gunicorn {args.workers} workers on {os.cpu_count()} CPUs"
    )
    print(HEADER)
    for result in results:
        print(_row(result))
    for kind, loaded in LOADS.items():
        print(f"data load {kind}: {loaded['total']:.1f} s")
    print(
        json.dumps(
            {
                "clients": args.clients,
                "entries": args.entries,
                "users": args.users,
                "scenario_users": args.scenario_users,
                "scenarios": [key for key in SCENARIO_KEYS if key in args.scenarios],
                "seconds": args.seconds,
                "workers": args.workers,
                "load_seconds": LOADS,
                "results": [asdict(r) | {"verdict": r.verdict} for r in results],
            }
        )
    )


if __name__ == "__main__":
    main()
