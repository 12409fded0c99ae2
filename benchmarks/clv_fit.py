"""Benchmark: fitting BG/NBD with retain.analytics.clv, against lifetimes 0.11.3.

(a) CDNOW (Hardie's summary, tests/data/cdnow_summary.csv, 2,357 customers): the BG/NBD
    fit by `retain.analytics.clv.fit_bgnbd` and by lifetimes 0.11.3's
    `BetaGeoFitter().fit(frequency, recency, T)` (the baseline), each in its own process
    with the same environment, timing only the fit call: one warm-up fit, then --repeats
    timed fits, min and median reported. Both log-likelihoods are evaluated by the same
    function (`bgnbd_log_likelihood`) at each one's estimates. Targets: at least 10 times
    faster, log-likelihoods within 0.01.

    lifetimes 0.11.3 needs numpy < 2, pandas < 2.2, scipy < 1.12 and autograd, so it runs
    in its own virtual environment under Python 3.12, built once with uv and kept in
    var/bench/lifetimes-0.11.3/.

(b) 1,000,000 customers drawn from BG/NBD (r 0.243, alpha 4.414, a 0.793, b 2.426; T
    uniform on 20..80 weeks, seeded) fitted in a child process: fit seconds, the child's
    peak RSS (ru_maxrss from wait4), the parameters' relative errors. Targets: under 10 s,
    under 2 GB, every parameter within 2%.

BLAS runs single-threaded in every child (OPENBLAS_NUM_THREADS=1 and friends): these
problems have four parameters, and on a shared two-core machine OpenBLAS's worker
threads only add contention (scipy's L-BFGS-B calls BLAS on its tiny matrices).
--blas-threads default keeps the machine's setting instead, for comparison.

Usage:
    .venv/bin/python benchmarks/clv_fit.py [--repeats 10] [--customers 1000000]
        [--blas-threads single|default]
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CDNOW_SUMMARY = ROOT / "tests" / "data" / "cdnow_summary.csv"
BASELINE_VENV = ROOT / "var" / "bench" / "lifetimes-0.11.3"
BASELINE_REQUIREMENTS = [
    "lifetimes==0.11.3",
    "numpy<2",
    "pandas<2.2",
    "scipy<1.12",
    "autograd<1.7",
    # lifetimes imports pkg_resources, gone from setuptools 70 on.
    "setuptools<70",
]
TRUTH = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
SPEEDUP_TARGET = 10.0
LOG_LIKELIHOOD_TOLERANCE = 0.01
MILLION_SECONDS_TARGET = 10.0
MILLION_MEMORY_TARGET_MB = 2048.0
RECOVERY_TARGET = 0.02
SINGLE_THREAD_ENV = {
    name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
}

# Runs under the baseline's Python: lifetimes on the CDNOW summary.
BASELINE_CHILD = """
import json, statistics, sys, time, warnings
warnings.simplefilter("ignore")
import pandas as pd
from lifetimes import BetaGeoFitter
summary = pd.read_csv(sys.argv[1])
repeats = int(sys.argv[2])
columns = summary["frequency"], summary["recency"], summary["T"]
BetaGeoFitter().fit(*columns)  # warm-up: autograd's first trace, imports
seconds = []
for _ in range(repeats):
    fitter = BetaGeoFitter()
    started = time.perf_counter()
    fitter.fit(*columns)
    seconds.append(time.perf_counter() - started)
