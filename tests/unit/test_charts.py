"""Server-side SVG charts: well-formed, accessible, escaped, and scaled to their data."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from retain.core.charts import (
    PALETTE,
    Series,
    _luminance,
    _nice_top,
    bar_chart,
    heatmap,
    line_chart,
    share_curve,
    sparkline,
)

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


def _cells(root: ET.Element) -> list[ET.Element]:
    """The heatmap's cells: the rects with a tooltip (the key's swatches have none)."""
    return [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]


def _tooltip(element: ET.Element) -> str:
    return element.find(f"{SVG}title").text


def _points(polyline: ET.Element) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in (p.split(",") for p in polyline.get("points").split())]


def test_the_line_and_bar_charts_stay_fluid_charts():
    root = _parse(line_chart(title="T", description="D", labels=["a"], series=[]))
    assert (root.get("class"), root.get("width"), root.get("height")) == ("chart", "100%", None)
    assert root.get("aria-labelledby") == "chart-t-t chart-t-d"


def test_a_heatmap_draws_one_cell_per_value_in_ragged_rows_and_escapes_labels():
    chart = heatmap(
        title="Retention <by cohort>",
        description="Share still active & paying",
        row_labels=["2024-01 <R&D>", "2024-02", "2024-03"],
        column_labels=["M0", "M1", "M2"],
        values=[[1.0, 0.8, 0.5], [1.0, None], [0.95]],
    )
    root = _parse(chart)
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Retention <by cohort>"
    assert root.find(f"{SVG}desc").text == "Share still active & paying"
    cells = _cells(root)
    assert [_tooltip(c) for c in cells] == [
        "2024-01 <R&D>, M0: 100%",
        "2024-01 <R&D>, M1: 80%",
        "2024-01 <R&D>, M2: 50%",
        "2024-02, M0: 100%",
        "2024-03, M0: 95%",
    ]
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"2024-01 <R&D>", "M0", "M1", "M2", "80%", "95%"} <= set(texts)
    # Rows go down 22 px at a time and a column keeps its x from row to row.
    assert [float(c.get("y")) for c in cells] == [22.5, 22.5, 22.5, 44.5, 66.5]
    assert cells[0].get("x") == cells[3].get("x") == cells[4].get("x")
    assert float(cells[1].get("x")) > float(cells[0].get("x"))


def test_a_heatmap_grows_with_its_rows():
    def height(rows: int) -> float:
        chart = heatmap(
            title="H",
            description="D",
            row_labels=[str(n) for n in range(rows)],
            column_labels=["0"],
            values=[[0.5]] * rows,
        )
        return float(_parse(chart).get("viewBox").split()[3])

    assert height(6) - height(3) == 3 * 22


def test_a_heatmap_shades_higher_values_darker_and_clamps_above_the_scale():
    root = _parse(
        heatmap(
            title="H",
            description="D",
            row_labels=["a"],
            column_labels=["0", "1", "2", "3"],
            values=[[0.1, 0.4, 0.9, 1.0]],
        )
    )
    fills = [c.get("fill") for c in _cells(root)]
    darkness = [_luminance(f) for f in fills]
    assert darkness == sorted(darkness, reverse=True)
    assert len(set(fills)) == 4
    assert fills[-1] == PALETTE[0]  # 100% is the palette's blue, the darkest shade

    clamped = _parse(
        heatmap(
            title="H",
            description="D",
            row_labels=["a"],
            column_labels=["0", "1", "2"],
            values=[[0.25, 0.5, 0.9]],
            scale_max=0.5,
        )
    )
    fills = [c.get("fill") for c in _cells(clamped)]
    assert fills[1] == fills[2] == PALETTE[0]
    assert fills[0] != PALETTE[0]
    # The key says the top of the scale holds more than its value.
    assert "50%+" in [t.text for t in clamped.iter(f"{SVG}text")]


def test_a_heatmap_prints_figures_in_the_colour_that_contrasts():
    root = _parse(
        heatmap(
            title="H",
            description="D",
            row_labels=["a"],
            column_labels=["0", "1"],
            values=[[1.0, 0.05]],
        )
    )
    # The figures in the cells (the key has its own "0%" and "100%").
    figures = [t for t in root.iter(f"{SVG}text") if t.get("pointer-events") == "none"]
    ink = {t.text: t.get("fill") for t in figures}
    assert ink["100%"] == "#FFFFFF"
    assert ink["5%"] == "#222222"


def test_a_heatmap_in_other_units_scales_to_its_largest_value():
    root = _parse(
        heatmap(
            title="H",
            description="D",
            row_labels=["a"],
            column_labels=["x", "y"],
            values=[[3.0, 12.0]],
            unit=" d",
        )
    )
    cells = _cells(root)
    assert [_tooltip(c) for c in cells] == ["a, x: 3 d", "a, y: 12 d"]
    assert cells[1].get("fill") == PALETTE[0]


def test_a_heatmap_refuses_rows_that_do_not_fit_the_labels():
    with pytest.raises(ValueError):
        heatmap(title="H", description="D", row_labels=["a"], column_labels=["0"], values=[])
    with pytest.raises(ValueError):
        heatmap(title="H", description="D", row_labels=["a"], column_labels=["0"], values=[[1, 1]])


def _share_curve(**overrides: object) -> ET.Element:
    arguments: dict[str, object] = {
        "title": "MRR <concentration>",
        "description": "Top clients & their MRR",
        "x": [0.0, 0.2, 0.5, 1.0],
        "series": [Series("MRR", [0.0, 0.74, 0.9, 1.0])],
        "x_label": "Clients <largest first>",
        "y_label": "MRR & more",
    }
    return _parse(share_curve(**(arguments | overrides)))  # type: ignore[arg-type]


def _diagonal(root: ET.Element) -> ET.Element:
    (line,) = [line for line in root.iter(f"{SVG}line") if line.find(f"{SVG}title") is not None]
    return line


def test_a_share_curve_runs_from_bottom_left_to_top_right_beside_the_diagonal():
    root = _share_curve(marker_x=None)
    diagonal = _diagonal(root)
    assert _tooltip(diagonal) == "Equal shares"
    assert diagonal.get("stroke-dasharray")
    # The plot is 408 x 244 px from (56, 28): 480 x 320 less the margins.
    corners = [
        (float(diagonal.get(a)), float(diagonal.get(b))) for a, b in (("x1", "y1"), ("x2", "y2"))
    ]
    assert corners == [(56.0, 272.0), (464.0, 28.0)]
    (curve,) = root.findall(f"{SVG}polyline")
    points = _points(curve)
    assert points[0] == corners[0]
    assert points[-1] == corners[1]
    assert points[1] == (round(56 + 408 * 0.2, 1), round(272 - 244 * 0.74, 1))
    assert root.find(f"{SVG}circle") is None  # no marker
    texts = [t.text for t in root.iter(f"{SVG}text")]
    for tick in ("0%", "25%", "50%", "75%", "100%"):
        assert texts.count(tick) == 2  # on both axes
    assert {"Clients <largest first>", "MRR & more"} <= set(texts)


def test_a_share_curve_marks_the_interpolated_share_at_the_marker():
    root = _share_curve(marker_x=0.1, marker_label="top {x} → {y} of <MRR>")
    (dot,) = root.findall(f"{SVG}circle")
    # Halfway from (0, 0) to (0.2, 0.74): 0.37 of the 244 px plot above its bottom at 272.
    assert float(dot.get("cx")) == round(56 + 408 * 0.1, 1)
    assert float(dot.get("cy")) == round(272 - 244 * 0.37, 1)
    assert _tooltip(dot) == "top 10% → 37% of <MRR>"
    assert "top 10% → 37% of <MRR>" in [t.text for t in root.iter(f"{SVG}text")]
    vertical = [
        line
        for line in root.iter(f"{SVG}line")
        if line.get("x1") == line.get("x2") == dot.get("cx")
    ]
    assert len(vertical) == 1


def test_a_share_curve_has_no_marker_where_the_curve_has_no_value():
    root = _share_curve(
        x=[0.0, 0.2, 0.5, 1.0], series=[Series("MRR", [0.0, None, 0.9, 1.0])], marker_x=0.1
    )
    assert root.find(f"{SVG}circle") is None
    assert len(root.findall(f"{SVG}polyline")) == 1  # the gap leaves (0, 0) on its own


def test_a_share_curve_with_several_curves_has_a_legend():
    root = _share_curve(
        series=[Series("MRR", [0.0, 0.74, 0.9, 1.0]), Series("Seats <all>", [0.0, 0.3, 0.6, 1.0])]
    )
    assert [p.get("stroke") for p in root.findall(f"{SVG}polyline")] == list(PALETTE[:2])
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"MRR", "Seats <all>"} <= set(texts)
    single = [t.text for t in _share_curve().iter(f"{SVG}text")]
    assert "MRR" not in single


def _last_dot(root: ET.Element) -> tuple[float, float]:
    (dot,) = [c for c in root.iter(f"{SVG}circle") if c.get("class") == "last"]
    return float(dot.get("cx")), float(dot.get("cy"))


def test_a_sparkline_is_a_small_titled_image_whose_gaps_split_the_line():
    root = _parse(sparkline(title="Health <Acme & Co>", values=[1, 2, None, 4, 5, 6]))
    assert (root.get("class"), root.get("width"), root.get("height")) == ("sparkline", "120", "28")
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Health <Acme & Co>"
    assert root.find(f"{SVG}desc").text == "First 1, last 6; lowest 1, highest 6."
    assert root.find(f"{SVG}text") is None  # no axes, no legend
    assert [len(_points(p)) for p in root.findall(f"{SVG}polyline")] == [2, 3]
    # The data's own range fills the 22 px between the 3 px margins.
    assert _last_dot(root) == (117.0, 3.0)
    assert _points(root.find(f"{SVG}polyline"))[0] == (3.0, 25.0)


def test_a_sparkline_of_flat_values_runs_across_the_middle():
    root = _parse(sparkline(title="Flat", values=[5, 5, 5]))
    assert {y for _, y in _points(root.find(f"{SVG}polyline"))} == {14.0}


def test_a_sparkline_dots_the_last_value_even_after_a_gap():
    root = _parse(sparkline(title="S", values=[3, 1, None]))
    assert _last_dot(root) == (60.0, 25.0)  # the second of three points, at the minimum


def test_a_sparkline_keeps_a_lone_value_between_gaps_as_a_small_dot():
    root = _parse(sparkline(title="S", values=[1, None, 2, None, 3]))
    assert root.find(f"{SVG}polyline") is None
    assert len(root.findall(f"{SVG}circle")) == 3


def test_a_sparkline_scales_to_low_and_high_and_clamps_beyond_them():
    root = _parse(sparkline(title="S", values=[50, 75, 120], low=0, high=100, unit="%"))
    assert [y for _, y in _points(root.find(f"{SVG}polyline"))] == [14.0, 8.5, 3.0]
    assert root.find(f"{SVG}desc").text == "First 50%, last 120%; lowest 50%, highest 120%."
    with pytest.raises(ValueError):
        sparkline(title="S", values=[1], low=2, high=1)


def test_sparklines_on_one_page_have_their_own_ids():
    first = _parse(sparkline(title="Health score over the last twelve weeks: Acme", values=[1, 2]))
    second = _parse(sparkline(title="Health score over the last twelve weeks: Beta", values=[1, 2]))
    assert first.find(f"{SVG}title").get("id") != second.find(f"{SVG}title").get("id")
    ident = first.find(f"{SVG}title").get("id")
    assert first.get("aria-labelledby") == f"{ident} {ident[:-2]}-d"


def test_a_heatmap_too_narrow_for_its_figures_prints_none_but_keeps_the_tooltips():
    columns = [str(n) for n in range(36)]
    root = _parse(
        heatmap(
            title="H",
            description="D",
            row_labels=["a"],
            column_labels=columns,
            values=[[0.05] * 35 + [1.0]],
            width=720,
        )
    )
    assert [t for t in root.iter(f"{SVG}text") if t.get("pointer-events") == "none"] == []
    assert len(_cells(root)) == 36
    # Column labels thin out to every other one so they do not overlap.
    labels = {t.text for t in root.iter(f"{SVG}text")}
    assert "0" in labels and "2" in labels and "1" not in labels
