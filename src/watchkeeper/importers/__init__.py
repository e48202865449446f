"""Importers: one module per format, each streaming records into the store's write path.

``run_import`` is the one entry point: it validates the file, identifies the release,
refuses stale or duplicate releases, and writes everything in one transaction, so a
failure at any record leaves the store exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
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
from watchkeeper.importers.ofac_advanced import OfacAdvancedImporter
from watchkeeper.importers.ofac_sdn import OfacCsvImporter, OfacXmlImporter
from watchkeeper.importers.un_xml import UNConsolidatedImporter
from watchkeeper.model.source import FACT, Source, file_checksum
from watchkeeper.store import ImportSummary, Store, Writer

IMPORTERS: dict[str, Callable[[], Importer]] = {
    "un-xml": UNConsolidatedImporter,
    "ofac-csv": OfacCsvImporter,
    "ofac-xml": OfacXmlImporter,
    "ofac-advanced": OfacAdvancedImporter,
    "ftm": FtmJsonImporter,
    "statements": StatementCsvImporter,
}

Progress = Callable[[int], None]


def get_importer(fmt: str) -> Importer:
    try:
        return IMPORTERS[fmt]()
    except KeyError:
        raise InputError(fmt, f"unknown format; one of: {', '.join(IMPORTERS)}") from None


def _declared_material(importer: Importer, path: Path, options: Options) -> Options:
    """The options with the material the file itself declares (Watchkeeper's statement
    export has a ``material`` column): simulated or exercise rows are imported as such
    without being told, and never as another kind."""
    declare = getattr(importer, "declared_material", None)
    declared = declare(path) if declare is not None else None
    if declared is None or declared == FACT or declared == options.material:
        return options
    if options.material != FACT:
        raise InputError(
            str(path), f"the file's rows are {declared} material, not {options.material}"
        )
    return replace(options, material=declared)


def _with_material(store: Store, source: Source, options: Options) -> Source:
    """The source as holding ``options.material``. Exercise or simulated material goes
    into a dataset of its own (the default one suffixed with the kind), never beside facts:
    a full release of it would end the facts of the same dataset."""
    if options.material == FACT:
        if store.dataset_materials(source.dataset) - {FACT}:
            raise InputError(
                source.dataset, "the dataset holds exercise or simulated material, not facts"
            )
        return source
    dataset = options.dataset or f"{source.dataset}_{options.material}"
    if store.dataset_materials(dataset) - {options.material}:
        raise InputError(dataset, f"the dataset holds facts; {options.material} material "
                         "goes into a dataset of its own")  # fmt: skip
    return replace(
        source,
        id=f"{dataset}:{source.id.partition(':')[2] or source.id}",
        dataset=dataset,
        material=options.material,
    )


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
    options = _declared_material(importer, path, options)
    source = importer.source(path, checksum, options)
    if options.marking is not None:
        source = replace(source, marking=options.marking)
    source = _with_material(store, source, options)
    check_dataset_name(source.dataset)
    if store.has_source(source.id):
        return ImportSummary(source.id, source.dataset)  # the same release: nothing changes
    snapshot = importer.full_release if options.snapshot is None else options.snapshot
    _check_not_older(store, path, source, snapshot)
    try:
        with store.write(source, full_release=snapshot) as writer:
            # Checked again now that this import holds the write lock: another import may
            # have landed the same release, or a newer one, while this one waited.
            if writer.source_existed:
                raise _SameRelease
            _check_not_older(store, path, source, snapshot)
            for count, record in enumerate(importer.records(path, source), start=1):
                write_record(writer, record)
                if progress is not None and count % 1000 == 0:
                    progress(count)
    except _SameRelease:
        return ImportSummary(source.id, source.dataset)
    if source.date_assumed:
        writer.summary.notes.append(
            f"{path.name} carries no release date; assumed {source.published} (the file's"
            " modification time). If that is wrong, correct it: `watchkeeper sources redate"
            f" {source.id} YYYY-MM-DD --reason ...`"
        )
    return writer.summary


class _SameRelease(Exception):
    """The release landed while this import waited for the write lock."""


def _check_not_older(store: Store, path: Path, source: Source, snapshot: bool) -> None:
    if snapshot and source.published:
        latest = store.latest_release(source.dataset)
        if latest is not None and latest.published > source.published:
            assumed = (
                f" (a date assumed from its file's modification time; if wrong, correct it"
                f" with `watchkeeper sources redate {latest.id} YYYY-MM-DD --reason ...`)"
                if latest.date_assumed
                else ""
            )
            raise InputError(
                str(path),
                f"release of {source.published} is older than the {latest.published} release"
                f" of {source.dataset} already imported{assumed}",
            )


def write_record(writer: Writer, record: Record) -> None:
    if isinstance(record.item, StatementEntity):
        writer.add_entity(record.item, record.marking, record.credibility, record.source)
    else:
        writer.add_statement(record.item, record.marking, record.credibility, record.source)
    if record.origin and isinstance(record.item, StatementEntity) and record.item.id:
        writer.add_origin(record.item.id, record.origin, record.marking)
    writer.summary.warnings.extend(record.warnings)


__all__ = ["IMPORTERS", "Options", "Record", "get_importer", "run_import", "write_record"]
