"""OFAC's sdn_advanced.xml: typed links (ownership, representation), vessel particulars and
designation dates, read into the same entities the legacy CSV makes. The fixture is in
``data/ofac-advanced`` (see its SOURCE.txt: written in the published layout from real SDN
rows; no real release could be had)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import OFAC_CSV
from watchkeeper.errors import InputError
from watchkeeper.importers import run_import
from watchkeeper.importers.base import Options
from watchkeeper.investigations.network import Network
from watchkeeper.model.marking import Viewer
from watchkeeper.store import Store

FIXTURE = Path(__file__).parent / "data/ofac-advanced/sdn_advanced.xml"
VIEWER = Viewer("analyst", "USA")


def _links(store: Store, entity: str, schema: str) -> list[dict[str, list[str]]]:
    reader = store.read(VIEWER)
    return [
        v.entity.to_dict()["properties"] for v in reader.referencing(entity) if v.schema == schema
    ]


def test_typed_links_and_particulars(store: Store) -> None:
    summary = run_import(store, "ofac-advanced", FIXTURE)
    reader = store.read(VIEWER)
    assert reader.source(summary.source_id)["published"] == "2024-05-03"  # type: ignore[index]
    # "Owned or Controlled By" is an Ownership, the vessel its asset.
    owns = _links(store, "ofac-37059", "Ownership")
    assert [(o["owner"], o["asset"], o["role"]) for o in owns] == [
        (["ofac-37065"], ["ofac-37059"], ["Owned or Controlled By"])
    ]
    # "Acting for or on behalf of" is a Representation: the person the bank's agent.
    reps = _links(store, "ofac-9346", "Representation")
    assert [(r["agent"], r["client"]) for r in reps] == [(["ofac-18556"], ["ofac-9346"])]
    assert not _links(store, "ofac-9346", "UnknownLink")
    angara = reader.entity("ofac-37059")
    assert angara is not None and angara.schema == "Vessel"
    props = angara.entity.to_dict()["properties"]
    assert props["imoNumber"] == ["9179842"]
    assert props["flag"] == ["ru"]
    assert props["type"] == ["Roll-on Roll-off"]
    assert props["grossRegisteredTonnage"] == ["8811"]
    an_san = reader.entity("ofac-23730")
    assert an_san is not None and an_san.entity.get("flag") == ["kp"]
    assert an_san.entity.get("imoNumber") == ["7303803"]
    jang = reader.entity("ofac-18556")
    assert jang is not None and jang.schema == "Person"
    assert jang.entity.get("name") == ["JANG, Bom Su"]
    assert jang.entity.get("birthDate") == ["1957-04-15"]
    assert jang.entity.get("citizenship") == ["kp"]
    assert jang.entity.get("passportNumber") == ["836110034"]
    sanction = reader.entity("ofac-23730-ofac")
    assert sanction is not None
    assert sanction.entity.get("listingDate") == ["2018-02-23"]
    assert sanction.entity.get("program") == ["DPRK4"]
    assert sanction.entity.get("authorityId") == ["23730"]
    # The owned company is a Company (an FtM asset), its owner an Organization.
    owner = reader.entity("ofac-23708")
    assert owner is not None and owner.schema == "Organization"


def test_owners_and_the_fifty_percent_rule_on_the_list(store: Store) -> None:
    """On the legacy CSV ANGARA's owner is only 'Linked To' it: no owner is known. From the
    advanced file the owner is the list's own statement."""
    run_import(store, "ofac-csv", OFAC_CSV, Options(release_date="2024-05-03"))
    csv_network = Network(store.read(VIEWER))
    assert csv_network.ownership_chains("ofac-37059")["owners"] == []
    run_import(store, "ofac-advanced", FIXTURE, Options(snapshot=False))
    network = Network(store.read(VIEWER))
    owners = network.ownership_chains("ofac-37059")["owners"]
    assert [o["owner"] for o in owners] == ["ofac-37065"]
    # The 50 % rule reads the list's ownerships (without a percentage: any share).
    held = {(h.owner, h.asset): h.share for h in network.holdings()}
    assert held[("ofac-23708", "ofac-23730")] == (0.0, 100.0)
    assert held[("ofac-37065", "ofac-37059")] == (0.0, 100.0)


def test_replaces_a_csv_release_entry_for_entry(store: Store) -> None:
    run_import(store, "ofac-csv", OFAC_CSV, Options(release_date="2024-05-01"))
    run_import(store, "ofac-advanced", FIXTURE)
    reader = store.read(VIEWER)
    assert reader.entity("ofac-37059") is not None
    # Not in the trimmed advanced release: ended by it, as a newer CSV release would.
    kim = reader.entity("ofac-12211")
    assert kim is not None and all(sv.ended_at == "2024-05-03" for sv in kim.statements)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda s: s.replace("<Sanctions ", "<sdnList ").replace("</Sanctions>", "</sdnList>"),
            "not OFAC's advanced list format",
        ),
        (
            lambda s: s.replace('<DistinctParty FixedRef="23708">', '<DistinctParty FixedRef="x">'),
            "DistinctParty without a numeric FixedRef",
        ),
        (
            lambda s: s.replace('From-ProfileID="18556"', 'From-ProfileID=""'),
            "ProfileRelationship without both profile ids",
        ),
        (lambda s: s.replace("</SanctionsEntries>", ""), "malformed XML"),
        (
            lambda s: s.replace(
                '<DateOfIssue CalendarTypeID="1"><Year>2024</Year><Month>5</Month><Day>3</Day></DateOfIssue>',
                "",
            ),
            "no DateOfIssue",
        ),
    ],
)
def test_bad_input_names_the_record_and_changes_nothing(
    store: Store,
    tmp_path: Path,
    edit,
    message,  # type: ignore[no-untyped-def]
) -> None:
    bad = tmp_path / "sdn_advanced.xml"
    bad.write_text(edit(FIXTURE.read_text()))
    with pytest.raises(InputError, match=message) as raised:
        run_import(store, "ofac-advanced", bad)
    assert str(bad) in str(raised.value) and "\n" not in str(raised.value)
    assert store.read(VIEWER).entity("ofac-37059") is None


def test_a_link_to_a_profile_not_in_the_file_is_left_out_and_said(
    store: Store, tmp_path: Path
) -> None:
    bad = tmp_path / "sdn_advanced.xml"
    bad.write_text(FIXTURE.read_text().replace('To-ProfileID="23708"', 'To-ProfileID="99999"'))
    summary = run_import(store, "ofac-advanced", bad)
    assert any(
        "ProfileRelationship 50002 (Owned or Controlled By) refers to profile 99999" in w
        for w in summary.warnings
    )
    assert not _links(store, "ofac-23730", "Ownership")
    assert _links(store, "ofac-37059", "Ownership")


def test_the_command_and_network_owners(tmp_path: Path) -> None:
    """`watchkeeper import ofac-advanced sdn_advanced.xml`, then `network owners` names the
    owner the list states."""
    import json

    from typer.testing import CliRunner

    from watchkeeper.cli import app

    env = {"WATCHKEEPER_HOME": str(tmp_path / "home"), "WATCHKEEPER_ORG": "analyst"}
    runner = CliRunner()
    done = runner.invoke(app, ["import", "ofac-advanced", str(FIXTURE)], env=env)
    assert done.exit_code == 0, done.output
    owners = runner.invoke(app, ["network", "owners", "ofac-23730", "--json"], env=env)
    assert json.loads(owners.stdout)["owners"] == [{"owner": "ofac-23708", "share": [0.0, 100.0]}]
