"""One entity per real-world target (issue 25, items 5 and 8).

A list entry and the bundled dataset's record of the same man carry the same list id
(``OFAC:20157``): an import links them, and from then on they are one canonical entity
with every source in screening, search, entity pages, the network and dossiers — unless
a reviewer judges otherwise. And search finds every name screening finds: Ким Чен Ын
read as a person's name, the way screening reads it.

The OFAC entries are the real file's rows for Kim Jong Un and Vladimir Putin, imported
by the real command in a process of its own.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.conftest import OFAC_CSV
from tests.helpers import run_cli
from tests.web.workspace import Browser
from watchkeeper.investigations import judgments
from watchkeeper.investigations.resolver import ResolvedReader
from watchkeeper.model.marking import Viewer
from watchkeeper.screening import build
from watchkeeper.settings import Settings
from watchkeeper.store import open_store

KIM = ("ofac-20157", "wk-person-kim-jong-un")
PUTIN = ("ofac-35096", "wk-person-putin")


def text(response: Any) -> str:
    assert response.status_code == 200, (response.status_code, response.text[:300])
    return str(response.text)


def ofac_rows(folder: Path, uids: tuple[str, ...] = ("20157", "35096")) -> Path:
    """The real sdn.csv's rows for these entries (one line each), as a file of its own."""
    lines = OFAC_CSV.read_bytes().decode("latin-1").splitlines(keepends=True)
    chosen = [line for line in lines if line.split(",", 1)[0] in uids]
    assert len(chosen) == len(uids)
    path = folder / "sdn.csv"
    path.write_bytes("".join(chosen).encode("latin-1"))
    return path


def import_ofac(settings: Settings, tmp_path: Path, *extra: str) -> str:
    path = ofac_rows(tmp_path)
    done = run_cli(
        settings.home, "import", "ofac-csv", str(path), "--release-date", "2024-05-03", *extra
    )
    return done.stderr


def cli_search(settings: Settings, query: str) -> list[dict[str, Any]]:
    found = json.loads(run_cli(settings.home, "search", query, "--json").stdout)
    return list(found["results"])


def canonical(settings: Settings, member: str) -> str:
    store = open_store(settings)
    try:
        view = ResolvedReader(store.read(Viewer("local"))).entity(member)
        assert view is not None
        return view.id
    finally:
        store.close()


def test_an_import_links_list_entries_and_they_read_as_one_entity_everywhere(
    fresh: Settings, tmp_path: Path
) -> None:
    said = import_ofac(fresh, tmp_path)
    assert "linked 2 pair(s) of entities carrying the same list id" in said
    # the command line: one result each, made of both records
    for query, members in (("Kim Jong Un", KIM), ("Putin", PUTIN)):
        people = [r for r in cli_search(fresh, query) if r["schema"] == "Person"]
        assert [r["members"] for r in people] == [list(members)], query
        assert people[0]["id"].startswith("wkc-")
    shown = json.loads(run_cli(fresh.home, "show", "wk-person-kim-jong-un", "--json").stdout)
    assert {p["dataset"] for p in shown["properties"]} >= {"wk_theater", "us_ofac_sdn"}
    kim = canonical(fresh, KIM[0])
    analyst = Browser(fresh, "analyst")
    # search: one hit, the canonical entity
    page = text(analyst.get("/search?q=Kim+Jong+Un"))
    assert kim in page
    for member in KIM:
        assert f'href="/entity/{member}"' not in page, member
    # screening: one candidate listing both records' list id and datasets
    screened = analyst.client.post(
        "/screening", data={"names": "Kim Jong Un", "schema": "Person", "csrf_token": analyst.csrf}
    )
    hits = set(re.findall(r'href="/entity/([^"]+)"', text(screened)))
    assert kim in hits and not hits & set(KIM)
    # the entity page, from either record's id or the canonical one: every source
    for ref in (kim, *KIM):
        entity_page = text(analyst.get(f"/entity/{ref}"))
        assert "OFAC:20157" in entity_page, ref
        assert "Secondary sanctions risk" in entity_page  # the OFAC entry's remarks
        assert "arms exhibition" in entity_page  # the bundled dataset's summary
    detail = analyst.get(f"/api/entities/{KIM[1]}", headers={"accept": "application/json"})
    assert detail.json()["id"] == kim  # type: ignore[attr-defined]
    # the network and the dossier: one node, one subject
    graph = analyst.get(f"/api/network/{KIM[0]}", headers={"accept": "application/json"})
    nodes = {n["id"] for n in graph.json()["nodes"]}  # type: ignore[attr-defined]
    assert kim in nodes and not nodes & set(KIM)
    dossier = analyst.get(f"/dossier/{KIM[0]}/download?format=json")
    data = dossier.json()  # type: ignore[attr-defined]
    assert data["entity"]["id"] == kim


def test_a_reviewer_keeps_apart_what_a_list_id_joins_and_linking_does_not_undo_it(
    fresh: Settings, tmp_path: Path
) -> None:
    import_ofac(fresh, tmp_path)
    store = open_store(fresh)
    reader = store.read(Viewer("local"))
    judgments.decide(store, reader, *KIM, "different", "two men, one id: a data error", "rev")
    store.close()
    people = [r for r in cli_search(fresh, "Kim Jong Un") if r["schema"] == "Person"]
    assert sorted(r["id"] for r in people) == sorted(KIM)
    # linking again (as every import does) leaves the reviewer's word standing
    store = open_store(fresh)
    index = build(store)
    assert judgments.link_list_entries(store, store.read(Viewer("local")), index) == []
    store.close()
    people = [r for r in cli_search(fresh, "Kim Jong Un") if r["schema"] == "Person"]
    assert sorted(r["id"] for r in people) == sorted(KIM)


def test_entries_a_partner_may_not_see_are_not_joined_for_it(
    fresh: Settings, tmp_path: Path
) -> None:
    """Entries released to the workspace's organisation alone: linked for it, while the
    Korean partner reads the bundled dataset's record as it always did."""
    import_ofac(fresh, tmp_path, "--marking", "TLP:AMBER | ORIG local")
    own = [r for r in cli_search(fresh, "Kim Jong Un") if r["schema"] == "Person"]
    assert [r["members"] for r in own] == [list(KIM)]
    partner = Browser(fresh, "kr-liaison")
    page = text(partner.get("/search?q=Kim+Jong+Un"))
    assert f'href="/entity/{KIM[1]}"' in page and "wkc-" not in page
    assert partner.get(f"/entity/{KIM[0]}").status_code == 404  # type: ignore[attr-defined]
    hidden = text(partner.get(f"/entity/{KIM[1]}"))
    assert "Secondary sanctions risk" not in hidden and "wkc-" not in hidden


def test_search_finds_what_screening_finds(fresh: Settings) -> None:
    """Item 8: a person's name in Cyrillic is read as screening reads it. (A copy of the
    workspace, and the command line first: it runs in a process of its own.)"""
    queries = ("Ким Чен Ын", "김정은", "Kim Jong Un")
    for query in queries:
        assert any(r["id"] == KIM[1] for r in cli_search(fresh, query)), query
    browser = Browser(fresh, "viewer")
    for query in queries:
        page = text(browser.get(f"/search?q={query}"))
        assert f'href="/entity/{KIM[1]}"' in page, query
        api: Any = browser.get(f"/search/default?q={query}", headers={"accept": "application/json"})
        assert KIM[1] in [r["id"] for r in api.json()["results"]], query
