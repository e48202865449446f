"""FollowTheMoney data: entity JSON lines (OpenSanctions/Aleph exports) and statement CSV.

Statement CSV may carry Watchkeeper's extra columns (``tlp``, ``rel_to``, ``originator``,
``recipients``, ``credibility``), so an export re-imports with its markings intact.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from followthemoney import Statement, model
from followthemoney.exc import InvalidData

from watchkeeper.errors import InputError, WatchkeeperError
from watchkeeper.importers.base import MAX_FIELD, Options, Record, make_entity, slug
from watchkeeper.model.grading import Credibility, Reliability
from watchkeeper.model.marking import MARKING_COLUMNS, Marking, most_releasable
from watchkeeper.model.source import Source

STATEMENT_REQUIRED = ("entity_id", "prop", "schema", "value", "dataset")


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
    name = "ftm"
    full_release = False

    def source(self, path: Path, checksum: str, options: Options) -> Source:
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
            entity_id, schema_name = data.get("id"), data.get("schema")
            if not isinstance(entity_id, str) or not entity_id:
                raise InputError(str(path), "entity has no id", label)
            label = f"line {number} ({entity_id[:80]})"
            schema = model.get(schema_name) if isinstance(schema_name, str) else None
            if schema is None:
                raise InputError(str(path), f"unknown schema {schema_name!r}", label)
            entity = make_entity(schema.name, entity_id, source.dataset)
            props = data.get("properties") or {}
            if not isinstance(props, dict):
                raise InputError(str(path), "properties must be an object", label)
            for prop, values in props.items():
                if prop not in schema.properties:
                    raise InputError(
                        str(path), f"schema {schema.name} has no property {prop!r}", label
                    )
                for value in values if isinstance(values, list) else [values]:
                    if isinstance(value, dict):  # nested entities in some exports
                        value = value.get("id")
                    if value is None:
                        continue
                    if len(str(value)) > MAX_FIELD:
                        raise InputError(
                            str(path), f"value of {prop} is over {MAX_FIELD:,} characters", label
                        )
                    try:
                        entity.add(prop, str(value))
                    except InvalidData as exc:
                        raise InputError(str(path), str(exc), label) from None
            count += 1
            yield Record(entity)
        if count == 0:
            raise InputError(str(path), "no entities found")


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

    def _row_markings(self, path: Path) -> list[Marking]:
        """The rows' own markings, when every row has one; else none (a row without a
        marking takes the source's, by default CLEAR). Unreadable rows are left for
        ``records`` to report."""
        found: dict[str, Marking] = {}
        csv.field_size_limit(MAX_FIELD)
        try:
            with path.open("r", encoding="utf-8", newline="") as fh:
                for row in csv.DictReader(fh):
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
                yield self._record(path, label, row)
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
