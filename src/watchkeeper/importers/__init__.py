"""Importers: one module per format, each streaming records into the store's write path.

``run_import`` is the one entry point: it validates the file, identifies the release,
refuses stale or duplicate releases, and writes everything in one transaction, so a
failure at any record leaves the store exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from followthemoney import StatementEntity

from watchkeeper.errors import InputError
from watchkeeper.importers.base import (
    Importer,
    Options,
    Record,
    check_dataset_name,
    check_not_empty,
)
from watchkeeper.importers.ftm import FtmJsonImporter, StatementCsvImporter
from watchkeeper.importers.ofac_sdn import OfacCsvImporter, OfacXmlImporter
from watchkeeper.importers.un_xml import UNConsolidatedImporter
from watchkeeper.model.source import file_checksum
from watchkeeper.store import ImportSummary, Store, Writer

IMPORTERS: dict[str, Callable[[], Importer]] = {
    "un-xml": UNConsolidatedImporter,
    "ofac-csv": OfacCsvImporter,
    "ofac-xml": OfacXmlImporter,
    "ftm": FtmJsonImporter,
    "statements": StatementCsvImporter,
}

Progress = Callable[[int], None]


def get_importer(fmt: str) -> Importer:
    try:
        return IMPORTERS[fmt]()
    except KeyError:
        raise InputError(fmt, f"unknown format; one of: {', '.join(IMPORTERS)}") from None


def run_import(
    store: Store,
    fmt: str,
    path: Path,
    options: Options | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    options = options or Options()
    importer = get_importer(fmt)
    check_not_empty(path)
    checksum = file_checksum(path)
    source = importer.source(path, checksum, options)
    check_dataset_name(source.dataset)
    if store.has_source(source.id):
        return ImportSummary(source.id, source.dataset)  # the same release: nothing changes
    snapshot = importer.full_release if options.snapshot is None else options.snapshot
    if snapshot and source.published:
        latest = store.latest_release(source.dataset)
        if latest is not None and latest > source.published:
            raise InputError(
                str(path),
                f"release of {source.published} is older than the {latest} release of "
                f"{source.dataset} already imported",
            )
    with store.write(source, full_release=snapshot) as writer:
        for count, record in enumerate(importer.records(path, source), start=1):
            write_record(writer, record)
            if progress is not None and count % 1000 == 0:
                progress(count)
    return writer.summary


def write_record(writer: Writer, record: Record) -> None:
    if isinstance(record.item, StatementEntity):
        writer.add_entity(record.item, record.marking, record.credibility, record.source)
    else:
        writer.add_statement(record.item, record.marking, record.credibility, record.source)
    if record.origin and isinstance(record.item, StatementEntity) and record.item.id:
        writer.add_origin(record.item.id, record.origin, record.marking)
    writer.summary.warnings.extend(record.warnings)


__all__ = ["IMPORTERS", "Options", "Record", "get_importer", "run_import", "write_record"]
