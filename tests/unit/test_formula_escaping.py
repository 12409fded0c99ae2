"""Spreadsheet formula escaping is reversible for every string."""

from hypothesis import given
from hypothesis import strategies as st

from retain.transfer.csvio import escape_cell, unescape_cell

DANGEROUS = st.sampled_from(["=", "+", "-", "@", "\t", "\r", "'"])
CELLS = st.lists(DANGEROUS | st.text(max_size=3), max_size=6).map("".join)


@given(CELLS)
def test_unescape_inverts_escape(cell):
    assert unescape_cell(escape_cell(cell)) == cell


@given(CELLS)
def test_escaped_cell_never_starts_a_formula(cell):
    assert not escape_cell(cell).startswith(("=", "+", "-", "@", "\t", "\r"))


def test_examples():
    assert escape_cell("=SUM(A1:A9)") == "'=SUM(A1:A9)"
    assert escape_cell("-5 days") == "'-5 days"
    assert escape_cell("'=x") == "''=x"
    assert escape_cell("'Tis the season") == "'Tis the season"
    assert unescape_cell("'Tis the season") == "'Tis the season"
    assert escape_cell("Acme") == "Acme"
