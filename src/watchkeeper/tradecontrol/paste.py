"""Shipment lines pasted into the workbench: a CSV with its header (as for ``goods
screen``), or bare lines ``description; hs_code; destination; shipper; consignee``
(fields after the description optional), numbered ``p1``, ``p2``…"""

from __future__ import annotations

import io

from watchkeeper.tradecontrol.shipments import COLUMNS, RowError, ShipmentLine, read_lines

BARE = ("description", "hs_code", "destination", "shipper", "consignee")


def pasted_lines(text: str, name: str = "pasted") -> list[ShipmentLine | RowError]:
    text = text.lstrip("\ufeff").strip()
    if not text:
        return []
    first = text.splitlines()[0].lower()
    cells = [c.strip() for c in first.replace(";", ",").split(",")]
    if "id" in cells and set(cells) <= set(COLUMNS) | {"notify party", "hs", "hs code"}:
        return list(read_lines(name, io.StringIO(text, newline="")))
    out: list[ShipmentLine | RowError] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(";")]
        if len(parts) > len(BARE):
            out.append(
                RowError(name, number, f"p{number}", f"{len(parts)} fields; at most {len(BARE)}")
            )
            continue
        out.append(ShipmentLine(number, f"p{number}", **dict(zip(BARE, parts, strict=False))))
    return out
