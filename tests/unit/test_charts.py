"""Server-side SVG charts: well-formed, accessible, escaped, and scaled to their data."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from retain.core.charts import Series, _nice_top, bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def test_a_line_chart_is_well_formed_and_escapes_names():
    chart = line_chart(
        title="Incidents <per> 100",
        description="By month & department",
        labels=["Jan", "Feb", "Mar"],
        series=[Series("R&D <lab>", [1.0, None, 3.0]), Series("Shipping", [0.0, 2.5, 2.0])],
    )
    root = _parse(chart)
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Incidents <per> 100"
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "R&D <lab>" in texts
    # The gap splits the first line: no polyline for it (single points), one for Shipping.
    assert len(root.findall(f"{SVG}polyline")) == 1
    assert len(root.findall(f"{SVG}circle")) == 5


def test_a_bar_chart_draws_one_bar_per_value_and_scales_to_a_round_top():
    chart = bar_chart(
        title="Churn",
        description="With against without",
        labels=["Shipping", "Billing"],
        series=[Series("with", [40.0, None]), Series("without", [10.0, 12.0])],
        unit="%",
    )
    root = _parse(chart)
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert len(bars) == 3
    tallest = max(float(r.get("height")) for r in bars)
    assert tallest == 160.0  # 40 on an axis topped at 50: four fifths of the 200 px plot
    assert "50%" in [t.text for t in root.iter(f"{SVG}text")]


def test_round_tops():
    assert [_nice_top(v) for v in (0, 0.7, 3, 7, 12, 40, 260)] == [1, 1, 5, 10, 20, 50, 500]
