"""AIS ingest on the real samples in ../shared/data/ais, checked against the files themselves."""

from __future__ import annotations

import csv
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pyais.stream import FileReaderStream

from tests.conftest import SHARED
from watchkeeper.maritime.dataset import AisDataset
from watchkeeper.maritime.ingest import ingest, ingest_file
from watchkeeper.maritime.tabular import custom_layout

AIS = SHARED / "data/ais"
NM4 = AIS / "aisdb-testdata/test_data_20211101.nm4"
NMEA_2012 = AIS / "aisdb-testdata/test_data_201201.nmea"
PYAIS = AIS / "pyais-nmea/nmea_data_sample.txt"
NOAA = AIS / "aisdb-testdata/test_data_noaa_20230101.csv"
SATELLITE = AIS / "aisdb-testdata/test_data_20210701.csv"
SOLENT = AIS / "solent-stonesoup/SolentAIS_20160112_130211.csv"
SUEZ = AIS / "evergiven-suez/boat-positions.csv"
SOLENT_MAP = custom_layout(
    {
        "mmsi": "MMSI",
        "ts": "Time",
        "lat": "Latitude_degrees",
        "lon": "Longitude_degrees",
        "sog": "SOG_knots",
        "cog": "COG_degrees",
    }
)
SUEZ_MAP = custom_layout(
    {"mmsi": "ID", "ts": "ais_pos_timestamp", "lat": "latitude", "lon": "longitude"},
    "%d/%m/%Y %H:%M",
)


@pytest.fixture
def dataset(tmp_path: Path) -> AisDataset:
    return AisDataset(tmp_path / "ais")


def positions(dataset: AisDataset) -> list[tuple[int, datetime, float, float]]:
    files = sorted(dataset.positions_dir.glob("day=*/*.parquet"))
    if not files:
        return []
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    listed = ", ".join(f"'{f}'" for f in files)
    return con.execute(
        f"SELECT mmsi, ts, lat, lon FROM read_parquet([{listed}]) ORDER BY ALL"
    ).fetchall()


def test_nmea_with_tag_blocks(dataset: AisDataset) -> None:
    report = ingest_file(dataset, NM4)
    assert report.error is None and report.format == "nmea"
    # 915 ship positions in the file, one of them from MMSI 0 (not a vessel).
    assert report.positions == 914 and report.rejected["messages with an invalid vessel id"] == 1
    assert report.identities == 42
    rows = positions(dataset)
    assert {ts.date().isoformat() for _, ts, _, _ in rows} == {"2021-11-01"}
    # The first ship position in the file, decoded by pyais itself, at its tag-block time.
    first = next(m for m in FileReaderStream(str(NM4)) if m.decode().msg_type in (1, 2, 3))
    decoded = first.decode()
    first.tag_block.init()
    stamp = datetime.fromtimestamp(int(first.tag_block.receiver_timestamp), UTC)
    assert (decoded.mmsi, stamp, decoded.lat, decoded.lon) in set(rows)
    assert sorted(dataset.positions_dir.iterdir())[0].name == "day=2021-11-01"


def test_nmea_with_trailing_receiver_metadata(dataset: AisDataset) -> None:
    report = ingest_file(dataset, NMEA_2012)
    assert (report.positions, report.identities) == (3, 2)
    assert {ts.year for _, ts, _, _ in positions(dataset)} == {2012}


def test_nmea_without_times_is_counted_not_guessed(dataset: AisDataset) -> None:
    lines = [line.strip() for line in PYAIS.read_bytes().splitlines() if line.strip()]
    empty_payloads = sum(1 for line in lines if line.split(b",")[5] == b"")
    report = ingest_file(dataset, PYAIS)
    assert report.positions == 0
    assert report.rejected["undecodable payloads"] == empty_payloads == 100
    assert report.rejected["messages without a timestamp"] > 700
    # With a capture time given, every position message pyais itself decodes is kept.
    expected = set()
    for message in FileReaderStream(str(PYAIS)):
        try:
            data = message.decode().asdict()
        except Exception:
            continue
        if (
            data["msg_type"] in (1, 2, 3, 18, 19, 27)
            and data.get("lat") is not None
            and abs(data["lat"]) <= 90
            and abs(data["lon"]) <= 180
        ):
            expected.add((data["mmsi"], data["lat"], data["lon"]))
    report = ingest_file(dataset, PYAIS, assume_time=datetime(2021, 1, 2, tzinfo=UTC))
    assert {(m, la, lo) for m, _, la, lo in positions(dataset)} == expected
    assert report.positions == len(expected)