print(json.dumps({"seconds": seconds, "params": {k: float(v) for k, v in fitter.params_.items()}}))
"""


def child_ours_cdnow(repeats: int) -> None:
    """Ours on the CDNOW summary, printed as JSON like the baseline child."""
    import csv

    from retain.analytics.clv import fit_bgnbd

    with CDNOW_SUMMARY.open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    columns = [[float(row[name]) for row in rows] for name in ("frequency", "recency", "T")]
    fit_bgnbd(*columns)  # warm-up, as for the baseline
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        fitted = fit_bgnbd(*columns)
        seconds.append(time.perf_counter() - started)
    print(json.dumps({"seconds": seconds, "params": fitted.parameters.as_dict()}))


def child_million(customers: int) -> None:
    """Draw ``customers`` BG/NBD histories, fit them, print the figures as JSON."""
    import numpy as np

    from retain.analytics.clv import BgNbdParameters, fit_bgnbd
    from retain.analytics.clv.simulation import simulate_bgnbd

    truth = BgNbdParameters(**TRUTH)
    rng = np.random.default_rng(20051001)
    started = time.perf_counter()
    histories = simulate_bgnbd(truth, rng.uniform(20.0, 80.0, customers), rng)
    generated = time.perf_counter() - started
    frequency, recency, T = histories.frequency, histories.recency, histories.T
    del histories
    started = time.perf_counter()
    fitted = fit_bgnbd(frequency, recency, T)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "generate_seconds": generated,
                "fit_seconds": seconds,
                "iterations": fitted.iterations,
                "converged": fitted.converged,
                "log_likelihood": fitted.log_likelihood,
                "params": fitted.parameters.as_dict(),
                "repeat_buyers": float((frequency > 0).mean()),
            }
        )
    )


def run_child(argv: list[str], env: dict[str, str]) -> tuple[dict, float]:
    """Run a child to completion; its last output line as JSON and its own peak RSS in MB.

    The child is reaped with wait4, so the peak is this child's alone.
    """
    process = subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:2])} ... failed ({process.returncode}):\n{output}")
    return json.loads(output.strip().splitlines()[-1]), usage.ru_maxrss / 1024


def find_python_312() -> str:
    """A Python 3.12 for the baseline: pyenv's, the PATH's, or one uv knows."""
    pyenv = shutil.which("pyenv")
    roots = [os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))]
    if pyenv:
        found = subprocess.run([pyenv, "root"], capture_output=True, text=True)
        roots.insert(0, found.stdout.strip())
    for root in roots:
        for candidate in sorted(glob.glob(f"{root}/versions/3.12*/bin/python3.12"), reverse=True):
            return candidate
    on_path = shutil.which("python3.12")
    if on_path:
        return on_path
    found = subprocess.run(
        [str(ROOT / ".venv/bin/uv"), "python", "find", "3.12"], capture_output=True, text=True
    )
    if found.returncode == 0 and found.stdout.strip():
        return found.stdout.strip()
    raise SystemExit("no Python 3.12 found for the lifetimes baseline (pyenv, PATH or uv)")


def baseline_python() -> str:
    """The baseline venv's Python, building the venv the first time (cached in var/bench/)."""
    python = BASELINE_VENV / "bin" / "python"
    marker = BASELINE_VENV / ".installed"
    if marker.exists():
        return str(python)
    uv = str(ROOT / ".venv" / "bin" / "uv")
    print(f"building the baseline environment in {BASELINE_VENV} (once) ...", flush=True)
    BASELINE_VENV.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [uv, "venv", "--quiet", "--python", find_python_312(), str(BASELINE_VENV)], check=True
    )
    subprocess.run(
        [uv, "pip", "install", "--quiet", "--python", str(python), *BASELINE_REQUIREMENTS],
        check=True,
    )
    marker.write_text("\n".join(BASELINE_REQUIREMENTS) + "\n")
    return str(python)


