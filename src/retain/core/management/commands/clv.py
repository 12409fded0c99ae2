"""``retain clv``: fit customer-lifetime-value models and predict per customer (docs/clv.md).

This command reads and checks the CSV files and writes the results; the models are in
``retain.analytics.clv``. It never touches the database.
"""

from __future__ import annotations

import csv
import json
import math
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, cast

from django.core.management.base import BaseCommand, CommandParser

if TYPE_CHECKING:
    from retain.analytics.clv import (
        CustomerSummary,
        GammaGammaParameters,
        ModelFit,
        PurchaseModel,
        TimeUnit,
    )

# The models are imported when a subcommand runs, not for --help: numpy and scipy take
# seconds to import on a busy machine. tests/integration/test_clv_cli.py checks that
# MODELS matches retain.analytics.clv.PURCHASE_MODELS.
MODELS = ("bgnbd", "paretonbd", "mbgnbd", "gammagamma")
MODEL_TITLES = {
    "bgnbd": "BG/NBD",
    "paretonbd": "Pareto/NBD",
    "mbgnbd": "MBG/NBD",
    "gammagamma": "Gamma-Gamma",
}
TRANSACTION_COLUMNS = ("customer_id", "date", "amount")
SUMMARY_COLUMNS = ("customer_id", "frequency", "recency", "T", "monetary_value")
# With --model gammagamma, predict still needs a purchase model for the counts.
DEFAULT_PURCHASE_MODEL: PurchaseModel = "bgnbd"
# sbg: how many periods past the last observed one the projection shows by default.
SBG_EXTRA_PERIODS = 5
DATE_FORMATS = re.compile(r"\d{4}-\d{2}-\d{2}|\d{8}")

INPUT_HELP = (
    "Input: --transactions FILE (CSV customer_id,date,amount; amount optional) with "
    "--calibration-end DATE, or --summary FILE (CSV customer_id,frequency,recency,T and "
    "optionally monetary_value). Purchases on one day count as one, their amounts added. "
    "Transactions after the calibration end are ignored. Dates: YYYY-MM-DD or YYYYMMDD."
)


class BadInput(Exception):
    """Input the command cannot use: reported as ``FILE:ROW: column: why``, exit status 2."""

    def __init__(self, where: str, column: str | None, why: str) -> None:
        super().__init__(f"{where}: {column}: {why}" if column else f"{where}: {why}")


@dataclass(frozen=True)
class _Row:
    line: int
    cells: dict[str, str]


def _read_rows(path: Path, columns: tuple[str, ...], required: tuple[str, ...]) -> Iterator[_Row]:
    """The data rows of a CSV file, cells stripped, blank lines skipped, header checked.

    Tolerates a UTF-8 byte-order mark, CRLF line ends and spaces around cells; header
    names match case-insensitively. Unknown or repeated columns are refused, so a typo
    in a header cannot quietly drop the amounts.
    """
    try:
        stream: TextIO = path.open(encoding="utf-8-sig", newline="")
    except OSError as error:
        raise BadInput(str(path), None, error.strerror or "cannot be read") from error
    with stream:
        reader = csv.reader(stream)
        header: list[str] | None = None
        try:
            for cells in reader:
                stripped = [cell.strip() for cell in cells]
                if not any(stripped):
                    continue
                where = f"{path}:{reader.line_num}"
                if header is None:
                    header = _check_header(where, stripped, columns, required)
                    continue
                if len(stripped) != len(header):
                    raise BadInput(
                        where, None, f"{len(stripped)} cells where the header has {len(header)}"
                    )
                yield _Row(reader.line_num, dict(zip(header, stripped, strict=True)))
        except UnicodeDecodeError as error:
            raise BadInput(str(path), None, "is not UTF-8 text") from error
        except csv.Error as error:
            raise BadInput(f"{path}:{reader.line_num}", None, str(error)) from error
        if header is None:
            raise BadInput(str(path), None, f"is empty: expected the header {','.join(columns)}")


