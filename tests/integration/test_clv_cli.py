"""`retain clv`: the published CDNOW results through the real command, its files and errors.

The fits run as real processes (`.venv/bin/retain clv fit ... --json`), side by side to
save time; file handling and errors run in-process through `retain.cli.main`. None of it
may touch the database (no test here is marked django_db, so pytest-django would refuse).
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from retain.analytics.clv import PURCHASE_MODELS
from retain.cli import main
from retain.core.management.commands.clv import MODELS

DATA = Path(__file__).resolve().parents[1] / "data"
TRANSACTIONS = str(DATA / "cdnow_transactions.csv")
SUMMARY = str(DATA / "cdnow_summary.csv")
RETAIN = str(Path(sys.executable).with_name("retain"))

PROCESSES = {
    "bgnbd": ["fit", "--model", "bgnbd", "--transactions", TRANSACTIONS,
              "--calibration-end", "1997-09-30", "--json"],
    "paretonbd": ["fit", "--model", "paretonbd", "--summary", SUMMARY, "--json"],
    "gammagamma": ["fit", "--model", "gammagamma", "--transactions", TRANSACTIONS,
                   "--calibration-end", "19970930", "--time-unit", "week", "--json"],
    "sbg_regular": ["sbg", "--survivors", "1000,631,468,382,326,289,262,241"],
    "sbg_high_end": ["sbg", "--survivors", "1000,869,743,653,593,551,517,491"],
}  # fmt: skip


@pytest.fixture(scope="module")
def outputs() -> dict[str, dict]:
    running = {
        name: subprocess.Popen(
            [RETAIN, "clv", *arguments], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for name, arguments in PROCESSES.items()
    }
    results = {}
    for name, process in running.items():
        stdout, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, (name, stderr)
        assert stdout.count("\n") == 1, stdout  # one JSON object, one line
        results[name] = json.loads(stdout)
    return results


def three_figures(values: dict[str, float]) -> dict[str, str]:
    return {name: f"{value:.3g}" for name, value in values.items()}


def test_fit_bgnbd_json_reproduces_the_paper(outputs):
    result = outputs["bgnbd"]

    assert set(result) == {"model", "params", "log_likelihood", "n_customers", "seconds"}
    assert result["model"] == "bgnbd"
    assert list(result["params"]) == ["r", "alpha", "a", "b"]
    assert three_figures(result["params"]) == three_figures(
        {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    )
    assert result["log_likelihood"] == pytest.approx(-9582.4, abs=0.1)
    assert result["n_customers"] == 2357
    assert 0 < result["seconds"] < 60


def test_fit_paretonbd_json_reproduces_the_paper(outputs):
    result = outputs["paretonbd"]

    assert list(result["params"]) == ["r", "alpha", "s", "beta"]
    assert three_figures(result["params"]) == three_figures(
        {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
    )
    assert result["log_likelihood"] == pytest.approx(-9595.0, abs=0.1)


def test_fit_gammagamma_json_reproduces_the_note(outputs):
    result = outputs["gammagamma"]

    assert list(result["params"]) == ["p", "q", "gamma"]
    assert three_figures(result["params"]) == three_figures({"p": 6.25, "q": 3.74, "gamma": 15.44})
    assert result["n_customers"] == 946


@pytest.mark.parametrize(
    ("cohort", "expected"),
    [("sbg_regular", (0.704, 1.182)), ("sbg_high_end", (0.668, 3.806))],
)
def test_sbg_json_reproduces_the_paper_and_projects_survival(outputs, cohort, expected):
    result = outputs[cohort]

    assert (f"{result['alpha']:.3g}", f"{result['beta']:.3g}") == tuple(
        f"{value:.3g}" for value in expected
    )
    assert isinstance(result["log_likelihood"], float)
    # Years 0-7 observed, five more projected.
    assert len(result["survival"]) == 13
    assert result["survival"][0] == 1.0
    assert result["survival"] == sorted(result["survival"], reverse=True)


def test_command_model_choices_are_the_analytics_models():
    assert (*PURCHASE_MODELS, "gammagamma") == MODELS


def run(capsys, *arguments: str) -> tuple[int, str, str]:
    status = main(["clv", *arguments])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_predict_writes_one_row_per_customer(capsys, tmp_path):
    output = tmp_path / "predictions.csv"

    status, out, err = run(
        capsys, "predict", "--model", "bgnbd", "--summary", SUMMARY,
        "--horizon", "39", "--discount-rate", "0.1", "--output", str(output),
    )  # fmt: skip

    assert (status, err) == (0, "")
    assert out == f"{output}: 2,357 customers written (BG/NBD, horizon 39 weeks).\n"
    with output.open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert list(rows[0]) == [
        "customer_id",
        "expected_purchases",
        "p_alive",
        "expected_spend",
        "clv",
    ]
    assert len(rows) == 2357
    first = rows[0]
    assert first["customer_id"] == "1"
    # CDNOW customer 1 (x = 2, t_x = 30.43, T = 38.86): lifetimes gives 1.226 and 0.7266.
    assert float(first["expected_purchases"]) == pytest.approx(1.226, abs=0.001)
    assert float(first["p_alive"]) == pytest.approx(0.7266, abs=0.0005)
    assert 0 < float(first["clv"]) < float(first["expected_spend"]) * 1.226


def test_predict_without_amounts_leaves_spend_and_clv_empty(capsys, tmp_path):
    transactions = tmp_path / "no_amounts.csv"
    transactions.write_text(
        "customer_id,date\nA,2024-01-01\nA,2024-01-20\nB,2024-01-03\nC,2024-01-05\n"
        "C,2024-02-01\nC,2024-02-20\nD,2024-01-10\n"
    )

    status, out, err = run(
        capsys, "predict", "--model", "paretonbd", "--transactions", str(transactions),
        "--calibration-end", "2024-03-01", "--horizon", "4", "--output", "-",
    )  # fmt: skip

    assert status == 0, err
    rows = list(csv.reader(out.splitlines()))
    assert rows[0] == ["customer_id", "expected_purchases", "p_alive", "expected_spend", "clv"]
    assert [row[0] for row in rows[1:]] == ["A", "B", "C", "D"]
    assert all(row[3] == "" and row[4] == "" for row in rows[1:])


def test_messy_file_is_read_like_a_clean_one(capsys, tmp_path):
    clean = tmp_path / "clean.csv"
    messy = tmp_path / "messy.csv"
    clean.write_text(Path(TRANSACTIONS).read_text())
    lines = Path(TRANSACTIONS).read_text().splitlines()
    messy_lines = [" Customer_ID , DATE ,amount "]
    for number, line in enumerate(lines[1:]):
        customer, day, amount = line.split(",")
        if number % 3 == 0:
            day = f"{day[:4]}-{day[4:6]}-{day[6:]}"
        messy_lines.append(f" {customer} ,{day} , {amount}")
        if number % 50 == 0:
            messy_lines.append("")
    messy.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(messy_lines).encode() + b"\r\n\r\n")

    results = []
    for path in (clean, messy):
        status, out, err = run(
            capsys, "fit", "--model", "bgnbd", "--transactions", str(path),
            "--calibration-end", "1997-09-30", "--json",
        )  # fmt: skip
        assert (status, err) == (0, "")
        results.append(json.loads(out))

    assert results[0]["params"] == results[1]["params"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("customer_id,date,amount\nA,1997-01-01,1\n\nA,1997-13-01,2\n",
         "{file}:4: date: '1997-13-01' is not a date (expected YYYY-MM-DD or YYYYMMDD)"),
        ("customer_id,date,amount\nA,1997-01-01,ten\n",
         "{file}:2: amount: 'ten' is not a number"),
        ("customer_id,date,amount\nA,1997-01-01,-5\n", "{file}:2: amount: '-5' is negative"),
        ("customer_id,date,amount\n,1997-01-01,5\n", "{file}:2: customer_id: is empty"),
        ("customer_id,date,amount\nA,1997-01-01\n", "{file}:2: 2 cells where the header has 3"),
        ("customer_id,day,amount\nA,1997-01-01,5\n",
         "{file}:1: header: unknown column 'day' (expected customer_id,date,amount)"),
        ("customer_id,amount\nA,5\n",
         "{file}:1: header: missing column 'date' (expected customer_id,date,amount)"),
        ("", "{file}: is empty: expected the header customer_id,date,amount"),
        ("customer_id,date,amount\nA,1998-01-01,5\n",
         "{file}: has no transaction on or before the calibration end 1997-09-30"),
    ],
    ids=["bad_date", "bad_amount", "negative", "no_customer", "short_row", "unknown_column",
         "missing_column", "empty_file", "all_after_calibration"],
)  # fmt: skip
def test_bad_transactions_exit_2_naming_file_row_and_column(capsys, tmp_path, content, message):
    path = tmp_path / "transactions.csv"
    path.write_text(content)

    status, out, err = run(
        capsys, "fit", "--model", "bgnbd", "--transactions", str(path),
        "--calibration-end", "1997-09-30", "--json",
    )  # fmt: skip

    assert (status, out) == (2, "")
    assert err == message.format(file=path) + "\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("customer_id,frequency,recency,T\nA,1,5,3\n", "{file}:2: recency: 5 is after T (3)"),
        ("customer_id,frequency,recency,T\nA,1.5,1,3\n",
         "{file}:2: frequency: '1.5' is not a whole number"),
        ("customer_id,frequency,recency,T\nA,0,1,3\n",
         "{file}:2: recency: 1 for a customer with frequency 0 (must be 0)"),
        ("customer_id,frequency,recency,T\nA,1,1,3\nA,2,2,3\n",
         "{file}:3: customer_id: 'A' appears twice (first on line 2)"),
    ],
    ids=["recency_after_T", "fractional_frequency", "recency_without_repeat", "duplicate"],
)  # fmt: skip
def test_bad_summary_exits_2_naming_file_row_and_column(capsys, tmp_path, content, message):
    path = tmp_path / "summary.csv"
    path.write_text(content)

    status, out, err = run(capsys, "fit", "--model", "bgnbd", "--summary", str(path), "--json")

    assert (status, out) == (2, "")
    assert err == message.format(file=path) + "\n"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["fit", "--model", "bgnbd", "--transactions", TRANSACTIONS],
         "--calibration-end: is required with --transactions"),
        (["fit", "--model", "bgnbd", "--summary", SUMMARY, "--calibration-end", "1997-09-30"],
         "--calibration-end: applies to --transactions, not --summary"),
        (["fit", "--model", "bgnbd", "--transactions", TRANSACTIONS, "--calibration-end", "30/09/1997"],
         "--calibration-end: '30/09/1997' is not a date (expected YYYY-MM-DD or YYYYMMDD)"),
        (["fit", "--model", "gammagamma", "--summary", str(DATA / "no-such-file.csv")],
         f"{DATA / 'no-such-file.csv'}: No such file or directory"),
        (["predict", "--model", "bgnbd", "--summary", SUMMARY, "--horizon", "0", "--output", "-"],
         "--horizon: 0 is not a positive number"),
        (["sbg", "--survivors", "1000,abc"], "--survivors: value 2: 'abc' is not a count >= 0"),
        (["sbg", "--survivors", "1000,900,950"],
         "--survivors: value 3: 950 is more than the value before it (survivors can only fall)"),
    ],
    ids=["no_calibration_end", "calibration_end_with_summary", "bad_calibration_end",
         "missing_file", "zero_horizon", "bad_survivor", "rising_survivors"],
)  # fmt: skip
def test_bad_arguments_exit_2_with_a_clear_message(capsys, arguments, message):
    status, out, err = run(capsys, *arguments)

    assert (status, out) == (2, "")
    assert err == message + "\n"


def test_gammagamma_without_amounts_exits_2(capsys, tmp_path):
    path = tmp_path / "summary.csv"
    path.write_text("customer_id,frequency,recency,T\nA,1,1,3\nB,2,2,3\n")

    status, out, err = run(capsys, "fit", "--model", "gammagamma", "--summary", str(path))

    assert (status, out) == (2, "")
    assert err == f"{path}: gammagamma needs amounts (an amount or monetary_value column)\n"