def cdnow_log_likelihood(params: dict[str, float]) -> float:
    import csv

    import numpy as np

    from retain.analytics.clv import BgNbdParameters, bgnbd_log_likelihood

    with CDNOW_SUMMARY.open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    x, t_x, T = (
        np.array([float(row[name]) for row in rows]) for name in ("frequency", "recency", "T")
    )
    return float(bgnbd_log_likelihood(BgNbdParameters(**params), x, t_x, T).sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--blas-threads", choices=("single", "default"), default="single")
    parser.add_argument("--child", choices=("ours-cdnow", "million"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child == "ours-cdnow":
        child_ours_cdnow(arguments.repeats)
        return
    if arguments.child == "million":
        child_million(arguments.customers)
        return

    env = dict(os.environ)
    if arguments.blas_threads == "single":
        env.update(SINGLE_THREAD_ENV)
    env.setdefault("PYTHONPATH", str(ROOT / "src"))
    me = [sys.executable, str(Path(__file__).resolve())]
    print(f"BLAS threads: {arguments.blas_threads}; {os.cpu_count()} cores")

    million, peak_mb = run_child(
        [*me, "--child", "million", "--customers", str(arguments.customers)], env
    )
    errors = {name: million["params"][name] / TRUTH[name] - 1 for name in TRUTH}

    # (a)
    python = baseline_python()
    baseline, _ = run_child(
        [python, "-c", BASELINE_CHILD, str(CDNOW_SUMMARY), str(arguments.repeats)], env
    )
    ours, _ = run_child([*me, "--child", "ours-cdnow", "--repeats", str(arguments.repeats)], env)
    ours_ll = cdnow_log_likelihood(ours["params"])
    baseline_ll = cdnow_log_likelihood(baseline["params"])
    ours_median = statistics.median(ours["seconds"])
    baseline_median = statistics.median(baseline["seconds"])
    speedup = baseline_median / ours_median

    print()
    print(f"(a) BG/NBD on CDNOW (2,357 customers), {arguments.repeats} timed fits each")
    print(f"{'':34}{'min ms':>10}{'median ms':>11}{'log-likelihood':>17}")
    for name, result, ll in [
        ("retain.analytics.clv.fit_bgnbd", ours, ours_ll),
        ("lifetimes 0.11.3 BetaGeoFitter", baseline, baseline_ll),
    ]:
        print(
            f"{name:34}{min(result['seconds']) * 1e3:>10.2f}"
            f"{statistics.median(result['seconds']) * 1e3:>11.2f}{ll:>17.4f}"
        )
    print(
        f"speed-up (median): {speedup:.1f}x (target >= {SPEEDUP_TARGET:g}x); "
        f"min/min {min(baseline['seconds']) / min(ours['seconds']):.1f}x"
    )
    print(
        f"log-likelihood difference: {abs(ours_ll - baseline_ll):.5f} "
        f"(target <= {LOG_LIKELIHOOD_TOLERANCE})"
    )
    for name in TRUTH:
        print(
            f"  {name:6} ours {ours['params'][name]:.6f}  lifetimes {baseline['params'][name]:.6f}"
        )

    print()
    print(f"(b) BG/NBD on {arguments.customers:,} simulated customers (T ~ U(20, 80) weeks)")
    print(
        f"generate {million['generate_seconds']:.2f} s; fit {million['fit_seconds']:.2f} s "
        f"(target < {MILLION_SECONDS_TARGET:g} s), {million['iterations']} iterations, "
        f"converged {million['converged']}; child peak RSS {peak_mb:,.0f} MB "
        f"(target < {MILLION_MEMORY_TARGET_MB:,.0f} MB)"
    )
    for name, error in errors.items():
        print(
            f"  {name:6} true {TRUTH[name]:.3f}  fitted {million['params'][name]:.4f}  "
            f"error {error:+.2%}"
        )
    verdicts = {
        "speed-up >= 10x": speedup >= SPEEDUP_TARGET,
        "same log-likelihood": abs(ours_ll - baseline_ll) <= LOG_LIKELIHOOD_TOLERANCE,
        "1M fit < 10 s": million["fit_seconds"] < MILLION_SECONDS_TARGET,
        "1M peak < 2 GB": peak_mb < MILLION_MEMORY_TARGET_MB,
        "1M within 2%": max(abs(error) for error in errors.values()) < RECOVERY_TARGET,
    }
    print()
    print("; ".join(f"{name}: {'yes' if ok else 'NO'}" for name, ok in verdicts.items()))


if __name__ == "__main__":
    main()