def _check_header(
    where: str, cells: list[str], columns: tuple[str, ...], required: tuple[str, ...]
) -> list[str]:
    by_lower_name = {name.lower(): name for name in columns}
    header: list[str] = []
    for cell in cells:
        name = by_lower_name.get(cell.lower())
        if name is None:
            raise BadInput(
                where, "header", f"unknown column {cell!r} (expected {','.join(columns)})"
            )
        if name in header:
            raise BadInput(where, "header", f"column {name!r} appears twice")
        header.append(name)
    missing = [name for name in required if name not in header]
    if missing:
        raise BadInput(
            where, "header", f"missing column {missing[0]!r} (expected {','.join(columns)})"
        )
    return header


def _parse_date(text: str) -> date:
    """A date written YYYY-MM-DD or YYYYMMDD; ValueError otherwise."""
    if not DATE_FORMATS.fullmatch(text):
        raise ValueError(text)
    return date.fromisoformat(text)


def _date_cell(row: _Row, where: str, column: str) -> date:
    text = row.cells[column]
    try:
        return _parse_date(text)
    except ValueError:
        raise BadInput(
            where, column, f"{text!r} is not a date (expected YYYY-MM-DD or YYYYMMDD)"
        ) from None


def _number_cell(row: _Row, where: str, column: str) -> float:
    text = row.cells[column]
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise BadInput(where, column, f"{text!r} is not a number")
    if value < 0:
        raise BadInput(where, column, f"{text!r} is negative")
    return value


def _customer_cell(row: _Row, where: str) -> str:
    customer_id = row.cells["customer_id"]
    if not customer_id:
        raise BadInput(where, "customer_id", "is empty")
    return customer_id


def read_transactions(path: Path, *, calibration_end: date, time_unit: TimeUnit) -> CustomerSummary:
    """The customer summary of a transactions CSV (customer_id,date[,amount])."""
    from retain.analytics.clv import summarise_transactions

    customer_ids: list[str] = []
    dates: list[date] = []
    amounts: list[float] = []
    has_amounts = False
    for row in _read_rows(path, TRANSACTION_COLUMNS, required=("customer_id", "date")):
        where = f"{path}:{row.line}"
        customer_ids.append(_customer_cell(row, where))
        dates.append(_date_cell(row, where, "date"))
        has_amounts = "amount" in row.cells
        if has_amounts:
            amounts.append(_number_cell(row, where, "amount"))
    if not customer_ids:
        raise BadInput(str(path), None, "has no transactions")
    if min(dates) > calibration_end:
        raise BadInput(
            str(path),
            None,
            f"has no transaction on or before the calibration end {calibration_end}",
        )
    return summarise_transactions(
        customer_ids,
        dates,
        amounts if has_amounts else None,
        calibration_end=calibration_end,
        time_unit=time_unit,
    )


def read_summary(path: Path) -> CustomerSummary:
    """A customer summary CSV (customer_id,frequency,recency,T[,monetary_value]), checked."""
    from retain.analytics.clv import CustomerSummary

    customer_ids: list[str] = []
    first_line: dict[str, int] = {}
    frequency: list[float] = []
    recency: list[float] = []
    ages: list[float] = []
    monetary: list[float] = []
    has_monetary = False
    for row in _read_rows(path, SUMMARY_COLUMNS, required=SUMMARY_COLUMNS[:4]):
        where = f"{path}:{row.line}"
        customer_id = _customer_cell(row, where)
        if customer_id in first_line:
            raise BadInput(
                where,
                "customer_id",
                f"{customer_id!r} appears twice (first on line {first_line[customer_id]})",
            )
        first_line[customer_id] = row.line
        x = _number_cell(row, where, "frequency")
        if x != round(x):
            raise BadInput(where, "frequency", f"{row.cells['frequency']!r} is not a whole number")
        t_x = _number_cell(row, where, "recency")
        age = _number_cell(row, where, "T")
        if t_x > age:
            raise BadInput(where, "recency", f"{t_x:g} is after T ({age:g})")
        if x == 0 and t_x != 0:
            raise BadInput(where, "recency", f"{t_x:g} for a customer with frequency 0 (must be 0)")
        customer_ids.append(customer_id)
        frequency.append(x)
        recency.append(t_x)
        ages.append(age)
        has_monetary = "monetary_value" in row.cells
        if has_monetary:
            monetary.append(_number_cell(row, where, "monetary_value"))
    if not customer_ids:
        raise BadInput(str(path), None, "has no customers")
    return CustomerSummary.from_columns(
        customer_ids, frequency, recency, ages, monetary if has_monetary else None
    )


