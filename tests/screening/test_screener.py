"""The index and the screener over a real store: evidence, releasability, decisions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import UN_XML
from tests.helpers import entity, source, write
from watchkeeper.importers import run_import
from watchkeeper.model.marking import TLP, Marking, Viewer
from watchkeeper.screening import Query, Screener, build, load_or_build
from watchkeeper.screening.index import index_path
from watchkeeper.screening.names import analyse
from watchkeeper.store import Store

ANALYST = Viewer("wk-analysts", "GBR")
PARTNER = Viewer("jp-mofa", "JPN")
RESTRICTED = Marking(tlp=TLP.AMBER, originator="wk-analysts")


def vessels(store: Store) -> None:
    sanction = entity(
        "Sanction", "s1", authority="United Nations Security Council", unscId="KPe.999"
    )
    sanction.add("entity", "v1")
    write(
        store,
        [
            entity("Vessel", "v1", name="CHON MA SAN", imoNumber="8660313", flag="kp"),
            entity("Vessel", "v2", name="CHONMA", imoNumber="9125061", flag="kp"),
            entity("Person", "p1", name="KIM JONG SIK", birthDate="1967-07-20", nationality="kp"),
            sanction,
            # an alias only the analysts' organisation may see
            (entity("Vessel", "v3", name="SUNSHINE STAR", alias="RYE SONG GANG 1"), None),
        ],
    )
    write(
        store,
        [(entity("Vessel", "v3", "analyst_notes", alias="HIDDEN TIGER"), RESTRICTED)],
        source("analyst_notes", "2024-02-01"),
        full_release=False,
    )
    store.add_organisation("wk-analysts", "GBR")
    store.add_organisation("jp-mofa", "JPN")


def screener(store: Store, viewer: Viewer) -> Screener:
    return Screener.for_viewer(build(store), store, viewer)


def test_identifier_outweighs_a_different_name(store: Store) -> None:
    vessels(store)
    found = screener(store, ANALYST).match(
        Query("q", "Vessel", ("OCEAN BREEZE",), ids=(("imo", "8660313"),))
    )
    assert found[0].entity.id == "v1" and found[0].match
    assert "same IMO 8660313" in found[0].explain()
    assert dict(found[0].features)["vessel_imo_mmsi_match"] == 1.0
    assert found[0].entity.list_ids == ("UN:KPe.999",)


def test_a_different_imo_weighs_against(store: Store) -> None:
    vessels(store)
    s = screener(store, ANALYST)
    same_name = s.match(Query("q", "Vessel", ("CHON MA SAN",)))[0]
    other_imo = s.match(Query("q", "Vessel", ("CHON MA SAN",), ids=(("imo", "9999999"),)))[0]
    assert same_name.match and not other_imo.match
    assert other_imo.score < same_name.score
    assert "different IMO" in other_imo.explain()


def test_birth_date_and_country_move_the_score(store: Store) -> None:
    vessels(store)
    s = screener(store, ANALYST)
    plain = s.match(Query("q", "Person", ("Kim Chong-sik",)))[0]
    same = s.match(Query("q", "Person", ("Kim Chong-sik",), ("1967",), ("kp",)))[0]
    other = s.match(Query("q", "Person", ("Kim Chong-sik",), ("1980-01-01",)))[0]
    assert same.score > plain.score > other.score
    assert not other.match
    assert "different birth date" in other.explain()
    assert dict(other.features)["dob_year_disjoint"] == 1.0
    assert dict(same.features)["dob_match"] == dict(same.features)["country_match"] == 1.0


def test_schemata_that_cannot_be_the_same_thing_are_not_compared(store: Store) -> None:
    vessels(store)
    assert screener(store, ANALYST).match(Query("q", "Person", ("CHON MA SAN",))) == []


def test_a_restricted_alias_matches_only_for_who_may_see_it(store: Store) -> None:
    vessels(store)
    index = build(store)
    query = Query("q", "Vessel", ("HIDDEN TIGER",))
    seen = Screener.for_viewer(index, store, ANALYST).match(query)
    assert seen and seen[0].entity.id == "v3" and "HIDDEN TIGER" in seen[0].entity.names
    unseen = Screener.for_viewer(index, store, PARTNER).match(query)
    assert all("HIDDEN TIGER" not in m.entity.names for m in unseen)
    assert all(m.score < 0.5 for m in unseen)
    # the partner still finds the vessel by what it may see, without the hidden alias
    public = Screener.for_viewer(index, store, PARTNER).match(
        Query("q", "Vessel", ("SUNSHINE STAR",))
    )
    assert public[0].entity.id == "v3" and "HIDDEN TIGER" not in public[0].entity.names


def test_fuzzy_retrieval_goes_only_through_words_the_viewer_may_see(store: Store) -> None:
    """No word of HIDDAN TIGOR is listed: fuzzy retrieval finds HIDDEN TIGER through the
    listed word HIDDEN, one typing error away, for the analysts who may see that alias;
    for the partner that word does not exist, so it retrieves nothing through it."""
    vessels(store)
    index = build(store)
    query = Query("q", "Vessel", ("HIDDAN TIGOR",))
    words = {t.key for t in analyse("HIDDAN TIGOR")[0].tokens}  # hidan, tigor (folded)
    analysts = Screener.for_viewer(index, store, ANALYST)
    listed = {t.key for t in analyse("HIDDEN TIGER")[0].tokens}  # hiden, tiger
    assert analysts.view.fuzzy_keys(words) == listed
    found = analysts.match(query, threshold=0.0)
    assert found and found[0].entity.id == "v3" and "HIDDEN TIGER" in found[0].explain()
    assert all(m.entity.id != "v3" for m in analysts.match(query, threshold=0.0, fuzzy=False))
    partner = Screener.for_viewer(index, store, PARTNER)
    assert partner.view.fuzzy_keys(words) == set()
    assert all(m.entity.id != "v3" for m in partner.match(query, threshold=0.0))


def test_bank_accounts_and_crypto_wallets_are_screened_by_their_numbers(store: Store) -> None:
    """FtM's BankAccount and CryptoWallet have no name: their IBAN, account number or
    public key is what screens them (a query of those was 'nothing to match on')."""
    wallet = "bc1qsanctionedwallet0000000000000000000000"
    write(
        store,
        [
            entity("CryptoWallet", "w1", publicKey=wallet, currency="XBT"),
            entity(
                "BankAccount", "b1", iban="DE89 3704 0044 0532 0130 00", accountNumber="532013000"
            ),
        ],
    )
    found = screener(store, ANALYST)
    by_key = found.match(Query("q", "CryptoWallet", (), ids=(("wallet", wallet.upper()),)))
    assert [m.entity.id for m in by_key] == ["w1"] and by_key[0].match
    by_iban = found.match(Query("q", "BankAccount", (), ids=(("iban", "DE89370400440532013000"),)))
    assert [m.entity.id for m in by_iban] == ["b1"] and by_iban[0].match
    by_number = found.match(Query("q", "BankAccount", (), ids=(("account", "532013000"),)))
    assert [m.entity.id for m in by_number] == ["b1"]


PARTNER_QUERIES = (
    Query("q1", "Person", ("KIM JONG SIK",)),
    Query("q2", "Person", ("Kim Chong Sik Ho",)),
    Query("q3", "Vessel", ("CHON MA SAN BREEZE",)),
    Query("q4", "Vessel", ("SUNSHINE STAR",)),
    Query("q5", "Vessel", ("RYE SONG",)),
)


def results(index_screener: Screener) -> list[tuple[str, str, float, str]]:
    return [
        (q.id, m.entity.id, m.score, m.explain())
        for q in PARTNER_QUERIES
        for m in index_screener.match(q, limit=3, threshold=0.0)
    ]


def test_restricted_data_changes_nothing_a_partner_gets(store: Store) -> None:
    """Not the values only: candidates, token weights and entity counts too. A partner's
    results are the same, to the last digit, with or without data it may not see."""
    vessels(store)
    before = results(screener(store, PARTNER))
    analyst_before = results(screener(store, ANALYST))
    # Restricted look-alikes that would crowd the candidates and dilute the weights of
    # KIM, JONG, SIK, CHON, MA, SAN, STAR if they were counted.
    crowd = [
        (entity("Person", f"r{i}", "analyst_notes", name="KIM JONG SIK"), RESTRICTED)
        for i in range(40)
    ]
    crowd += [
        (entity("Vessel", f"rv{i}", "analyst_notes", name=f"CHON MA SAN STAR {i}"), RESTRICTED)
        for i in range(40)
    ]
    crowd.append((entity("Vessel", "v1", "analyst_notes", alias="SUNSHINE STAR"), RESTRICTED))
    write(store, crowd, source("analyst_notes", "2024-02-01"), full_release=False)
    index = build(store)
    assert results(Screener.for_viewer(index, store, PARTNER)) == before
    assert Screener.for_viewer(index, store, PARTNER).view.size == 4
    # the same data does move what the analysts, who may see it, get
    assert results(Screener.for_viewer(index, store, ANALYST)) != analyst_before


def test_index_is_persisted_and_rebuilt_when_the_store_changes(
    store: Store, tmp_path: Path
) -> None:
    vessels(store)
    first = load_or_build(store, tmp_path)
    path = index_path(tmp_path)
    stamp = path.stat().st_mtime_ns
    again = load_or_build(store, tmp_path)
    assert again.version == first.version and path.stat().st_mtime_ns == stamp
    write(store, [entity("Vessel", "v9", "other", name="NEW SHIP")], source("other", "2024-03-01"))
    changed = load_or_build(store, tmp_path)
    assert changed.version != first.version and "v9" in changed.by_id


def test_a_corrupt_index_file_is_rebuilt(store: Store, tmp_path: Path) -> None:
    vessels(store)
    path = index_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not an index")
    assert "v1" in load_or_build(store, tmp_path).by_id


def test_a_dismissed_hit_is_shown_with_its_decision_until_the_entity_changes(
    store: Store,
) -> None:
    vessels(store)
    query = Query("cust-42", "Person", ("Kim Jong Sik",))
    s = screener(store, ANALYST)
    assert [m.entity.id for m in s.match(query)] == ["p1"]
    row = s.decide(store, ANALYST, query, "p1", "dismissed", "customer born 1990", "alice")
    assert row["decided_by"] == "alice" and row["decided_at"]
    shown = screener(store, ANALYST).match(query)
    assert [m.entity.id for m in shown] == ["p1"]  # shown, never hidden
    assert shown[0].review is not None and shown[0].review.holds
    assert "dismissed by alice on" in shown[0].explain()
    assert "(same record, candidate unchanged)" in shown[0].explain()
    # another organisation's decisions are its own
    assert screener(store, PARTNER).match(query)[0].review is None
    # another query id is screened afresh
    assert (
        screener(store, ANALYST).match(Query("cust-43", "Person", ("Kim Jong Sik",)))[0].review
        is None
    )
    # the listed entity changes: the decision no longer holds
    write(
        store,
        [entity("Person", "p1", "update", alias="KIM CHONG SIK")],
        source("update", "2024-05-01"),
        full_release=False,
    )
    again = screener(store, ANALYST).match(query)
    assert again[0].review is not None and not again[0].review.holds
    assert "(candidate changed since)" in again[0].explain()


def test_decisions_need_a_reason_and_a_known_decision(store: Store) -> None:
    vessels(store)
    s = screener(store, ANALYST)
    from watchkeeper.errors import InputError, NotFound

    with pytest.raises(InputError):
        s.decide(store, ANALYST, "q", "p1", "dismissed", "  ", "alice")
    with pytest.raises(InputError):
        s.decide(store, ANALYST, "q", "p1", "ignored", "why", "alice")
    with pytest.raises(NotFound):
        s.decide(store, PARTNER, "q", "nope", "dismissed", "why", "alice")


def test_un_list_aliases_find_their_entity(sqlite_store: Store) -> None:
    """Every UN DPRK record is found by its own primary name, with its list id."""
    run_import(sqlite_store, "un-xml", UN_XML)
    s = screener(sqlite_store, ANALYST)
    index = s.index
    dprk = [e for e in index.entities if any(lid.startswith("UN:KP") for lid, _ in e.list_ids)]
    assert len(dprk) == 155
    for listed in dprk:
        schema = "Person" if listed.schema == "Person" else "LegalEntity"
        top = s.match(Query("q", schema, (listed.names[0][0],)), limit=3)
        assert listed.id in [m.entity.id for m in top if m.match], listed.names[0][0]


def test_a_hostile_index_file_is_never_executed(store: Store, tmp_path: Path) -> None:
    """The cache holds data only: a pickle planted where the index lives is refused
    (and the index rebuilt), never unpickled."""
    import pickle

    vessels(store)
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (marker.touch, ())  # type: ignore[return-value]

    path = index_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(pickle.dumps(Payload()))
    index = load_or_build(store, tmp_path)
    assert "v1" in index.by_id
    assert not marker.exists()


def test_saved_index_reloads_equal(store: Store, tmp_path: Path) -> None:
    from watchkeeper.screening.index import Index

    vessels(store)
    built = build(store)
    built.save(tmp_path / "i.npz")
    loaded = Index.load(tmp_path / "i.npz")
    assert loaded is not None
    assert loaded.entities == built.entities and loaded.keys == built.keys
    assert (loaded.flat == built.flat).all() and (loaded.offsets == built.offsets).all()
    query = Query("q", "Vessel", ("CHONMASAN",))
    assert [
        m.score
        for m in Screener(loaded, frozenset(store.visible_marking_ids(ANALYST))).match(query)
    ] == [
        m.score for m in Screener(built, frozenset(store.visible_marking_ids(ANALYST))).match(query)
    ]


def test_an_index_saved_under_other_name_rules_is_not_read(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its keys were made by other rules: read, they would miss names silently."""
    from watchkeeper.screening import index as index_module

    vessels(store)
    build(store).save(tmp_path / "i.npz")
    assert index_module.Index.load(tmp_path / "i.npz") is not None
    monkeypatch.setattr(index_module, "rules_digest", lambda: "other rules")
    assert index_module.Index.load(tmp_path / "i.npz") is None


def test_a_wade_giles_query_retrieves_a_pinyin_listing(store: Store) -> None:
    """No token is shared (Chou/Zhou, Chien-shu/Jianshu): only the Chinese syllable keys
    bring the listing into the candidates."""
    write(
        store,
        [entity("Person", "z1", name="ZHOU, Jianshu"), entity("Person", "z2", name="CHOU WEN")],
    )
    found = screener(store, ANALYST).match(Query("q", "Person", ("Chou Chien-shu",)))
    assert found and found[0].entity.id == "z1" and found[0].match, found
    assert "Wade–Giles/pinyin" in found[0].explain()
