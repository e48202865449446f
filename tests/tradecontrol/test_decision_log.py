"""The goods decision log on SQLite and PostgreSQL: append-only, per organisation, each
decision bound to the line's digest and the data version (issue 28)."""

from __future__ import annotations

import json

import pytest

from watchkeeper.errors import InputError
from watchkeeper.model.marking import Viewer
from watchkeeper.store import Store
from watchkeeper.store.goods import goods_decisions
from watchkeeper.tradecontrol.decisions import HOLDS, by_line, decide, standing
from watchkeeper.tradecontrol.screen import ShipmentScreen
from watchkeeper.tradecontrol.shipments import ShipmentLine


def test_decisions_are_kept_per_organisation_and_supersede(store: Store) -> None:
    screen = ShipmentScreen(None)
    line = ShipmentLine(2, "L1", "микросхемы памяти", "", destination="Kazakhstan")
    first = decide(
        store, Viewer("bank-a", "GBR"), screen, line, "escalate", "no end-user statement", "ann"
    )
    second = decide(store, Viewer("bank-a", "GBR"), screen, line, "clear", "licence seen", "bob")
    decide(store, Viewer("bank-b", "KOR"), screen, line, "escalate", "ours", "kim")
    log = goods_decisions(store, "bank-a")
    assert [(d["id"], d["decision"], d["supersedes"]) for d in log] == [
        (first["id"], "escalate", None),
        (second["id"], "clear", first["id"]),
    ]
    assert json.loads(log[0]["line"])["description"] == "микросхемы памяти"
    assert "CHPL tier 1" in log[0]["finding"] and "diversion risk" in log[0]["finding"]
    assert log[0]["data_version"] == screen.version
    found = standing(by_line(log)["L1"], line, screen.version)
    assert found is not None and found.standing == HOLDS and found.decision["decided_by"] == "bob"
    assert [d["decided_by"] for d in goods_decisions(store, "bank-b")] == ["kim"]
    with pytest.raises(InputError):
        decide(store, Viewer("bank-a"), screen, line, "clear", "  ", "ann")
    with pytest.raises(InputError):
        decide(store, Viewer("bank-a"), screen, line, "approve", "why", "ann")
    assert len(goods_decisions(store, "bank-a")) == 2
