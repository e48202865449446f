"""FollowTheMoney data: entity JSON lines (OpenSanctions/yente/Aleph exports) and statement CSV.

Statement CSV may carry Watchkeeper's extra columns (``tlp``, ``rel_to``, ``originator``,
``recipients``, ``credibility``), so an export re-imports with its markings intact. A file
with all of them and ``source_id`` is Watchkeeper's own statement export, whose cells were
neutralised against formula injection (``exports.cells``): its cells are read back as
the values they were made from (``cells.original``). Any other statement CSV is read as
it is: a leading ``'`` there is the publisher's.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from followthemoney import Statement, StatementEntity, model
from followthemoney.dataset.util import dataset_name_check
from followthemoney.exc import InvalidData

from watchkeeper.errors import InputError, WatchkeeperError
from watchkeeper.exports.cells import original
from watchkeeper.importers.base import MAX_FIELD, Options, Record, make_entity, slug
from watchkeeper.model.grading import Credibility, Reliability
from watchkeeper.model.marking import MARKING_COLUMNS, Marking, most_releasable
from watchkeeper.model.origin import Origin, timestamp
from watchkeeper.model.source import FACT, MATERIALS, Source

STATEMENT_REQUIRED = ("entity_id", "prop", "schema", "value", "dataset")
# The columns that make a statement CSV Watchkeeper's own export (exports.STATEMENT_COLUMNS).
OWN_EXPORT = frozenset({"source_id", "credibility", *MARKING_COLUMNS})


def _restore(row: dict[str, str]) -> dict[str, str]:
    """A row of our own export as the values it was written from."""
    return {k: original(v) if isinstance(v, str) else v for k, v in row.items()}


def _source(path: Path, checksum: str, options: Options, kind: str, title: str) -> Source:
    dataset = options.dataset or slug(path.stem).replace("-", "_") or "ftm"
    return Source(
        id=f"{dataset}:{checksum[:16]}",
        dataset=dataset,
        kind="dataset",
        title=f"{title}: {path.name}",
        publisher="imported file",
        reliability=Reliability.F,
        published=options.release_date,
        checksum=checksum,
    )


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if len(raw) > MAX_FIELD * 4:
                raise InputError(
                    str(path), f"line is {len(raw):,} bytes, over the limit", f"line {number}"
                )
            try:
                yield number, raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(
                    str(path), f"not UTF-8 ({exc.reason} at byte {exc.start})", f"line {number}"
                ) from None


class FtmJsonImporter:
    """FtM entity JSON lines, as OpenSanctions, yente and Aleph export them.

    Besides the values, each entity's ``datasets``, ``referents``, ``target``,
    ``first_seen``, ``last_seen`` and ``last_change`` are kept (``model.origin``).
    Nested entities (``"sanctions": [{...}]``) are imported as entities of their own,
    linked to the entity they were nested in. A property the installed FtM does not
    know is left out of its record with a warning, and the import goes on (with
    ``strict``, the file is refused instead).
    """

    name = "ftm"
    full_release = False

    def __init__(self) -> None:
        self.strict = False

    def source(self, path: Path, checksum: str, options: Options) -> Source:
        self.strict = options.strict
        return _source(path, checksum, options, "ftm", "FtM entities")

    def records(self, path: Path, source: Source) -> Iterator[Record]:
        count = 0
        for number, line in _lines(path):
            if not line.strip():
                continue
            label = f"line {number}"
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(str(path), f"invalid JSON: {exc.msg}", label) from None
            if not isinstance(data, dict):
                raise InputError(str(path), "a line must hold one JSON object", label)
            for record in _EntityReader(path, label, source.dataset, self.strict).read(data):
                count += 1
                yield record
        if count == 0:
            raise InputError(str(path), "no entities found")


# Nested entities deeper than this are refused: real exports nest one or two levels.
MAX_DEPTH = 8


class _EntityReader:
    """One line of entity JSON: the entity, the entities nested in it, their origins."""

    def __init__(self, path: Path, label: str, dataset: str, strict: bool) -> None:
        self.path = str(path)
        self.line = label
        self.dataset = dataset
        self.strict = strict

    def fail(self, label: str, reason: str) -> InputError:
        return InputError(self.path, reason, label)

    def read(self, data: dict[str, Any], depth: int = 0, parent: str | None = None) -> list[Record]:
        entity_id, schema_name = data.get("id"), data.get("schema")
        label = self.line if parent is None else f"{self.line}, nested in {parent[:80]}"
        if not isinstance(entity_id, str) or not entity_id:
            raise self.fail(label, "entity has no id")
        label = f"{label} ({entity_id[:80]})"
        if depth > MAX_DEPTH:
            raise self.fail(label, f"entities nested more than {MAX_DEPTH} deep")
        schema = model.get(schema_name) if isinstance(schema_name, str) else None
        if schema is None:
            raise self.fail(label, f"unknown schema {schema_name!r}")
        entity = make_entity(schema.name, entity_id, self.dataset)
        props = data.get("properties") or {}
        if not isinstance(props, dict):
            raise self.fail(label, "properties must be an object")
        nested: list[Record] = []
        warnings: list[str] = []
        for prop_name, values in props.items():
            prop = schema.get(prop_name)
            if prop is None:
                reason = f"schema {schema.name} has no property {prop_name!r}"
                if self.strict:
                    raise self.fail(label, reason)
                warnings.append(f"{self.path}: {label}: {reason}; its values were left out")
                continue
            for value in values if isinstance(values, list) else [values]:
                if isinstance(value, dict):
                    child = self.read(value, depth + 1, entity_id)
                    nested.extend(child)
                    child_entity = child[-1].item
                    assert isinstance(child_entity, StatementEntity) and child_entity.id
                    if prop.stub and prop.reverse is not None:
                        # "sanctions" is the other side of Sanction:entity: the link
                        # lives on the nested entity.
                        if entity_id not in child_entity.get(prop.reverse.name, quiet=True):
                            child_entity.add(prop.reverse.name, entity_id)
                        continue
                    value = child_entity.id
                if value is None or isinstance(value, list):
                    continue
                text = value if isinstance(value, str) else json.dumps(value)
                if len(text) > MAX_FIELD:
                    raise self.fail(label, f"value of {prop_name} is over {MAX_FIELD:,} characters")
                if prop.stub:
                    continue  # a reverse link given as a bare id: its entity carries it
                try:
                    entity.add(prop, text)
                except InvalidData as exc:
                    raise self.fail(label, str(exc)) from None
        origin, dropped = self.origin(data)
        warnings.extend(f"{self.path}: {label}: {reason}" for reason in dropped)
        if dropped and self.strict:
            raise self.fail(label, dropped[0])
        return [*nested, Record(entity, origin=origin, warnings=tuple(warnings))]

    def origin(self, data: dict[str, Any]) -> tuple[Origin | None, list[str]]:
        dropped: list[str] = []
        datasets = []
        for name in _strings(data.get("datasets")):
            try:
                datasets.append(dataset_name_check(name))
            except ValueError:
                dropped.append(f"dataset name {name!r} is not one FtM accepts; left out")
        referents = [r for r in _strings(data.get("referents")) if len(r) <= 255]
        target = data.get("target")
        times = {}
        for key in ("first_seen", "last_seen", "last_change"):
            raw = data.get(key)
            times[key] = timestamp(raw)
            if raw is not None and times[key] is None:
                dropped.append(f"{key} {raw!r} is not a date; left out")
        origin = Origin(
            tuple(datasets),
            tuple(referents),
            target if isinstance(target, bool) else None,
            times["first_seen"],
            times["last_seen"],
            times["last_change"],
        )
        return (origin if origin else None), dropped


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v]
    return []


class StatementCsvImporter:
    name = "statements"
    full_release = False

    def source(self, path: Path, checksum: str, options: Options) -> Source:
        source = _source(path, checksum, options, "statements", "FtM statements")
        if options.marking is None:
            # A file whose rows all carry markings: its source (title, file name, dataset,
            # dates, checksum) is no more releasable than the most releasable of them.
            marks = self._row_markings(path)
            if marks:
                source = replace(source, marking=most_releasable(marks))
        return source

    def declared_material(self, path: Path) -> str | None:
        """The kind of material the rows say they are (our own export's ``material``
        column), or None when the file has no such column. A file mixing kinds is
        refused: simulated or exercise rows must never come back as facts beside them."""
        csv.field_size_limit(MAX_FIELD)
        found: str | None = None
        try:
            with path.open("r", encoding="utf-8", newline="") as fh:
                reader = csv.DictReader(fh)
                if "material" not in (reader.fieldnames or ()):
                    return None
                for row in reader:
                    kind = original(row.get("material") or "") or FACT
                    if kind not in MATERIALS:
                        raise InputError(
                            str(path),
                            f"unknown kind of material {kind!r}",
                            f"row {reader.line_num}",
                        )
                    if found is not None and kind != found:
                        raise InputError(
                            str(path),
                            f"rows of {found} and of {kind} material in one file: export and "
                            "import each kind apart",
                            f"row {reader.line_num}",
                        )
                    found = kind
        except (UnicodeDecodeError, csv.Error):
            return found  # unreadable rows are left for ``records`` to report
        return found

    def _row_markings(self, path: Path) -> list[Marking]:
        """The rows' own markings, when every row has one; else none (a row without a
        marking takes the source's, by default CLEAR). Unreadable rows are left for
        ``records`` to report."""
        found: dict[str, Marking] = {}
        csv.field_size_limit(MAX_FIELD)
        try:
            with path.open("r", encoding="utf-8", newline="") as fh:
                reader = csv.DictReader(fh)
                own = set(reader.fieldnames or ()) >= OWN_EXPORT
                for read in reader:
                    row = _restore(read) if own else read
                    if not any(row.get(c) for c in MARKING_COLUMNS):
                        return []
                    try:
                        mark = Marking.make(
                            row.get("tlp") or "CLEAR",
                            row.get("rel_to") or None,
                            row.get("originator") or None,
                            row.get("recipients") or None,
                        )
                    except WatchkeeperError:
                        continue
                    found.setdefault(mark.key, mark)
        except (UnicodeDecodeError, csv.Error):
            return list(found.values())
        return list(found.values())

    def records(self, path: Path, source: Source) -> Iterator[Record]:
        csv.field_size_limit(MAX_FIELD)
        with path.open("r", encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            try:
                header = reader.fieldnames or []
            except UnicodeDecodeError as exc:
                raise InputError(str(path), f"not UTF-8 ({exc.reason})", "header") from None
            except csv.Error as exc:
                raise InputError(str(path), str(exc), "header") from None
            missing = [c for c in STATEMENT_REQUIRED if c not in header]
            if missing:
                raise InputError(str(path), f"missing column(s): {', '.join(missing)}", "header")
            own = set(header) >= OWN_EXPORT
            count = 0
            while True:
                label = f"row {reader.line_num + 1}"
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except UnicodeDecodeError as exc:
                    raise InputError(str(path), f"not UTF-8 ({exc.reason})", label) from None
                except csv.Error as exc:
                    raise InputError(str(path), str(exc), label) from None
                if None in row or any(v is None for v in row.values()):
                    raise InputError(str(path), "wrong number of columns", label)
                count += 1
                yield self._record(path, label, _restore(row) if own else row)
            if count == 0:
                raise InputError(str(path), "no statements found")

    def _record(self, path: Path, label: str, row: dict[str, str]) -> Record:
        schema = model.get(row["schema"])
        if schema is None:
            raise InputError(str(path), f"unknown schema {row['schema']!r}", label)
        if row["prop"] != "id" and row["prop"] not in schema.properties:
            raise InputError(
                str(path), f"schema {schema.name} has no property {row['prop']!r}", label
            )
        if not row["entity_id"] or not row["value"]:
            raise InputError(str(path), "entity_id and value must not be empty", label)
        try:
            stmt = Statement(
                entity_id=row["entity_id"],
                prop=row["prop"],
                schema=schema.name,
                value=row["value"],
                dataset=row["dataset"],
                lang=row.get("lang") or None,
                original_value=row.get("original_value") or None,
                first_seen=row.get("first_seen") or None,
                last_seen=row.get("last_seen") or None,
                id=row.get("id") or None,
            )
            marking = None
            if any(row.get(c) for c in MARKING_COLUMNS):
                marking = Marking.make(
                    row.get("tlp") or "CLEAR",
                    row.get("rel_to") or None,
                    row.get("originator") or None,
                    row.get("recipients") or None,
                )
            cred = Credibility.parse(row["credibility"]).value if row.get("credibility") else None
        except WatchkeeperError as exc:
            raise InputError(str(path), exc.detail, label) from None
        return Record(stmt, marking, cred)
