"""The investigations commands, end to end on a real workspace (the review queue driven
through piped input)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import networkx as nx
import pytest
from typer.testing import CliRunner

from watchkeeper.cli import app

OFAC = "US Treasury Office of Foreign Assets Control"


def _ftm(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def run(tmp_path: Path):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    env = {"WATCHKEEPER_HOME": str(tmp_path / "home"), "WATCHKEEPER_ORG": "analyst"}

    def invoke(*args: str, code: int = 0, stdin: str | None = None):  # type: ignore[no-untyped-def]
        result = runner.invoke(app, list(args), env=env, input=stdin)
        assert result.exit_code == code, result.output + result.stderr
        return result

    left = _ftm(
        tmp_path / "left.ftm.json",
        [
            {
                "id": "a-cho",
                "schema": "Person",
                "properties": {"name": ["CHO CHUN RYONG"], "birthDate": ["1960-04-04"]},
            },
            {
                "id": "a-ship",
                "schema": "Vessel",
                "properties": {
                    "name": ["CHON MA SAN"],
                    "imoNumber": ["8660313"],
                    "owner": ["a-co"],
                },
            },
            {"id": "a-co", "schema": "Company", "properties": {"name": ["Korea Achim Shipping"]}},
            {
                "id": "a-own",
                "schema": "Ownership",
                "properties": {"owner": ["a-cho"], "asset": ["a-co"], "percentage": ["60"]},
            },
            {
                "id": "a-s",
                "schema": "Sanction",
                "properties": {"entity": ["a-cho"], "authority": [OFAC], "authorityId": ["20577"]},
            },
        ],
    )
    right = _ftm(
        tmp_path / "right.ftm.json",
        [
            {
                "id": "b-cho",
                "schema": "Person",
                "properties": {"name": ["CHO, Chun-ryong"], "birthDate": ["1960-04-04"]},
            },
            {
                "id": "b-ship",
                "schema": "Vessel",
                "properties": {"name": ["CHONMASAN"], "imoNumber": ["8660313"]},
            },
            {
                "id": "b-s",
                "schema": "Sanction",
                "properties": {
                    "entity": ["b-cho"],
                    "authority": ["United Nations Security Council"],
                    "unscId": ["KPi.038"],
                },
            },
        ],
    )
    invoke("import", "ftm", str(left), "--dataset", "left_list")
    invoke("import", "ftm", str(right), "--dataset", "right_list")
    return invoke


def test_xref_review_judgments_and_canonical_reads(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    found = json.loads(run("xref", "--json").stdout)
    pairs = {(p["left"], p["right"]): p for p in found["pairs"]}
    assert pairs[("a-ship", "b-ship")]["rule"] == "same-imo"
    assert pairs[("a-cho", "b-cho")]["suggested"]
    assert [j["rule"] for j in found["accepted"]] == ["same-imo"]
    assert found["queued"] == 1
    # the queue, reviewed through a pipe: same, then a reason
    review = run("resolve", "--by", "ana", stdin="s\nsame man: name, birth date, role\n")
    assert "CHO CHUN RYONG" in review.stdout and "1 judgment(s) recorded" in review.stdout
    assert "left_list" in review.stdout  # each side shows its sources
    assert "nothing to review" in run("resolve", "--by", "ana").stdout
    history = json.loads(run("judgments", "--json").stdout)
    assert {(j["verdict"], j["decided_by"]) for j in history} == {
        ("same", "ana"),
        ("same", "watchkeeper xref"),
    }
    # everything that reads entities reads the canonical one
    shown = json.loads(run("show", "b-cho", "--json").stdout)
    assert shown["id"].startswith("wkc-") and shown["list_ids"] == ["OFAC:20577", "UN:KPi.038"]
    assert json.loads(run("show", "a-cho", "--json").stdout)["id"] == shown["id"]
    found = json.loads(run("search", "chun", "--json").stdout)
    assert found["total"] == 1 and found["results"][0]["id"] == shown["id"]
    queries = tmp_path / "q.csv"
    queries.write_text("id,name,schema\nq1,Cho Chun Ryong,Person\n", encoding="utf-8")
    run("screen", str(queries), "-o", str(tmp_path / "hits.csv"))
    hits = list(csv.DictReader((tmp_path / "hits.csv").open(encoding="utf-8")))
    assert len(hits) == 1 and hits[0]["entity_id"] == shown["id"]
    assert "OFAC:20577" in hits[0]["list_ids"] and "UN:KPi.038" in hits[0]["list_ids"]
    run("export", "ftm", "-o", str(tmp_path / "all.ftm.json"))
    rows = [json.loads(line) for line in (tmp_path / "all.ftm.json").read_text().splitlines()]
    merged = next(r for r in rows if r["id"] == shown["id"])
    assert sorted(merged["referents"]) == ["a-cho", "b-cho"]
    assert not any(r["id"] in ("a-cho", "b-cho") for r in rows)
    run("judge", "a-cho", "b-cho", "unsure", "--reason", "second look", "--by", "bo")
    assert json.loads(run("judgments", "a-cho", "--json").stdout)[0]["verdict"] == "unsure"
    bad = run("judge", "a-cho", "nobody", "same", "--reason", "x", "--by", "bo", code=2)
    assert "no entity 'nobody'" in bad.stderr


def test_network_commands(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    graphml = tmp_path / "n.graphml"
    sub = json.loads(
        run("network", "neighbours", "a-ship", "--hops", "2", "--json", "-o", str(graphml)).stdout
    )
    assert {n["id"] for n in sub["nodes"]} == {"a-ship", "a-co", "a-cho"}
    assert set(nx.read_graphml(graphml).nodes) == {"a-ship", "a-co", "a-cho"}
    paths = json.loads(run("network", "paths", "a-ship", "--json").stdout)
    assert paths[0]["nodes"] == ["a-ship", "a-co", "a-cho"] and paths[0]["list_ids"] == [
        "OFAC:20577"
    ]
    owners = json.loads(run("network", "owners", "a-co", "--json").stdout)
    assert owners["owners"] == [{"owner": "a-cho", "share": [60.0, 60.0]}]
    flags = json.loads(run("network", "fifty-percent", "--json").stdout)["flags"]
    assert [f["entity"] for f in flags] == ["a-co"]
    assert "a-co" in run("network", "fifty-percent").stdout
    run("network", "neighbours", "a-ship", "--type", "Marriage", code=2)
    assert "sql or spark" in run("network", "neighbours", "a-ship", "--engine", "x", code=2).stderr
    assert "sql or spark" in run("network", "paths", "a-ship", "--engine", "x", code=2).stderr
    run("network", "watch", "a-ship", "--hops", "2", "--since", "2000-01-01")
    alerts = json.loads(run("network", "alerts", "--json").stdout)
    assert alerts[0]["designated"] == "a-cho" and alerts[0]["path"] == ["a-ship", "a-co", "a-cho"]
    run("network", "unwatch", "a-ship")
    assert "no alerts" in run("network", "alerts").stdout


def test_dossier_command(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "d.json"
    run("dossier", "a-co", "-o", str(out))
    data = json.loads(out.read_text())
    assert data["entity"]["id"] == "a-co" and data["paths"][0]["list_ids"] == ["OFAC:20577"]
    bad = run("dossier", "a-co", "-o", str(tmp_path / "d.txt"), code=2)
    assert "d.txt" in bad.stderr


def test_the_screening_api_reads_canonical_entities_for_whoever_sees_the_judgment(
    run, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """As `screen` and `show` do: one hit for the man both lists name, listing both list
    ids; a list entry's address redirects to the canonical entity. A partner that may not
    see the analyst's judgment (RED to its organisation) still gets two list entries."""
    from fastapi.testclient import TestClient

    from watchkeeper.settings import load_settings
    from watchkeeper.web.app import create_app

    run("judge", "a-cho", "b-cho", "same", "--reason", "same man", "--by", "ana")
    run("org", "add", "partner", "--country", "KOR")
    env = {
        "WATCHKEEPER_HOME": str(tmp_path / "home"),
        "WATCHKEEPER_API_KEYS": "k-unknown=nobody",
    }
    refused = TestClient(create_app(load_settings(env))).post(
        "/match/default", json={}, headers={"Authorization": "ApiKey k-unknown"}
    )
    assert refused.status_code == 403 and "'nobody'" in refused.json()["detail"]
    run("org", "add", "analyst")
    env = {
        "WATCHKEEPER_HOME": str(tmp_path / "home"),
        "WATCHKEEPER_ORG": "analyst",
        "WATCHKEEPER_API_KEYS": "k-own=analyst,k-partner=partner",
    }
    api = TestClient(create_app(load_settings(env)))
    body = {"queries": {"q": {"schema": "Person", "properties": {"name": ["Cho Chun Ryong"]}}}}

    def match(key: str) -> list[dict[str, object]]:
        answer = api.post("/match/default", json=body, headers={"Authorization": f"ApiKey {key}"})
        assert answer.status_code == 200, answer.text
        return answer.json()["responses"]["q"]["results"]  # type: ignore[no-any-return]

    own = match("k-own")
    assert len(own) == 1 and str(own[0]["id"]).startswith("wkc-")
    assert own[0]["list_ids"] == ["OFAC:20577", "UN:KPi.038"]
    assert own[0]["referents"] == ["a-cho", "b-cho"]
    headers = {"Authorization": "ApiKey k-own"}
    moved = api.get("/entities/a-cho", headers=headers, follow_redirects=False)
    assert moved.status_code == 308 and moved.headers["location"].endswith(f"/{own[0]['id']}")
    entity = api.get(f"/entities/{own[0]['id']}", headers=headers)
    assert entity.status_code == 200 and entity.json()["referents"] == ["a-cho", "b-cho"]
    partner = match("k-partner")
    assert sorted(str(r["id"]) for r in partner) == ["a-cho", "b-cho"]
    headers = {"Authorization": "ApiKey k-partner"}
    assert api.get("/entities/a-cho", headers=headers, follow_redirects=False).status_code == 200
    hidden = api.get(f"/entities/{own[0]['id']}", headers=headers)
    assert hidden.status_code == 404
