"""Exports in the field's formats, always of one viewer's view of the store.

The statement CSV's cells are neutralised against formula injection (``cells``: a cell
a spreadsheet would run gets a leading ``'``); the statement importer undoes it when it
reads this format back (``importers.ftm``), and the FtM JSON lines carry values as they are.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO

from followthemoney.statement.serialize import CSV_COLUMNS

from watchkeeper.errors import InputError
from watchkeeper.exports.cells import SafeDictWriter
from watchkeeper.model.marking import MARKING_COLUMNS
from watchkeeper.model.source import FACT
from watchkeeper.store.reader import EntityView, Reader

EXPORT_KINDS = ("ftm", "statements")
STATEMENT_COLUMNS = [*CSV_COLUMNS, "source_id", "credibility", *MARKING_COLUMNS, "material"]
"""The FtM statement columns, then the provenance Watchkeeper keeps with each value: its
source, credibility, marking, and the kind of material its source holds (fact, simulated,
exercise: re-imported, simulated or exercise rows stay what they are)."""


def write_ftm(reader: Reader, fh: TextIO) -> int:
    """FtM entity JSON lines, as OpenSanctions and Aleph read them. What an imported
    export said beyond the values (datasets, referents, target, its dates) is given back
    as it was (``store.origin``)."""
    from watchkeeper.store.origin import OriginReader

    origins = OriginReader(reader)
    count = 0
    batch: list[EntityView] = []

    def emit() -> None:
        found = origins.origins([view.id for view in batch])
        for view in batch:
            data = view.entity.to_dict()
            data.pop("caption", None)
            data["caption"] = view.caption
            origin = found.get(view.id)
            if origin is not None:
                if origin.datasets:
                    data["datasets"] = sorted(origin.datasets)
                data["referents"] = sorted(origin.referents)
                if origin.target is not None:
                    data["target"] = origin.target
                for key in ("first_seen", "last_seen", "last_change"):
                    if getattr(origin, key):
                        data[key] = getattr(origin, key)
            fh.write(json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n")
        batch.clear()

    for view in reader.entities():
        batch.append(view)
        count += 1
        if len(batch) >= 1000:
            emit()
    emit()
    return count


def write_statements(reader: Reader, fh: TextIO, include_ended: bool = False) -> int:
    """FtM statement CSV plus provenance columns (source, credibility, marking), every
    cell ``neutralise``d (a value such as ``=HYPERLINK(...)`` or ``-12.5`` gets a ``'``)."""
    writer = SafeDictWriter(fh, STATEMENT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    # as the entity page says it: the material of the value's source when the viewer may
    # see that source (``views.detail``), else fact
    materials = {str(s["id"]): str(s.get("material") or FACT) for s in reader.sources()}
    count = 0
    for sv in reader.statements(include_ended=include_ended):
        row = sv.statement.to_csv_row()
        mark = sv.marking
        row.update(
            source_id=sv.source_id,
            credibility=str(sv.credibility) if sv.credibility else "",
            tlp=mark.tlp.label,
            rel_to=",".join(sorted(mark.rel_to)) if mark.rel_to is not None else "",
            originator=mark.originator or "",
            recipients=",".join(sorted(mark.recipients)),
            material=materials.get(sv.source_id, FACT),
        )
        writer.writerow(
            {k: ("" if v is None else v) for k, v in row.items() if k in STATEMENT_COLUMNS}
        )
        count += 1
    return count


def write(reader: Reader, kind: str, output: Path | None, include_ended: bool = False) -> int:
    if kind not in EXPORT_KINDS:
        raise InputError(kind, f"unknown export; one of: {', '.join(EXPORT_KINDS)}")
    fh: TextIO = sys.stdout if output is None else output.open("w", encoding="utf-8", newline="")
    try:
        if kind == "ftm":
            return write_ftm(reader, fh)
        return write_statements(reader, fh, include_ended)
    finally:
        if output is not None:
            fh.close()
