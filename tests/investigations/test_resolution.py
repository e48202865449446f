"""Judgments and the resolver: canonical entities, undoing, conflicts, viewer rules."""

from __future__ import annotations

import json

import pytest

from tests.helpers import entity, source, write
from watchkeeper.errors import InputError, NotFound
from watchkeeper.exports import write_ftm
from watchkeeper.investigations import judgments
from watchkeeper.investigations.resolver import PREFIX, ResolvedReader, canonical_id, resolve
from watchkeeper.investigations.xref import RULE_IMO, RULE_PASSPORT_DOB, xref
from watchkeeper.model.marking import TLP, Marking, Viewer
from watchkeeper.screening import build
from watchkeeper.store import Store

ME = Viewer("org-a", "USA")
OTHER = Viewer("org-b", "KOR")
RED_A = Marking(TLP.RED, originator="org-a")


def _lists(store: Store) -> None:
    write(
        store,
        [
            entity("Person", "unsc-kpi-038", "un", name="CHO CHUN RYONG", birthDate="1960-04-04"),
            entity(
                "Sanction",
                "unsc-kpi-038-unsc",
                "un",
                entity="unsc-kpi-038",
                authority="United Nations Security Council",
                unscId="KPi.038",
            ),
        ],
        source("un"),
    )
    write(
        store,
        [
            entity("Person", "ofac-20577", "ofac", name="CHO, Chun-ryong", birthDate="1960-04-04"),
            entity(
                "Sanction",
                "ofac-20577-ofac",
                "ofac",
                entity="ofac-20577",
                authority="US Treasury Office of Foreign Assets Control",
                authorityId="20577",
            ),
            entity("Person", "ofac-1", "ofac", name="KIM YONG CHOL", birthDate="1947"),
        ],
        source("ofac"),
    )


def test_same_judgment_makes_one_canonical_entity(store: Store) -> None:
    _lists(store)
    reader = store.read(ME)
    judgments.decide(store, reader, "unsc-kpi-038", "ofac-20577", "same", "same DOB, role", "ana")
    resolved = ResolvedReader(store.read(ME))
    view = resolved.entity("unsc-kpi-038")
    assert view is not None and view.id.startswith(PREFIX)
    assert view.id == canonical_id(["ofac-20577", "unsc-kpi-038"])
    assert resolved.entity("ofac-20577").id == view.id  # type: ignore[union-attr]
    assert view.entity.referents == {"unsc-kpi-038", "ofac-20577"}
    # each value keeps its source and its entity
    sources = {(sv.statement.entity_id, sv.source_id) for sv in view.statements}
    assert ("unsc-kpi-038", "un:2024-01-01") in sources and (
        "ofac-20577",
        "ofac:2024-01-01",
    ) in sources
    # both sanctions point at the canonical entity
    sanctions = [e for e in resolved.referencing(view.id) if e.schema == "Sanction"]
    assert {s.id for s in sanctions} == {"unsc-kpi-038-unsc", "ofac-20577-ofac"}
    assert all(s.entity.get("entity") == [view.id] for s in sanctions)
    # search counts the cluster once; stats too
    found = resolved.search("chun")
    assert found.total == 1 and found.results[0].id == view.id
    assert resolved.stats()["entities"] == store.read(ME).stats()["entities"] - 1
    # FtM export carries the referents
    import io

    buffer = io.StringIO()
    write_ftm(resolved, buffer)  # type: ignore[arg-type]
    rows = [json.loads(line) for line in buffer.getvalue().splitlines()]
    merged = next(r for r in rows if r["id"] == view.id)
    assert sorted(merged["referents"]) == ["ofac-20577", "unsc-kpi-038"]


def test_a_new_judgment_undoes_and_history_stays(store: Store) -> None:
    _lists(store)
    reader = store.read(ME)
    judgments.decide(store, reader, "unsc-kpi-038", "ofac-20577", "same", "looks alike", "ana")
    judgments.decide(store, reader, "ofac-20577", "unsc-kpi-038", "unsure", "second look", "bo")
    assert resolve(store.read(ME)).members == {}
    history = judgments.history(store.read(ME), "ofac-20577")
    assert [j.verdict for j in history] == ["unsure", "same"]
    assert history[0].decided_by == "bo" and history[1].reason == "looks alike"


def test_different_keeps_clusters_apart(store: Store) -> None:
    _lists(store)
    write(store, [entity("Person", "x-1", "x", name="CHO CHUN RYONG")], source("x"))
    reader = store.read(ME)
    judgments.decide(store, reader, "unsc-kpi-038", "x-1", "different", "other man", "ana")
    judgments.decide(store, reader, "unsc-kpi-038", "ofac-20577", "same", "same", "ana")
    judgments.decide(store, reader, "ofac-20577", "x-1", "same", "mistake", "ana")
    res = resolve(store.read(ME))
    assert list(res.members.values()) == [("ofac-20577", "unsc-kpi-038")]


