"""The scorecard's MRR bridge balances on any lines: every client paying at the close is
new, carried from the opening, or returning, and nobody is counted twice."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from retain.analytics import measures
from retain.scorecard.selectors import summarise_movements
from tests.unit.test_retention_measures import frame, scenarios


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_the_bridge_from_opening_to_closing_mrr_balances(scenario):
    rows, (start, end, _), grace = scenario
    movements = measures.client_movements(frame(rows), start=start, end=end, grace_days=grace)
    logos, bridge = summarise_movements(movements)
    moved = (
        bridge.opening
        + bridge.new
        + bridge.returning
        + bridge.expansion
        - bridge.contraction
        - bridge.churned
    )
    assert moved == pytest.approx(bridge.closing, abs=1e-6)
    assert min(bridge.new, bridge.returning, bridge.expansion, bridge.contraction) >= 0
    assert bridge.churned <= bridge.opening + 1e-9
    assert logos.churned_from_start <= min(logos.churned, logos.clients_at_start)