def test_noaa_marine_cadastre_csv(dataset: AisDataset) -> None:
    report = ingest_file(dataset, NOAA)
    assert report.format == "noaa"
    with NOAA.open() as fh:
        rows = list(csv.DictReader(fh))
    assert report.positions == len(rows) == 1000
    assert len({m for m, *_ in positions(dataset)}) == len({r["MMSI"] for r in rows})
    con = duckdb.connect()
    found = con.execute(
        f"SELECT name, imo, call_sign FROM read_parquet('{dataset.identities_dir}/*/*.parquet') WHERE mmsi = 636021061"
    ).fetchall()
    assert found == [("MSC NAISHA III", "9307839", "5LCB4")]


def test_satellite_export_counts_off_globe_positions(dataset: AisDataset) -> None:
    with SATELLITE.open() as fh:
        rows = list(csv.DictReader(fh))
    off_globe = sum(
        1
        for r in rows
        if r["Latitude"] and (abs(float(r["Latitude"])) > 90 or abs(float(r["Longitude"])) > 180)
    )
    report = ingest_file(dataset, SATELLITE)
    assert report.format == "satellite"
    assert report.rejected["positions off the globe"] == off_globe > 0
    assert report.identities > 50


def test_generic_csv_with_mapping_solent_and_suez(dataset: AisDataset) -> None:
    with SOLENT.open() as fh:
        solent = {
            (r["MMSI"], r["Time"], r["Latitude_degrees"], r["Longitude_degrees"])
            for r in csv.DictReader(fh)
        }
    report = ingest_file(dataset, SOLENT, "csv", SOLENT_MAP)
    assert report.positions == len(solent) and report.duplicates == 18623 - len(solent)
    rows = positions(dataset)
    assert len({m for m, *_ in rows}) == 91
    assert min(t for _, t, _, _ in rows) == datetime(2016, 1, 12, 13, 2, 11, 218000, tzinfo=UTC)
    with SUEZ.open(encoding="utf-8-sig") as fh:
        suez = {
            (r["ID"], r["ais_pos_timestamp"], r["latitude"], r["longitude"])
            for r in csv.DictReader(fh)
        }
    report = ingest_file(dataset, SUEZ, "csv", SUEZ_MAP)
    assert report.positions == len(suez)
    assert len(positions(dataset)) == len(solent) + len(suez)


def test_reimport_adds_nothing(dataset: AisDataset) -> None:
    first = ingest_file(dataset, NOAA)
    before = dataset.digest()
    again = ingest_file(dataset, NOAA)
    assert again.positions == 0 and again.duplicates == first.positions == 1000
    assert dataset.digest() == before


def test_timestamps_out_of_order_give_the_same_dataset(dataset: AisDataset, tmp_path: Path) -> None:
    lines = SOLENT.read_text().splitlines()
    body = lines[1:]
    random.Random(7).shuffle(body)
    shuffled = tmp_path / "shuffled.csv"
    shuffled.write_text("\n".join([lines[0], *body]) + "\n")
    other = AisDataset(tmp_path / "other")
    ingest_file(dataset, SOLENT, "csv", SOLENT_MAP)
    ingest_file(other, shuffled, "csv", SOLENT_MAP)
    assert positions(dataset) == positions(other)


def test_bad_files_are_reported_and_the_dataset_keeps_its_rows(
    dataset: AisDataset, tmp_path: Path
) -> None:
    ingest_file(dataset, NOAA)
    before = dataset.digest()
    corrupt = tmp_path / "positions.parquet"
    pq.write_table(
        pa.table({"mmsi": [1], "ts": ["2024-01-01T00:00:00"], "lat": [1.0], "lon": [2.0]}), corrupt
    )
    corrupt.write_bytes(corrupt.read_bytes()[:-40])
    noise = tmp_path / "noise.bin"
    noise.write_bytes(random.Random(1).randbytes(50_000))
    wrong_map = custom_layout({"mmsi": "MMSI", "ts": "When", "lat": "LAT", "lon": "LON"})
    empty = tmp_path / "empty.nm4"
    empty.write_bytes(b"")
    reports = ingest(dataset, [corrupt, noise, empty], "auto")
    reports.append(ingest_file(dataset, NOAA, "csv", wrong_map))
    errors = [r.error for r in reports]
    assert all(errors), errors
    assert "not a readable Parquet file" in errors[0]
    assert "not AIS data" in errors[1] or "unrecognised AIS CSV columns" in errors[1]
    assert "the file is empty" in errors[2]
    assert "needs column(s) When" in errors[3]
    assert dataset.digest() == before


