"""``watchkeeper share export|import|log`` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.sharing.common import JP, US, build, validate
from tests.sharing.test_package import Workspace


def test_export_then_import_then_log(tmp_path: Path) -> None:
    us = Workspace(tmp_path / "us", US.organisation, "USA")
    jp = Workspace(tmp_path / "jp", JP.organisation, "JPN")
    store = us.store()
    build(store)
    store.close()
    jp.run("org", "add", US.organisation, "--country", "USA")
    bundle = tmp_path / "for-jp.json"
    out = us.run("share", "export", "--for", JP.organisation, "-o", str(bundle),
                 "--entity", "v-star", "--by", "analyst-1")[1]  # fmt: skip
    assert "objects for jp-mofa" in out and "withheld" in out
    validate(bundle.read_bytes())
    again = tmp_path / "again.json"
    us.run("share", "export", "--for", JP.organisation, "-o", str(again), "--entity", "v-star")
    assert again.read_bytes() == bundle.read_bytes()
    out = jp.run("share", "import", str(bundle), "--from", US.organisation)[1]
    assert "new" in out and "0 unchanged" in out
    out = " ".join(jp.run("share", "import", str(bundle), "--from", US.organisation)[1].split())
    assert "0 new" in out and "0 values written" in out
    log = json.loads(us.run("share", "log", "--json")[1])
    assert [e["released_by"] for e in log] == [US.organisation, "analyst-1"]
    assert json.loads(jp.run("share", "log", "--json")[1]) == []
    assert "jp-mofa" in us.run("share", "log")[1]


def test_errors_are_one_line(tmp_path: Path) -> None:
    jp = Workspace(tmp_path / "jp", JP.organisation, "JPN")
    jp.run("org", "add", US.organisation, "--country", "USA")
    missing = tmp_path / "nothing.json"
    code, _, err = jp.run("share", "import", str(missing), "--from", US.organisation, ok=False)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "nothing.json" in err
    bad = tmp_path / "bad.json"
    bad.write_text('{"type": "bundle", "id": "bundle--1", "objects": []}')
    code, _, err = jp.run("share", "import", str(bad), "--from", US.organisation, ok=False)
    assert code == 2 and "valid id" in err
    code, _, err = jp.run(
        "share", "import", str(bad), "--from", US.organisation, "--format", "csv", ok=False
    )
    assert code == 2 and "unknown format" in err
    code, _, err = jp.run(
        "share", "export", "--for", "nobody", "-o", str(tmp_path / "x.json"), ok=False
    )
    assert code == 2 and "unknown organisation" in err
    code, _, err = jp.run("share", "import", str(bad), "--from", US.organisation,
                          "--default-marking", "TLP:PURPLE", ok=False)  # fmt: skip
    assert code == 2 and "PURPLE" in err
