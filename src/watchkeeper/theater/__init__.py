"""The bundled Russia–DPRK theater dataset: data in ``data/`` (its sources declared once in
``sources.yaml``, each value attributed to the source that carries it), checked by
``dataset.validate``, loaded as one release by ``loader``, summarised by ``overview``."""

from __future__ import annotations

from watchkeeper.importers import write_record
from watchkeeper.store import ImportSummary, Store
from watchkeeper.theater.dataset import Theater, load_dataset, validate
from watchkeeper.theater.loader import DATASET, records, release_source


def load_theater(store: Store, theater: Theater | None = None) -> ImportSummary:
    """Load the dataset; a version already loaded changes nothing."""
    theater = theater or load_dataset()
    source = release_source(theater)
    if store.has_source(source.id):
        return ImportSummary(source.id, source.dataset)
    with store.write(source, full_release=True) as writer:
        for record in records(theater):
            write_record(writer, record)
    return writer.summary


__all__ = ["DATASET", "Theater", "load_dataset", "load_theater", "validate"]
