"""What every importer shares: the record type, limits, errors, entity construction."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Protocol

from followthemoney import Dataset, Statement, StatementEntity, registry
from followthemoney.exc import InvalidData

from watchkeeper.errors import InputError
from watchkeeper.model.grading import Reliability
from watchkeeper.model.marking import Marking
from watchkeeper.model.origin import Origin
from watchkeeper.model.source import FACT, Source

MAX_FIELD = 1 << 20
"""Largest single field accepted (1 MiB). Real list fields are under 10 kB; anything
bigger is damage or an attack, and is refused with the record named."""


@dataclass
class Record:
    """One unit an importer yields: an entity or a single statement, with its marking."""

    item: StatementEntity | Statement
    marking: Marking | None = None
    credibility: int | None = None
    source: Source | None = None
    """The source of this record when it is not the file's own (a dataset citing reports)."""
    origin: Origin | None = None
    """What an FtM export says about the entity beyond its values (datasets, referents...)."""
    warnings: tuple[str, ...] = ()
    """What was left out of this record and why, one line each (the import goes on)."""


@dataclass(frozen=True)
class Options:
    dataset: str | None = None
    release_date: str | None = None
    snapshot: bool | None = None
    marking: Marking | None = None
    """The source's marking (who may see the release itself: title, file, dates,
    checksum), and that of every value without a marking of its own."""
    strict: bool = False
    """Refuse the file at the first record something would be left out of."""
    material: str = FACT
    """What the file holds (model/source.py MATERIALS): exercise or simulated material is
    kept out of analytic products and goes into a dataset of its own."""


class Importer(Protocol):
    name: str
    full_release: bool
    """A release is a full snapshot of its dataset: what it no longer says has ended."""

    def source(self, path: Path, checksum: str, options: Options) -> Source: ...

    def records(self, path: Path, source: Source) -> Iterator[Record]: ...


def list_release(
    dataset: str, checksum: str, title: str, publisher: str, url: str, published: str
) -> Source:
    """The source for one release of an official list (graded A: the list is the authority)."""
    return Source(
        id=f"{dataset}:{checksum[:16]}",
        dataset=dataset,
        kind="list",
        title=title,
        publisher=publisher,
        reliability=Reliability.A,
        url=url,
        published=published,
        checksum=checksum,
    )


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@cache
def _dataset(name: str) -> Dataset:
    try:
        return Dataset.make({"name": name, "title": name})
    except ValueError:  # FtM's (pydantic's) validation error is a ValueError
        raise InputError(
            "--dataset", f"{name!r} is not a dataset name: use a-z, 0-9 and _ only"
        ) from None


def check_dataset_name(name: str) -> None:
    """Refuse a dataset name FtM would refuse, before anything is written."""
    _dataset(name)


def make_entity(schema: str, entity_id: str, dataset: str) -> StatementEntity:
    return StatementEntity(_dataset(dataset), {"schema": schema, "id": entity_id})


def add_clean(entity: StatementEntity, prop: str, value: str) -> None:
    """Add a value the importer itself wrote (a constant or an id): no cleaning needed."""
    entity.add(prop, value, cleaned=True)


@lru_cache(maxsize=4096)
def _country(value: str, fuzzy: bool) -> str | None:
    # Country names repeat across thousands of records and fuzzy cleaning is costly.
    return registry.country.clean_text(value, fuzzy=fuzzy)


def add(entity: StatementEntity, prop: str, value: str | None, fuzzy: bool = False) -> None:
    """Add a raw value through FtM's cleaning; values FtM cannot clean are dropped."""
    if value is None:
        return
    value = value.strip()
    if not value:
        return
    try:
        prop_type = (
            entity.schema.properties[prop].type if prop in entity.schema.properties else None
        )
        if prop_type is registry.country:
            code = _country(value, fuzzy)
            if code is not None:
                entity.add(prop, code, cleaned=True, original_value=value)
            return
        entity.add(prop, value, fuzzy=fuzzy)
    except InvalidData:
        return


def check_size(path: Path, record: str, name: str, value: str | None) -> None:
    if value is not None and len(value) > MAX_FIELD:
        raise InputError(
            str(path),
            f"field {name} is {len(value):,} characters, over the {MAX_FIELD:,} limit",
            record,
        )


def check_not_empty(path: Path) -> None:
    if not path.exists():
        raise InputError(str(path), "no such file")
    if path.is_dir():
        raise InputError(str(path), "is a directory, not a file")
    if path.stat().st_size == 0:
        raise InputError(str(path), "the file is empty")
