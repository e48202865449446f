"""The assessment in a bundle (issue 23, item 1): estimates as notes with their ranges and
citations, key judgments as opinions with their ICD 203 words and ranges, one report
holding them; facts only, as of a date; originators as identities with their source
reliability; valid under the OASIS validator; what the recipient may not see withheld;
and read back by a receiving Watchkeeper."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.assessment.helpers import estimate, write_file
from tests.sharing.common import validate
from tests.web.workspace import US_ASSESSMENT
from watchkeeper.assessment.loader import import_assessment, load_assessment
from watchkeeper.model.grading import ICD203
from watchkeeper.model.marking import Marking, Viewer
from watchkeeper.sharing.checks import parse_bundle
from watchkeeper.sharing.gate import Selection, build_bundle, release
from watchkeeper.sharing.stix_import import import_bundle
from watchkeeper.sharing.vocab import EXTENSION, TLP2_IDS
from watchkeeper.store import Store, open_store

LOCAL = Viewer("local")
KOR = Viewer("kr-mofa", "KOR")
USA = Viewer("us-dia", "USA")
ONLY_ASSESSMENT = Selection(dataset="no-such-dataset", assessment=True)


@pytest.fixture(scope="module")
def assessed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The bundled assessment, a US-only release and an exercise file."""
    folder = tmp_path_factory.mktemp("assessed")
    store = open_store(f"sqlite:///{folder / 'w.db'}")
    load_assessment(store)
    path = folder / "us.yaml"
    path.write_text(yaml.safe_dump(US_ASSESSMENT, sort_keys=False), encoding="utf-8")
    import_assessment(store, path)
    drill = write_file(
        folder / "drill.yaml",
        {"name": "drill", "material": "exercise"},
        estimates=[estimate("drill-estimate")],
    )
    import_assessment(store, drill)
    for viewer in (LOCAL, KOR, USA):
        store.add_organisation(viewer.organisation, viewer.country)
    yield store
    store.close()


def _bundle(store: Store, to: Viewer, selection: Selection = ONLY_ASSESSMENT) -> bytes:
    data, _ = build_bundle(store, LOCAL, store.organisation(to.organisation), selection)
    return data


def _ours(obj: dict[str, Any]) -> dict[str, Any]:
    return dict(obj["extensions"][EXTENSION])


def test_estimates_judgments_and_the_report_go_as_notes_opinions_and_a_report(
    assessed: Store,
) -> None:
    data = _bundle(assessed, USA)
    validate(data)
    objects = json.loads(data)["objects"]
    by_id = {o["id"]: o for o in objects}
    estimates = [o for o in objects if o["type"] == "note" and _ours(o)["assessment"] == "estimate"]
    assert len(estimates) > 20
    for note in estimates:
        body = _ours(note)
        assert body["bound"] and body["unit"] and body["reported"] and body["grade"]
        if body["bound"] == "range":
            assert body["low"] <= body["high"]
        assert note["created_by_ref"] in by_id  # the originator, in the bundle
        assert note["object_refs"] == [note["created_by_ref"]]
    cited = [n for n in estimates if n.get("external_references")]
    assert len(cited) == len(estimates)
    # the US-only estimate reaches the US partner, with its figures and citation
    nightjar = next(n for n in estimates if _ours(n)["key"] == "est-us-nightjar-rounds")
    assert _ours(nightjar)["low"] == 9999991 and _ours(nightjar)["high"] == 12000000
    assert nightjar["external_references"][0]["url"] == "https://example.org/us/nightjar"
    originator = by_id[nightjar["created_by_ref"]]
    assert originator["name"] == "US DIA" and _ours(originator)["source_reliability"] == "B"
    # key judgments: ICD 203 words with their ranges, the analysts' confidence apart
    opinions = [o for o in objects if o["type"] == "opinion"]
    assert opinions
    for opinion in opinions:
        body = _ours(opinion)
        assert tuple(body["range"]) == ICD203[body["likelihood"]]
        assert body["likelihood"] in opinion["explanation"]
        assert body["analysts_confidence"] in ("low", "moderate", "high")
        assert opinion["confidence"] in (15, 50, 85)
        (scenario,) = opinion["object_refs"]
        assert _ours(by_id[scenario])["assessment"] == "scenario"
        # derived from many markings: the recipient's alone
        assert opinion["object_marking_refs"][0] == TLP2_IDS[Marking.parse("TLP:RED").tlp]
    (report,) = [o for o in objects if o["type"] == "report"]
    assert set(report["object_refs"]) == {
        o["id"] for o in objects if o["type"] in ("note", "opinion")
    }


def test_what_the_recipient_may_not_see_and_exercise_material_stay_home(
    assessed: Store,
) -> None:
    korean = _bundle(assessed, KOR).decode()
    for word in ("NIGHTJAR", "9999991", "Pyongsecret", "drill-estimate"):
        assert word not in korean, word
    american = _bundle(assessed, USA).decode()
    assert "NIGHTJAR" in american and "drill-estimate" not in american


def test_the_assessment_as_of_a_date_knows_nothing_later(assessed: Store) -> None:
    early = json.loads(
        _bundle(assessed, USA, Selection(dataset="x", assessment=True, as_of="2024-06-30"))
    )
    late = json.loads(_bundle(assessed, USA))
    notes = [
        o for o in early["objects"] if o["type"] == "note" and _ours(o)["assessment"] == "estimate"
    ]
    assert notes and all(_ours(n)["reported"] <= "2024-06-30" for n in notes)
    for note in notes:
        for ref in note.get("external_references", []):
            dated = [p for p in ref["description"].split(", ") if p[:2] == "20"]
            assert all(d <= "2024-06-30" for d in dated), ref
    count = sum(1 for o in late["objects"] if o["type"] == "note")
    assert len(notes) < count
    (report,) = [o for o in early["objects"] if o["type"] == "report"]
    assert report["published"].startswith("2024-06-30")


def test_a_receiving_watchkeeper_reads_it_and_gives_it_back(
    assessed: Store, tmp_path: Path
) -> None:
    done = release(assessed, LOCAL, "us-dia", ONLY_ASSESSMENT, by="tester")
    receiver = open_store(f"sqlite:///{tmp_path / 'us.db'}")
    receiver.add_organisation("local", "USA")  # so that the US-only items may go back
    receiver.add_organisation("us-dia", "USA")
    bundle = parse_bundle(done.data, "assessment.json")
    found = import_bundle(
        receiver, bundle, "assessment.json", "local", USA,
        default_marking=Marking.parse("TLP:AMBER"),
    )  # fmt: skip
    assert found.new == found.objects > 20
    again = release(receiver, USA, "local", Selection(), by="tester")
    back = {o["id"]: o for o in json.loads(again.data)["objects"]}
    validate(again.data, also=("401",))
    for obj in bundle["objects"]:
        if obj["type"] in ("note", "opinion", "report"):
            assert obj["id"] in back, obj["id"]
            # the figures, kept with the object and given back (beside its values)
            sent = obj.get("extensions", {}).get(EXTENSION, {})
            given = back[obj["id"]]["extensions"][EXTENSION]
            assert {k: given.get(k) for k in sent} == sent, obj["id"]
    receiver.close()
