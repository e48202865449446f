"""The designation dossier: its sections, its viewer's releasability, and its PDF (pages
rendered to PNG and read back)."""

from __future__ import annotations

import json
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from tests.helpers import entity, source, write
from watchkeeper.errors import InputError, NotFound
from watchkeeper.investigations import dossier
from watchkeeper.investigations.judgments import decide
from watchkeeper.model.grading import Reliability
from watchkeeper.model.marking import TLP, Marking, Viewer
from watchkeeper.model.source import Source
from watchkeeper.store import Store

OFAC = "US Treasury Office of Foreign Assets Control"
ME = Viewer("org-a", "USA")
OTHER = Viewer("org-b", "KOR")
RED_A = Marking(TLP.RED, originator="org-a")
SECTIONS = (
    "1. Identity",
    "2. List entries",
    "3. Paths to designated entities",
    "4. Dated events",
    "5. AIS detections",
    "6. Screening hits and review decisions",
    "7. Sources",
)


def _data(store: Store) -> None:
    write(
        store,
        [
            entity("Company", "co", "lists", name="Sea Star Shipping", address="Vladivostok"),
            entity(
                "Person",
                "boss",
                "lists",
                name="KIM IL",
                alias=["김일", "金日"],
                birthDate="1960-04-04",
                passportNumber="PD123",
            ),
            entity("Vessel", "ship", "lists", name="SEA STAR", imoNumber="9000001", owner="co"),
            entity("Directorship", "dir", "lists", director="boss", organization="co"),
            entity(
                "Sanction",
                "s-boss",
                "lists",
                entity="boss",
                authority=OFAC,
                authorityId="555",
                program="DPRK3",
                listingDate="2018-02-23",
            ),
        ],
        source("lists", "2024-01-01"),
    )
    report = Source(
        id="report-1",
        dataset="reports",
        kind="report",
        title="Panel of Experts report",
        publisher="UN Panel of Experts",
        reliability=Reliability.B,
        url="https://example.org/poe",
        published="2024-03-01",
    )
    with store.write(report, full_release=False) as writer:
        writer.add_entity(
            entity(
                "Event",
                "ev-1",
                "reports",
                name="Ship-to-ship transfer",
                date="2024-02-01",
                summary="SEA STAR met a tanker off Nampo",
                involved="ship",
            ),
            credibility=2,
        )
        writer.add_entity(
            entity(
                "Event",
                "ev-secret",
                "reports",
                name="Secret meeting",
                date="2024-02-02",
                summary="a restricted report",
                involved="co",
            ),
            RED_A,
            credibility=3,
        )
    ais = Source(
        id="wk_ais:1",
        dataset="wk_ais",
        kind="feed",
        title="AIS detections",
        publisher="Watchkeeper maritime detectors",
        reliability=Reliability.C,
    )
    with store.write(ais, full_release=False) as writer:
        writer.add_entity(
            entity(
                "Event",
                "ais-1",
                "wk_ais",
                name="AIS gap: SEA STAR",
                date="2024-02-03",
                involved="ship",
                keywords="gap",
            )
        )


def test_sections_and_values(store: Store) -> None:
    _data(store)
    store.record_decision(
        {
            "organisation": "org-a",
            "query_id": "q1",
            "entity_id": "co",
            "decision": "confirmed",
            "reason": "same address",
            "decided_by": "ana",
            "decided_at": "2024-04-01",
            "fingerprint": "x",
        }
    )
    data = dossier.build(store, store.read(ME), "co")
    names = {v["value"] for v in data["identity"]["names"]}
    assert names == {"Sea Star Shipping"}
    assert [e["title"] for e in data["events"]] == ["Ship-to-ship transfer", "Secret meeting"]
    assert data["events"][0]["citations"][0]["grade"] == "B2"
    assert [d["id"] for d in data["ais"]] == ["ais-1"] and data["vessels"] == ["ship"]
    assert (
        data["paths"][0]["list_ids"] == ["OFAC:555"]
        and data["paths"][0]["captions"][-1] == "KIM IL"
    )
    assert data["screening_decisions"][0]["decision"] == "confirmed"
    assert {s["id"] for s in data["sources"]} >= {"lists:2024-01-01", "report-1"}
    person = dossier.build(store, store.read(ME), "boss")
    assert {v["script"] for v in person["identity"]["names"]} >= {"hangul", "han"}
    assert person["identity"]["identifiers"][0]["value"] == "PD123"
    assert person["list_entries"][0]["list_ids"] == ["OFAC:555"]
    assert person["list_entries"][0]["listed"] == "2018-02-23"


def test_nothing_from_outside_the_viewers_releasability(store: Store) -> None:
    _data(store)
    decide(store, store.read(ME), "boss", "co", "different", "a person, not a company", "ana")
    data = json.dumps(dossier.build(store, store.read(OTHER), "co"))
    assert "Secret meeting" not in data and "restricted report" not in data
    assert "a person, not a company" not in data  # org-a's judgment is RED to org-a
    with pytest.raises(NotFound):
        dossier.build(store, store.read(OTHER), "ev-secret")


def test_html_and_pdf(sqlite_store: Store, tmp_path: Path) -> None:
    _data(sqlite_store)
    data = dossier.build(sqlite_store, sqlite_store.read(ME), "boss")
    dossier.write(data, tmp_path / "d.html")
    html = (tmp_path / "d.html").read_text()
    assert all(section in html for section in SECTIONS) and "김일" in html
    dossier.write(data, tmp_path / "d.pdf")
    pdf = pdfium.PdfDocument(tmp_path / "d.pdf")
    text = ""
    for number in range(len(pdf)):
        page = pdf[number]
        image = page.render(scale=1).to_pil()
        image.save(tmp_path / f"page-{number}.png")
        assert image.size[0] > 500 and image.getbbox() is not None  # drawn, not blank
        low, high = image.convert("L").getextrema()
        assert low < high
        text += page.get_textpage().get_text_range()
    for section in SECTIONS:
        assert section in text, section
    assert "KIM IL" in text and "OFAC:555" in text and "PD123" in text
    with pytest.raises(InputError):
        dossier.write(data, tmp_path / "d.docx")