def test_bad_judgments_are_refused(store: Store) -> None:
    _lists(store)
    write(store, [entity("Vessel", "v-1", "v", name="CHO")], source("v"))
    reader = store.read(ME)
    before = store.digest()
    with pytest.raises(InputError):
        judgments.decide(store, reader, "ofac-1", "ofac-1", "same", "x", "ana")
    with pytest.raises(InputError):
        judgments.decide(store, reader, "ofac-1", "ofac-20577", "maybe", "x", "ana")
    with pytest.raises(InputError):
        judgments.decide(store, reader, "ofac-1", "ofac-20577", "same", " ", "ana")
    with pytest.raises(InputError, match="cannot be one thing"):
        judgments.decide(store, reader, "ofac-1", "v-1", "same", "x", "ana")
    with pytest.raises(NotFound):
        judgments.decide(store, reader, "ofac-1", "nobody", "same", "x", "ana")
    assert store.digest() == before


def test_a_merge_is_seen_only_through_visible_judgments(store: Store) -> None:
    _lists(store)
    judgments.decide(store, store.read(ME), "unsc-kpi-038", "ofac-20577", "same", "r", "ana")
    # org-b may see both entities but not org-a's (RED) judgment: no merge for it
    other = ResolvedReader(store.read(OTHER))
    assert other.entity("unsc-kpi-038").id == "unsc-kpi-038"  # type: ignore[union-attr]
    # shared GREEN: org-b sees the merge
    judgments.decide(
        store,
        store.read(ME),
        "unsc-kpi-038",
        "ofac-20577",
        "same",
        "r",
        "ana",
        Marking(TLP.GREEN, originator="org-a"),
    )
    other = ResolvedReader(store.read(OTHER))
    assert other.entity("unsc-kpi-038").id.startswith(PREFIX)  # type: ignore[union-attr]
    # org-b's own "different" wins over a judgment it was given
    judgments.decide(
        store, store.read(OTHER), "unsc-kpi-038", "ofac-20577", "different", "no", "kim"
    )
    assert resolve(store.read(OTHER)).members == {}
    assert resolve(store.read(ME)).members != {}


def test_canonical_id_reveals_no_hidden_member(store: Store) -> None:
    _lists(store)
    write(
        store, [(entity("Person", "secret-1", "sec", name="CHO CHUN RYONG"), RED_A)], source("sec")
    )
    shared = Marking(TLP.GREEN, originator="org-a")
    reader = store.read(ME)
    judgments.decide(store, reader, "unsc-kpi-038", "ofac-20577", "same", "r", "ana", shared)
    judgments.decide(store, reader, "unsc-kpi-038", "secret-1", "same", "r", "ana", shared)
    mine = resolve(store.read(ME))
    theirs = resolve(store.read(OTHER))
    assert list(mine.members.values()) == [("ofac-20577", "secret-1", "unsc-kpi-038")]
    assert list(theirs.members.values()) == [("ofac-20577", "unsc-kpi-038")]
    assert set(theirs.members) == {canonical_id(["ofac-20577", "unsc-kpi-038"])}
    view = ResolvedReader(store.read(OTHER)).entity("unsc-kpi-038")
    assert view is not None and "secret-1" not in view.entity.referents
    assert all(sv.statement.entity_id != "secret-1" for sv in view.statements)


def test_strong_identifiers_are_accepted_with_their_rule(store: Store) -> None:
    write(
        store,
        [
            entity("Vessel", "a-v", "a", name="CHON MA SAN", imoNumber="8660313"),
            entity(
                "Person",
                "a-p",
                "a",
                name="RI SONG HYOK",
                passportNumber="654234735",
                birthDate="1965-03-19",
            ),
            entity(
                "Person",
                "a-q",
                "a",
                name="KIM TONG CHOL",
                passportNumber="1",
                birthDate="1966-01-27",
            ),
        ],
        source("a"),
    )
    write(
        store,
        [
            (entity("Vessel", "b-v", "b", name="CHONMASAN", imoNumber="IMO 8660313"), None),
            (
                entity(
                    "Person",
                    "b-p",
                    "b",
                    name="RI, Song-hyok",
                    passportNumber="654234735",
                    birthDate="1965-03-19",
                ),
                RED_A,
            ),
            entity(
                "Person",
                "b-q",
                "b",
                name="KIM TONG CHOL",
                passportNumber="1",
                birthDate="1968-08-07",
            ),
        ],
        source("b"),
    )
    reader = store.read(ME)
    found = xref(build(store), frozenset(reader.marking_ids))
    rules = {s.key: s.rule for s in found}
    assert rules[("a-v", "b-v")] == RULE_IMO
    assert rules[("a-p", "b-p")] == RULE_PASSPORT_DOB
    assert rules.get(("a-q", "b-q")) is None  # same passport, another birth date
    accepted = judgments.accept_automatically(store, reader, found)
    by_pair = {j.pair: j for j in accepted}
    assert (
        by_pair[("a-v", "b-v")].rule == RULE_IMO
        and by_pair[("a-v", "b-v")].marking.tlp == TLP.CLEAR
    )
    assert "imo:8660313" in by_pair[("a-v", "b-v")].evidence
    # the passport rule rests on a RED statement: the judgment is as restricted
    assert by_pair[("a-p", "b-p")].marking == RED_A
    assert set(resolve(store.read(OTHER)).canonical) == {"a-v", "b-v"}
    # run again: nothing new (already judged)
    assert judgments.accept_automatically(store, store.read(ME), found) == []