def _open_for_writing(output: str) -> TextIO:
    try:
        # Closed by the caller, which also writes to stdout through the same code.
        return open(output, "w", encoding="utf-8", newline="")
    except OSError as error:
        raise BadInput(output, None, error.strerror or "cannot be written") from error


def _format_number(value: float) -> str:
    return "" if math.isnan(value) else format(value, ".10g")


class Command(BaseCommand):
    help = (
        "Customer lifetime value: fit BG/NBD, Pareto/NBD, MBG/NBD or Gamma-Gamma to "
        "purchase histories (clv fit), predict purchases, P(alive), spend and CLV per "
        "customer (clv predict), or project a cohort's retention with the "
        "shifted-beta-geometric model (clv sbg). See docs/clv.md."
    )
    # Pure computation on files: no database, so no system checks either.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{fit,predict,sbg}")
        fit = actions.add_parser(
            "fit",
            help="fit a model and print its parameters",
            description="Fit a model by maximum likelihood and print its parameters. " + INPUT_HELP,
        )
        self._add_input_arguments(fit)
        fit.add_argument(
            "--json",
            action="store_true",
            help='print one JSON object: {"model", "params", "log_likelihood", '
            '"n_customers", "seconds"}',
        )
        predict = actions.add_parser(
            "predict",
            help="write per-customer predictions to a CSV file",
            description="Fit the model, then write customer_id,expected_purchases,p_alive,"
            "expected_spend,clv per customer. With amounts (or monetary_value), spend comes "
            "from Gamma-Gamma fitted on the same data; without, expected_spend and clv are "
            "left empty. --model gammagamma predicts purchases with BG/NBD. " + INPUT_HELP,
        )
        self._add_input_arguments(predict)
        predict.add_argument(
            "--horizon",
            type=float,
            required=True,
            metavar="H",
            help="how far ahead to predict, in time units (e.g. 52 weeks)",
        )
        predict.add_argument(
            "--discount-rate",
            type=float,
            default=0.0,
            metavar="R",
            help="annual discount rate for CLV, e.g. 0.1 for 10%% a year (default 0)",
        )
        predict.add_argument(
            "--output", required=True, metavar="FILE.csv", help="where to write ('-': stdout)"
        )
        sbg = actions.add_parser(
            "sbg",
            help="project retention from a survivor series (shifted-beta-geometric)",
            description="Fit the shifted-beta-geometric model to the number of customers "
            "still active at the start of each period (the cohort first) and print "
            'JSON: {"alpha", "beta", "log_likelihood", "survival"}, survival being the '
            "projected share still active after 0, 1, 2, ... periods.",
        )
        sbg.add_argument(
            "--survivors",
            required=True,
            metavar="N0,N1,...",
            help="customers active at the start of each period, e.g. 1000,631,468,382",
        )
        sbg.add_argument(
            "--periods",
            type=int,
            metavar="N",
            help=f"project survival up to period N (default: {SBG_EXTRA_PERIODS} past the data)",
        )

    @staticmethod
    def _add_input_arguments(parser: CommandParser) -> None:
        parser.add_argument("--model", choices=MODELS, required=True)
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--transactions", type=Path, metavar="FILE")
        source.add_argument("--summary", type=Path, metavar="FILE")
        parser.add_argument(
            "--calibration-end",
            metavar="DATE",
            help="last day of the calibration period (with --transactions; later ones ignored)",
        )
        parser.add_argument(
            "--time-unit",
            choices=("week", "day"),
            default="week",
            help="unit of recency, T and the horizon (default: week)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "sbg":
                self._sbg(options)
            elif options["action"] == "fit":
                self._fit(options)
            else:
                self._predict(options)
        except BadInput as error:
            self._fail(str(error))

    def _fail(self, message: str) -> NoReturn:
        self.stderr.write(message)
        sys.exit(2)

    def _summary(self, options: dict[str, Any]) -> tuple[CustomerSummary, str]:
        time_unit: TimeUnit = options["time_unit"]
        if options["summary"] is not None:
            if options["calibration_end"] is not None:
                raise BadInput(
                    "--calibration-end", None, "applies to --transactions, not --summary"
                )
            return read_summary(options["summary"]), str(options["summary"])
        if options["calibration_end"] is None:
            raise BadInput("--calibration-end", None, "is required with --transactions")
        try:
            calibration_end = _parse_date(options["calibration_end"])
        except ValueError:
            raise BadInput(
                "--calibration-end",
                None,
                f"{options['calibration_end']!r} is not a date (expected YYYY-MM-DD or YYYYMMDD)",
            ) from None
        path: Path = options["transactions"]
        summary = read_transactions(path, calibration_end=calibration_end, time_unit=time_unit)
        return summary, str(path)

    @staticmethod
    def _spend_fit(summary: CustomerSummary, source: str) -> ModelFit[GammaGammaParameters]:
        from retain.analytics.clv import FitFailed, fit_gammagamma

        if summary.monetary_value is None:
            raise BadInput(
                source, None, "gammagamma needs amounts (an amount or monetary_value column)"
            )
        try:
            return fit_gammagamma(summary.frequency, summary.monetary_value)
        except FitFailed as error:
            raise BadInput(source, None, f"cannot fit gammagamma: {error}") from None

    def _fit(self, options: dict[str, Any]) -> None:
        from retain.analytics.clv import FitFailed, fit_purchase_model

        summary, source = self._summary(options)
        model: str = options["model"]
        started = time.perf_counter()
        fitted: ModelFit[Any]
        if model == "gammagamma":
            fitted = self._spend_fit(summary, source)
        else:
            try:
                fitted = fit_purchase_model(cast("PurchaseModel", model), summary)
            except FitFailed as error:
                raise BadInput(source, None, f"cannot fit {model}: {error}") from None
        seconds = time.perf_counter() - started
        if not fitted.converged:
            self.stderr.write(
                f"{source}: warning: the {model} fit stopped before converging "
                f"({fitted.iterations} iterations); treat the estimates with care."
            )
        params = fitted.parameters.as_dict()
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "model": model,
                        "params": params,
                        "log_likelihood": fitted.log_likelihood,
                        "n_customers": fitted.n_customers,
                        "seconds": round(seconds, 6),
                    }
                )
            )
            return
        estimates = ", ".join(f"{name} = {value:.4g}" for name, value in params.items())
        self.stdout.write(
            f"{MODEL_TITLES[model]} on {fitted.n_customers:,} customers: {estimates}; "
            f"log-likelihood {fitted.log_likelihood:.2f} ({seconds:.3f} s)"
        )

    def _predict(self, options: dict[str, Any]) -> None:
        from retain.analytics.clv import (
            FitFailed,
            fit_gammagamma,
            fit_purchase_model,
            predict_customers,
        )

        horizon: float = options["horizon"]
        if not (math.isfinite(horizon) and horizon > 0):
            raise BadInput("--horizon", None, f"{horizon:g} is not a positive number")
        rate: float = options["discount_rate"]
        if not (math.isfinite(rate) and rate > -1):
            raise BadInput("--discount-rate", None, f"{rate:g} must be above -1 (e.g. 0.1)")
        summary, source = self._summary(options)
        model: str = options["model"]
        purchase_model: PurchaseModel = (
            DEFAULT_PURCHASE_MODEL if model == "gammagamma" else cast("PurchaseModel", model)
        )
        spend_fit: ModelFit[GammaGammaParameters] | None = None
        if model == "gammagamma":
            spend_fit = self._spend_fit(summary, source)
        elif summary.monetary_value is not None:
            try:
                spend_fit = fit_gammagamma(summary.frequency, summary.monetary_value)
            except FitFailed as error:
                self.stderr.write(f"{source}: warning: no expected spend or CLV: {error}")
        try:
            purchase_fit = fit_purchase_model(purchase_model, summary)
        except FitFailed as error:
            raise BadInput(source, None, f"cannot fit {purchase_model}: {error}") from None
        predictions = predict_customers(
            summary,
            purchase_fit.parameters,
            None if spend_fit is None else spend_fit.parameters,
            horizon=horizon,
            annual_discount_rate=rate,
            time_unit=options["time_unit"],
        )
        output: str = options["output"]
        stream = sys.stdout if output == "-" else _open_for_writing(output)
        try:
            writer = csv.writer(stream, lineterminator="\n")
            writer.writerow(
                ["customer_id", "expected_purchases", "p_alive", "expected_spend", "clv"]
            )
            spend = predictions.expected_spend
            value = predictions.lifetime_value
            for i, customer_id in enumerate(summary.customer_ids):
                writer.writerow(
                    [
                        customer_id,
                        _format_number(float(predictions.expected_purchases[i])),
                        _format_number(float(predictions.probability_alive[i])),
                        "" if spend is None else _format_number(float(spend[i])),
                        "" if value is None else _format_number(float(value[i])),
                    ]
                )
        finally:
            if output != "-":
                stream.close()
        if output != "-":
            self.stdout.write(
                f"{output}: {len(summary):,} customers written "
                f"({MODEL_TITLES[purchase_model]}, horizon {horizon:g} {options['time_unit']}s)."
            )

    def _sbg(self, options: dict[str, Any]) -> None:
        from retain.analytics.clv import fit_sbg, sbg_survival

        texts = [text.strip() for text in options["survivors"].split(",")]
        survivors: list[float] = []
        for position, text in enumerate(texts, start=1):
            try:
                value = float(text)
            except ValueError:
                value = math.nan
            if not (math.isfinite(value) and value >= 0):
                raise BadInput(
                    "--survivors", None, f"value {position}: {text!r} is not a count >= 0"
                )
            survivors.append(value)
        if len(survivors) < 2:
            raise BadInput("--survivors", None, "needs at least two values (N0,N1,...)")
        if survivors[0] <= 0:
            raise BadInput("--survivors", None, "the first value (the cohort) must be above 0")
        for position in range(1, len(survivors)):
            if survivors[position] > survivors[position - 1]:
                raise BadInput(
                    "--survivors",
                    None,
                    f"value {position + 1}: {texts[position]} is more than the value before it "
                    "(survivors can only fall)",
                )
        periods = options["periods"]
        if periods is None:
            periods = len(survivors) - 1 + SBG_EXTRA_PERIODS
        if periods < 0:
            raise BadInput("--periods", None, f"{periods} is negative")
        fitted = fit_sbg(survivors)
        survival = sbg_survival(fitted.parameters, periods)
        self.stdout.write(
            json.dumps(
                {
                    "alpha": fitted.parameters.alpha,
                    "beta": fitted.parameters.beta,
                    "log_likelihood": fitted.log_likelihood,
                    "survival": [round(float(share), 6) for share in survival],
                    "expected_survivors": [
                        round(float(share) * survivors[0], 2) for share in survival
                    ],
                }
            )
        )
