"""Bad input: a one-line error naming the file (and record), and the store exactly as it was."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import OFAC_CSV, UN_XML
from watchkeeper.errors import InputError
from watchkeeper.importers import run_import
from watchkeeper.importers.base import Options
from watchkeeper.store import Store, open_store
from watchkeeper.theater import load_theater

BIG = 50 * 1024 * 1024
UN_HEAD = (
    b"<?xml version='1.0' encoding='UTF-8'?>\n"
    b"<CONSOLIDATED_LIST dateGenerated='2025-05-01T00:00:00.000Z'><INDIVIDUALS>"
)
UN_RECORD = (
    b"<INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>%s</FIRST_NAME><UN_LIST_TYPE>DPRK</UN_LIST_TYPE>"
    b"<REFERENCE_NUMBER>KPi.900</REFERENCE_NUMBER><COMMENTS1>%s</COMMENTS1></INDIVIDUAL>"
)
UN_TAIL = b"</INDIVIDUALS><ENTITIES/></CONSOLIDATED_LIST>"
OFAC_ROW = '9345,"KOREA MINING DEVELOPMENT TRADING CORPORATION",-0- ,"NPWMD] [DPRK2",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"a.k.a. \'KOMID\'."\n'


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with real content in it, built once and copied for each test."""
    path = tmp_path_factory.mktemp("template") / "store.db"
    store = open_store(f"sqlite:///{path}")
    load_theater(store)
    store.close()
    return path


@pytest.fixture
def loaded(template: Path, tmp_path: Path) -> tuple[Store, Path]:
    path = tmp_path / "store.db"
    shutil.copy(template, path)
    return open_store(f"sqlite:///{path}"), path


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def un_with(name: bytes = b"KIM TEST", comment: bytes = b"none") -> bytes:
    return UN_HEAD + UN_RECORD % (name, comment) + UN_TAIL


