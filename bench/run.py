"""Import benchmark: the full UN and OFAC files, and ~100 MB files made from them, on
SQLite and (when `make bench` started one) PostgreSQL. One command: `make bench`
(`make bench BENCH_ARGS=--quick` for the real files only; `--smoke`, for `make
bench-smoke`: the real UN file alone, results in a temporary folder).

The ~100 MB files repeat the real records with fresh identifiers, so parsing, cleaning and
writing do the same work per record as on the real lists.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "sanctions"
UN_XML = SHARED / "un-sc-consolidated-2025-04" / "consolidated.xml"
OFAC_CSV = SHARED / "ofac-sdn-csv-2024-05" / "sdn.csv"
TARGET_MB = 100


def big_ofac(folder: Path) -> Path:
    rows = OFAC_CSV.read_text(encoding="latin-1").splitlines(keepends=True)
    rows = [r for r in rows if r[:1].isdigit()]
    path = folder / "sdn.csv"
    size = 0
    with path.open("w", encoding="latin-1") as fh:
        copy = 0
        while size < TARGET_MB * 2**20:
            for row in rows:
                num, rest = row.split(",", 1)
                line = f"{int(num) + copy * 1_000_000},{rest}"
                fh.write(line)
                size += len(line)
            copy += 1
    return path


def big_un(folder: Path) -> Path:
    data = UN_XML.read_text(encoding="utf-8")
    head, rest = data.split("<INDIVIDUALS>", 1)
    individuals, rest = rest.split("</INDIVIDUALS>", 1)
    _, rest = rest.split("<ENTITIES>", 1)
    entities, tail = rest.split("</ENTITIES>", 1)
    copies = int(TARGET_MB * 2**20 / len(data)) + 1

    def renumber(block: str, n: int) -> str:
        return re.sub(
            r"<REFERENCE_NUMBER>([^<]*)</REFERENCE_NUMBER>",
            lambda m: f"<REFERENCE_NUMBER>{m.group(1).strip()}-{n}</REFERENCE_NUMBER>",
            block,
        )

    path = folder / "consolidated.xml"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(head + "<INDIVIDUALS>")
        for n in range(copies):
            fh.write(renumber(individuals, n))
        fh.write("</INDIVIDUALS><ENTITIES>")
        for n in range(copies):
            fh.write(renumber(entities, n))
        fh.write("</ENTITIES>" + tail)
    return path


def run_case(fmt: str, path: Path, url: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("import_one.py")), fmt, str(path), url],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def engines(folder: Path) -> list[tuple[str, str]]:
    out = [("sqlite", f"sqlite:///{folder}/bench-{{case}}.db")]
    admin = os.environ.get("WATCHKEEPER_TEST_DATABASE_URL")
    if admin:
        out.append(("postgresql", admin))
    return out


def database_for(engine: str, template: str, case: str) -> str:
    if engine == "sqlite":
        return template.format(case=case)
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(template, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return template.rsplit("/", 1)[0] + "/" + name


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        smoke = "--smoke" in sys.argv
        files = [
            ("UN consolidated (real)", "un-xml", UN_XML),
            ("OFAC SDN CSV (real)", "ofac-csv", OFAC_CSV),
        ][: 1 if smoke else 2]
        if "--quick" not in sys.argv and not smoke:
            (folder / "un").mkdir()
            (folder / "ofac").mkdir()
            files.append((f"UN XML ~{TARGET_MB} MB", "un-xml", big_un(folder / "un")))
            files.append((f"OFAC CSV ~{TARGET_MB} MB", "ofac-csv", big_ofac(folder / "ofac")))
        results = []
        for engine, template in engines(folder):
            for n, (label, fmt, path) in enumerate(files):
                url = database_for(engine, template, str(n))
                result = {"engine": engine, "file": label, **run_case(fmt, path, url)}
                results.append(result)
                print(json.dumps(result), flush=True)
    record = {
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}",
        "results": results,
    }
    name = "import-quick.json" if "--quick" in sys.argv else "import.json"
    folder = Path(__file__).parent / "results"
    if "--smoke" in sys.argv:
        folder = Path(tempfile.gettempdir()) / "watchkeeper-bench-smoke"
        folder.mkdir(parents=True, exist_ok=True)
        name = "import.json"
    (folder / name).write_text(json.dumps(record, indent=2) + "\n")
    print("\n| engine | file | MB | entities | statements | seconds | statements/s | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['engine']} | {r['file']} | {r['file_mb']} | {r['entities']:,} | {r['statements']:,} | {r['seconds']} | {r['statements_per_s']:,} | {r['peak_rss_mb']} |"
        )


if __name__ == "__main__":
    main()