def test_positions_off_the_globe_are_counted_and_good_rows_kept(
    dataset: AisDataset, tmp_path: Path
) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text(
        "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading\n"
        "273355410,2024-03-12T01:00:00,42.25,130.30,0.1,0,511\n"
        "273355410,2024-03-12T02:00:00,95.0,130.30,0.1,0,511\n"
        "273355410,2024-03-12T03:00:00,42.25,190.0,0.1,0,511\n"
        "273355410,not-a-time,42.25,130.30,0.1,0,511\n"
    )
    report = ingest_file(dataset, path)
    assert report.positions == 1
    assert report.rejected["positions off the globe"] == 2
    assert report.rejected["rows without a readable vessel id or time"] == 1
    assert "row 3" in report.examples["positions off the globe"][0]
    assert positions(dataset) == [(273355410, datetime(2024, 3, 12, 1, tzinfo=UTC), 42.25, 130.30)]


def test_cli_ais_import(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from watchkeeper.cli import app

    env = {"WATCHKEEPER_HOME": str(tmp_path / "home")}
    runner = CliRunner()
    result = runner.invoke(app, ["ais", "import", str(NM4), str(NOAA), "--json"], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [r["format"] for r in data] == ["nmea", "noaa"]
    assert data[0]["positions"] > 900 and data[1]["positions"] == 1000
    args = ["ais", "import", str(SOLENT), "--format", "csv", "--map", "mmsi=MMSI", "--map", "ts=Time",
            "--map", "lat=Latitude_degrees", "--map", "lon=Longitude_degrees"]  # fmt: skip
    assert "18,620 positions" in runner.invoke(app, args, env=env).stdout
    noise = tmp_path / "noise.bin"
    noise.write_bytes(bytes(range(256)) * 10)
    bad = runner.invoke(app, ["ais", "import", str(noise)], env=env)
    assert bad.exit_code == 2 and "not imported" in bad.stderr


def test_file_names_are_data_not_sql(dataset: AisDataset, tmp_path: Path) -> None:
    odd = tmp_path / "it's'); DROP TABLE rows; --.csv"
    odd.write_bytes(NOAA.read_bytes())
    report = ingest_file(dataset, odd)
    assert report.error is None and report.positions == 1000


def test_dma_layout_is_recognised(dataset: AisDataset, tmp_path: Path) -> None:
    """Danish Maritime Authority columns and day-first times (no DMA sample in ../shared)."""
    path = tmp_path / "aisdk.csv"
    path.write_text(
        "# Timestamp,Type of mobile,MMSI,Latitude,Longitude,Navigational status,ROT,SOG,COG,Heading,"
        "IMO,Callsign,Name,Ship type,Cargo type,Width,Length,Type of position fixing device,Draught,Destination\n"
        "27/02/2024 23:59:58,Class A,219000001,55.6761,12.5683,Moored,0,0.0,0.0,511,"
        "IMO9179842,OZAB2,TEST SHIP,Cargo,,20,120,GPS,5.0,COPENHAGEN\n"
    )
    report = ingest_file(dataset, path)
    assert report.format == "dma" and report.positions == 1 and report.identities == 1
    assert positions(dataset) == [
        (219000001, datetime(2024, 2, 27, 23, 59, 58, tzinfo=UTC), 55.6761, 12.5683)
    ]


def test_a_bad_layout_is_one_line_and_nothing_is_merged(
    dataset: AisDataset, tmp_path: Path
) -> None:
    ingest_file(dataset, NOAA)
    before = dataset.digest()
    layout = custom_layout(
        {"mmsi": "MMSI", "ts": "BaseDateTime", "lat": "LAT", "lon": "LON"}, "%Q%Q"
    )
    report = ingest_file(dataset, NOAA, "csv", layout)
    assert report.error is not None and "cannot ingest" in report.error and "\n" not in report.error
    assert dataset.digest() == before


def test_cli_rejects_a_malformed_mapping(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from watchkeeper.cli import app

    result = CliRunner().invoke(
        app, ["ais", "import", str(SOLENT), "--map", "mmsi=MMSI", "--map", "Time"],
        env={"WATCHKEEPER_HOME": str(tmp_path / "home")},
    )  # fmt: skip
    assert result.exit_code == 2 and "expected FIELD=COLUMN, got 'Time'" in result.stderr


def test_an_import_adds_files_and_never_rewrites_a_day(dataset: AisDataset, tmp_path: Path) -> None:
    """Two files of the same day: the second adds a file beside the first's, which stays
    as it was (same inode, same bytes); rows already there are not added again."""
    lines = NOAA.read_text().splitlines()
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("\n".join(lines[:600]) + "\n")
    second.write_text("\n".join([lines[0], *lines[400:]]) + "\n")  # 200 rows overlap
    assert ingest_file(dataset, first).positions == 599
    files = {f: (f.stat().st_ino, f.read_bytes()) for f in dataset.files()}
    report = ingest_file(dataset, second)
    assert report.positions == 1000 - 599 and report.duplicates == 200
    assert all(
        f.stat().st_ino == ino and f.read_bytes() == data for f, (ino, data) in files.items()
    )
    assert len(dataset.files()) == len(files) + 1 and dataset.count() == 1000
    assert not (dataset.root / ".staging").exists()


def test_arrow_and_duckdb_csv_readers_give_the_same_dataset(
    dataset: AisDataset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Clean ISO-time CSV goes through Arrow's reader, anything else through DuckDB's: the
    same file gives the same rows, identities and report either way."""
    from watchkeeper.maritime import columnar

    taken: list[bool] = []
    arrow_csv = columnar._arrow_csv

    def spy(*args: Any) -> Any:
        table = arrow_csv(*args)
        taken.append(table is not None)
        return table

    monkeypatch.setattr(columnar, "_arrow_csv", spy)
    by_arrow = ingest_file(dataset, NOAA)
    assert taken == [True] and by_arrow.error is None
    monkeypatch.setattr(columnar, "ARROW_CSV_MAX_BYTES", 0)
    other = AisDataset(tmp_path / "duckdb")
    by_duckdb = ingest_file(other, NOAA)
    assert by_arrow.to_dict() == by_duckdb.to_dict()
    assert dataset.digest() == other.digest()


def test_times_with_a_zone_offset_are_read_in_utc(dataset: AisDataset, tmp_path: Path) -> None:
    """Arrow's reader refuses an offset it would have to ignore; DuckDB's applies it."""
    path = tmp_path / "offsets.csv"
    path.write_text(
        "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading\n"
        "273355410,2024-03-12T03:00:00+02:00,42.25,130.30,0.1,0,511\n"
        "273355410,2024-03-12T01:30:00Z,42.26,130.31,0.1,0,511\n"
    )
    report = ingest_file(dataset, path)
    assert report.positions == 2
    assert [ts for _, ts, _, _ in positions(dataset)] == [
        datetime(2024, 3, 12, 1, 0, tzinfo=UTC),
        datetime(2024, 3, 12, 1, 30, tzinfo=UTC),
    ]


def test_rejected_rows_of_a_clean_csv_name_their_lines(dataset: AisDataset, tmp_path: Path) -> None:
    """Every value parses (Arrow's reader takes the file), two positions are off the globe."""
    path = tmp_path / "clean.csv"
    rows = [f"273355410,2024-03-12T{h:02d}:00:00,42.25,130.30,0.1,0,511" for h in range(20)]
    rows[6] = "273355410,2024-03-12T06:00:00,95.0,130.30,0.1,0,511"
    rows[13] = "273355410,2024-03-12T13:00:00,42.25,190.0,0.1,0,511"
    path.write_text("MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading\n" + "\n".join(rows) + "\n")
    report = ingest_file(dataset, path)
    assert report.positions == 18 and report.lines == 20
    assert report.rejected["positions off the globe"] == 2
    examples = report.examples["positions off the globe"]
    assert [e.split(":")[0] for e in examples] == ["row 8", "row 15"]


def test_duplicates_within_a_file_are_folded_exactly(dataset: AisDataset, tmp_path: Path) -> None:
    """Rows repeating (MMSI, time, lat, lon) are one position whose reports count them and
    whose speed is the smallest reported; rows differing in any key field (a tenth of a
    second, the fifth decimal) stay apart, and every unique row keeps one report."""
    path = tmp_path / "dups.csv"
    path.write_text(
        "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading\n"
        "440000001,2024-03-01T00:00:00,40.00000,130.00000,12.5,10,11\n"
        "440000001,2024-03-01T00:00:00,40.00000,130.00000,11.5,10,11\n"  # same key
        "440000001,2024-03-01T00:00:00,40.00000,130.00000,13.0,10,11\n"  # same key
        "440000001,2024-03-01T00:00:00.100,40.00000,130.00000,9.0,10,11\n"
        "440000001,2024-03-01T00:00:00,40.00001,130.00000,9.0,10,11\n"
        "440000002,2024-03-01T00:00:00,40.00000,130.00000,7.0,10,11\n"
    )
    report = ingest_file(dataset, path)
    assert report.error is None and report.positions == 4 and report.duplicates == 2
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    rows = con.execute(
        f"SELECT mmsi, epoch_ms(ts), lat, sog, reports FROM read_parquet({[str(f) for f in dataset.files()]})"
        " ORDER BY ALL"
    ).fetchall()
    start = 1709251200000
    assert rows == [
        (440000001, start, 40.0, 11.5, 3),
        (440000001, start, 40.00001, 9.0, 1),
        (440000001, start + 100, 40.0, 9.0, 1),
        (440000002, start, 40.0, 7.0, 1),
    ]


def test_csv_header_read_directly_or_by_duckdb(tmp_path: Path) -> None:
    """A plain comma-separated header is read without DuckDB's sniffing; anything less
    plain is left to it (None)."""
    from watchkeeper.maritime.columnar import _comma_header

    def header(text: bytes) -> list[str] | None:
        path = tmp_path / "h.csv"
        path.write_bytes(text)
        return _comma_header(path)

    assert header(b'\xef\xbb\xbf"MMSI","BaseDateTime",LAT,LON\n1,2,3,4\n') == [
        "MMSI", "BaseDateTime", "LAT", "LON"
    ]  # fmt: skip
    assert header(b"MMSI,Time,Lat,Lon\r\n1,2,3,4\r\n") == ["MMSI", "Time", "Lat", "Lon"]
    assert header(b"MMSI;Time;Lat;Lon\n1;2;3;4\n") is None  # another delimiter
    assert header(b"MMSI\tTime,x\n") is None
    assert header(b'MMSI,"Ti\nme",Lat\n') is None  # a quoted line break
    assert header(b"MMSI,MMSI,Lat\n") is None  # a repeated name
    assert header(b"MMSI,,Lat\n") is None  # an empty name
    assert header(b"MMSI,Time,Lat") is None  # no line end: one line, no rows
    assert header(b"MMSI,\xff\xfe,Lat\n") is None


def test_semicolon_csv_still_imports(dataset: AisDataset, tmp_path: Path) -> None:
    """A file whose header is not read directly goes through DuckDB's probe as before."""
    lines = NOAA.read_text().splitlines()
    path = tmp_path / "semicolon.csv"
    path.write_text("\n".join(line.replace(",", ";") for line in lines[:50]) + "\n")
    report = ingest_file(dataset, path, "csv")
    assert report.error is None and report.positions == 49


def test_typed_parquet_columns_keep_the_dataset_types(dataset: AisDataset, tmp_path: Path) -> None:
    """Parquet columns already numbers (float32 positions, int32 MMSIs) are read without a
    cast that could fail, and stored with the dataset's types (lat and lon as doubles);
    an off-globe float still counts as off the globe."""
    path = tmp_path / "typed.parquet"
    pq.write_table(
        pa.table(
            {
                "mmsi": pa.array([440000001, 440000001, 440000002], pa.int32()),
                "ts": pa.array(
                    [datetime(2024, 3, 1, h, tzinfo=UTC) for h in (1, 2, 3)],
                    pa.timestamp("ms", "UTC"),
                ),
                "lat": pa.array([40.5, 40.25, 95.0], pa.float32()),
                "lon": pa.array([130.5, 130.25, 130.0], pa.float32()),
                "sog": pa.array([10, 11, 12], pa.int16()),
            }
        ),
        path,
    )
    report = ingest_file(dataset, path)
    assert report.error is None and report.positions == 2
    assert report.rejected == {"positions off the globe": 1}
    schema = pq.read_schema(dataset.files()[0])
    assert schema.field("lat").type == pa.float64() and schema.field("lon").type == pa.float64()
    assert schema.field("mmsi").type == pa.int64()
    assert positions(dataset)[0][2:] == (40.5, 130.5)