def truncated_un(tmp: Path) -> Path:
    data = UN_XML.read_bytes()
    path = tmp / "truncated.xml"
    path.write_bytes(data[: len(data) // 2])
    return path


def external_entity(tmp: Path) -> Path:
    path = tmp / "xxe.xml"
    path.write_bytes(
        b"<?xml version='1.0'?>\n<!DOCTYPE l [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>\n"
        + UN_HEAD.split(b"\n", 1)[1]
        + UN_RECORD % (b"&x;", b"x")
        + UN_TAIL
    )
    return path


def billion_laughs(tmp: Path) -> Path:
    lol = "".join(
        f"<!ENTITY l{i} '{'&l' + str(i - 1) + ';' * 1}{('&l' + str(i - 1) + ';') * 9}'>"
        for i in range(1, 10)
    )
    path = tmp / "laughs.xml"
    path.write_bytes(
        f"<?xml version='1.0'?>\n<!DOCTYPE l [<!ENTITY l0 'lol'>{lol}]>\n".encode()
        + UN_HEAD.split(b"\n", 1)[1]
        + UN_RECORD % (b"&l9;", b"x")
        + UN_TAIL
    )
    return path


def latin1_in_utf8(tmp: Path) -> Path:
    path = tmp / "latin1.xml"
    path.write_bytes(un_with(name="JOSÉ TEST".encode("latin-1")))
    return path


def un_huge_field(tmp: Path) -> Path:
    path = tmp / "huge.xml"
    path.write_bytes(un_with(comment=b"A" * BIG))
    return path


def ofac_missing_column(tmp: Path) -> Path:
    path = tmp / "sdn.csv"
    lines = OFAC_CSV.read_text(encoding="latin-1").splitlines(keepends=True)[:40]
    lines[30] = lines[30].rsplit(",", 1)[0] + "\n"  # drop the Remarks column of one row
    path.write_text("".join(lines), encoding="latin-1")
    return path


def ofac_huge_field(tmp: Path) -> Path:
    path = tmp / "sdn.csv"
    path.write_text(
        OFAC_ROW + OFAC_ROW.replace("9345", "9346").replace("'KOMID'", "'" + "B" * BIG + "'"),
        encoding="latin-1",
    )
    return path


def ofac_utf16(tmp: Path) -> Path:
    path = tmp / "sdn.csv"
    path.write_bytes(OFAC_ROW.encode("utf-16"))
    return path


def empty(name: str) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        path = tmp / name
        path.write_bytes(b"")
        return path

    return make


def ftm_bad_json(tmp: Path) -> Path:
    path = tmp / "entities.ftm.json"
    path.write_text(
        '{"id": "a", "schema": "Person", "properties": {"name": ["A"]}}\n{"id": "b", "schema":\n'
    )
    return path


def ftm_invalid_utf8(tmp: Path) -> Path:
    path = tmp / "entities.ftm.json"
    path.write_bytes(b'{"id": "a", "schema": "Person", "properties": {"name": ["A\xff"]}}\n')
    return path


def ftm_unknown_schema(tmp: Path) -> Path:
    path = tmp / "entities.ftm.json"
    path.write_text('{"id": "a", "schema": "Spaceship", "properties": {}}\n')
    return path


def ftm_huge_field(tmp: Path) -> Path:
    path = tmp / "entities.ftm.json"
    path.write_text(
        '{"id": "a", "schema": "Person", "properties": {"name": ["' + "C" * BIG + '"]}}\n'
    )
    return path


def statements_missing_column(tmp: Path) -> Path:
    path = tmp / "statements.csv"
    path.write_text("entity_id,prop,schema,dataset\nx,name,Person,d\n")
    return path


def statements_bad_marking(tmp: Path) -> Path:
    path = tmp / "statements.csv"
    path.write_text(
        "entity_id,prop,schema,value,dataset,tlp\nx,name,Person,A,d,CLEAR\nx,notes,Person,B,d,PURPLE\n"
    )
    return path


CASES = [
    ("un-xml", truncated_un, "malformed XML at line", "after record"),
    ("un-xml", external_entity, "refused unsafe XML", None),
    ("un-xml", billion_laughs, "refused unsafe XML", None),
    ("un-xml", latin1_in_utf8, "malformed XML", None),
    ("un-xml", un_huge_field, "over the 1,048,576 limit", "record 1 (KPi.900)"),
    ("un-xml", empty("consolidated.xml"), "the file is empty", None),
    ("ofac-csv", ofac_missing_column, "expected 12 columns, found 11", "row 31 (ent_num"),
    ("ofac-csv", ofac_huge_field, "field larger than field limit", "row 2"),
    ("ofac-csv", ofac_utf16, "UTF-16", None),
    ("ofac-csv", empty("sdn.csv"), "the file is empty", None),
    ("ofac-xml", external_entity, "refused unsafe XML", None),
    ("ftm", ftm_bad_json, "invalid JSON", "line 2"),
    ("ftm", ftm_invalid_utf8, "not UTF-8", "line 1"),
    ("ftm", ftm_unknown_schema, "unknown schema 'Spaceship'", "line 1 (a)"),
    ("ftm", ftm_huge_field, "over the limit", "line 1"),
    ("ftm", empty("entities.ftm.json"), "the file is empty", None),
    ("statements", statements_missing_column, "missing column(s): value", "header"),
    ("statements", statements_bad_marking, "unknown TLP level 'PURPLE'", "row 3"),
]


@pytest.mark.parametrize(
    ("fmt", "make", "reason", "record"), CASES, ids=[f"{c[0]}-{c[1].__name__}" for c in CASES]
)
def test_bad_input_is_refused_and_the_store_is_untouched(
    loaded: tuple[Store, Path],
    tmp_path: Path,
    fmt: str,
    make: Callable[[Path], Path],
    reason: str,
    record: str | None,
) -> None:
    store, db_path = loaded
    bad = make(tmp_path)
    before_rows, before_bytes = store.digest(), file_digest(db_path)
    with pytest.raises(InputError) as caught:
        run_import(store, fmt, bad)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(bad))
    assert reason in message
    if record is not None:
        assert record in message
    assert store.digest() == before_rows
    store.close()
    assert file_digest(db_path) == before_bytes


def test_an_older_release_than_the_one_imported_is_refused(
    sqlite_store: Store, tmp_path: Path
) -> None:
    newer = tmp_path / "newer.xml"
    newer.write_bytes(un_with().replace(b"2025-05-01", b"2025-06-01"))
    older = tmp_path / "older.xml"
    older.write_bytes(un_with(name=b"OTHER NAME"))
    run_import(sqlite_store, "un-xml", newer)
    before = sqlite_store.digest()
    with pytest.raises(InputError, match="older than the 2025-06-01"):
        run_import(sqlite_store, "un-xml", older)
    assert sqlite_store.digest() == before


def test_bad_input_on_postgresql_leaves_it_untouched(pg_url: str, tmp_path: Path) -> None:
    store = open_store(pg_url)
    load_theater(store)
    before = store.digest()
    with pytest.raises(InputError):
        run_import(store, "ofac-csv", ofac_missing_column(tmp_path))
    with pytest.raises(InputError):
        run_import(store, "un-xml", truncated_un(tmp_path))
    assert store.digest() == before
    store.close()


def test_a_dataset_name_ftm_refuses_is_one_line_and_writes_nothing(
    loaded: tuple[Store, Path], tmp_path: Path
) -> None:
    store, db_path = loaded
    good = tmp_path / "one.ftm.json"
    good.write_text('{"id": "x1", "schema": "Vessel", "properties": {"name": ["A"]}}\n')
    before_rows, before_bytes = store.digest(), file_digest(db_path)
    with pytest.raises(InputError) as caught:
        run_import(store, "ftm", good, Options(dataset="wl-1"))
    message = str(caught.value)
    assert "\n" not in message and "'wl-1' is not a dataset name" in message
    assert store.digest() == before_rows
    store.close()
    assert file_digest(db_path) == before_bytes
