"""Random worlds for the releasability differential test, and the oracle.

A world is written through the real write path: two full releases of a list (values
that the second one drops end), an analyst's partial release, each source with its own
marking, values with markings of their own, links of several kinds (relationships,
events, some of them maritime alerts with AIS facts under the source's marking and
"sanctioned" under the link's, sanctions with list ids, ownership), estimates and
judgments of the assessment tables citing those events (a release of their own, items
with markings of their own), then re-markings and retractions of statements and of
estimates and judgments.

The oracle is the house rule restated in plain Python over the stored rows, applied to
a fixpoint: a statement is shown when its marking passes ``may_see``, it is not
retracted, its entity exists and, for a link, its target exists; an entity exists when
it keeps such a statement that is neither a link nor its id statement, or a link to an
existing entity. ``filtered_copy`` writes what passes into a fresh store: the "store
holding only what the viewer may see" that every read path is compared against.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from followthemoney.statement.util import BASE_ID
from hypothesis import strategies as st
from sqlalchemy import select

from tests.helpers import entity
from watchkeeper.errors import Forbidden, NotFound
from watchkeeper.maritime.alerts import DETAILS_PREFIX
from watchkeeper.model.marking import TLP, Marking, Viewer, may_see
from watchkeeper.model.source import Source
from watchkeeper.store import Store
from watchkeeper.store import schema as t
from watchkeeper.store.assessment import (
    AssessmentWriter,
    EstimateRecord,
    JudgmentRecord,
    remark_rows,
    retract_rows,
)
from watchkeeper.store.assessment_schema import estimate as estimate_table
from watchkeeper.store.assessment_schema import judgment as judgment_table

ORGS = ["org-a", "org-b", "org-c"]
COUNTRIES = ["USA", "KOR", "RUS"]
WORKSPACE = "org-a"
# Names chosen to collide: spelling variants, shared tokens, a common given name.
NAMES = [
    "KIM JONG UN",
    "Kim Jong-un",
    "KIM YO JONG",
    "JOHN SMITH",
    "John Smyth",
    "OCEAN STAR",
    "OCEAN STAR 2",
    "CHON MA SAN",
    "KOREA MINING DEVELOPMENT CORP",
]
KINDS = {
    "person": ["Person"],
    "org": ["Company", "LegalEntity", "Organization"],
    "vessel": ["Vessel"],
}
PROPS = {
    "person": ["name", "name", "alias", "birthDate", "nationality"],
    "org": ["name", "name", "alias", "country", "registrationNumber"],
    "vessel": ["name", "name", "imoNumber", "flag"],
}
VALUES = {
    "birthDate": ["1984-01-08", "1984", "1962-05-03"],
    "nationality": ["kp", "ru"],
    "country": ["kp", "cn"],
    "flag": ["kp", "ru"],
    "registrationNumber": ["123456", "998877"],
    "imoNumber": ["IMO9179842", "IMO8404991"],
}
RELEASES = ["A", "B", "AB", "N", "N"]

markings = st.builds(
    Marking,
    tlp=st.sampled_from(list(TLP)),
    rel_to=st.none() | st.frozensets(st.sampled_from(COUNTRIES), min_size=1),
    originator=st.none() | st.sampled_from(ORGS),
    recipients=st.frozensets(st.sampled_from(ORGS)),
)
viewers = st.builds(
    Viewer,
    organisation=st.sampled_from([*ORGS, "outsider"]),
    country=st.none() | st.sampled_from(COUNTRIES),
)


@dataclass(frozen=True)
class Value:
    entity: int
    prop_index: int
    value_index: int
    schema_index: int
    marking: Marking | None
    release: str


@dataclass(frozen=True)
class Link:
    kind: str  # unknown, directorship, event, sanction, ownership
    a: int
    b: int
    marking: Marking | None
    release: str
    number: int  # a list id, a percentage


@dataclass(frozen=True)
class Assessed:
    """An estimate or a judgment of the assessment tables (issue 24): its kind, the
    figure or probability it states, the event link (``l{event}``) it cites, and its
    marking (None: its release's)."""

    kind: str  # estimate, scenario (with its prior), indicator, observation, capability
    number: int
    event: int
    marking: Marking | None


@dataclass(frozen=True)
class World:
    kinds: tuple[str, ...]
    values: tuple[Value, ...]
    links: tuple[Link, ...]
    source_markings: tuple[Marking, Marking, Marking]
    remarks: tuple[tuple[int, Marking], ...] = ()
    retracts: tuple[int, ...] = ()
    assessed: tuple[Assessed, ...] = ()
    assessed_marking: Marking = field(default_factory=Marking)


def worlds(max_values: int = 14, max_links: int = 6) -> st.SearchStrategy[World]:
    entities = st.integers(0, 5)
    value = st.builds(
        Value,
        entity=entities,
        prop_index=st.integers(0, 4),
        value_index=st.integers(0, len(NAMES) - 1),
        schema_index=st.integers(0, 2),
        marking=st.none() | markings,
        release=st.sampled_from(RELEASES),
    )
    link = st.builds(
        Link,
        kind=st.sampled_from(["unknown", "directorship", "event", "sanction", "ownership"]),
        a=st.integers(0, 7),  # 6 and 7 are ids no value ever names: dangling links
        b=entities,
        marking=st.none() | markings,
        release=st.sampled_from(RELEASES),
        number=st.integers(1, 99),
    )
    assessed = st.builds(
        Assessed,
        kind=st.sampled_from(ASSESSED_KINDS),
        number=st.integers(1, 99),
        event=st.integers(0, max_links),
        marking=st.none() | markings,
    )
    return st.builds(
        World,
        kinds=st.tuples(*[st.sampled_from(list(KINDS)) for _ in range(6)]),
        values=st.lists(value, min_size=1, max_size=max_values).map(tuple),
        links=st.lists(link, max_size=max_links).map(tuple),
        source_markings=st.tuples(markings, markings, markings),
        remarks=st.lists(st.tuples(st.integers(0, 200), markings), max_size=2).map(tuple),
        retracts=st.lists(st.integers(0, 200), max_size=2).map(tuple),
        assessed=st.lists(assessed, max_size=8).map(tuple),
        assessed_marking=markings,
    )


def entity_id(i: int) -> str:
    return f"e{i}"


@dataclass
class Release:
    source: Source
    full: bool
    items: list[tuple[Any, Marking | None]] = field(default_factory=list)


def _sources(world: World) -> dict[str, Release]:
    a, b, n = world.source_markings
    return {
        "A": Release(
            Source(
                "lists:A",
                "lists",
                "list",
                "Lists release A",
                "a list",
                published="2024-01-01",
                marking=a,
            ),
            True,
        ),
        "B": Release(
            Source(
                "lists:B",
                "lists",
                "list",
                "Lists release B",
                "a list",
                published="2024-06-01",
                marking=b,
            ),
            True,
        ),
        "N": Release(
            Source(
                "notes:1",
                "notes",
                "analyst",
                "Analyst notes",
                "an analyst",
                published="2024-07-01",
                marking=n,
            ),
            False,
        ),
    }


def _value_entity(world: World, v: Value, dataset: str) -> Any:
    kind = world.kinds[v.entity]
    prop = PROPS[kind][v.prop_index % len(PROPS[kind])]
    options = VALUES.get(prop, NAMES)
    schema = KINDS[kind][v.schema_index % len(KINDS[kind])]
    return entity(
        schema, entity_id(v.entity), dataset, **{prop: options[v.value_index % len(options)]}
    )


def _link_entity(world: World, n: int, link: Link, dataset: str) -> Any:
    a, b = entity_id(link.a), entity_id(link.b)
    lid = f"l{n}"
    if link.kind == "unknown":
        return entity("UnknownLink", lid, dataset, subject=a, object=b)
    if link.kind == "directorship":
        return entity("Directorship", lid, dataset, director=a, organization=b)
    if link.kind == "event":
        event = entity("Event", lid, dataset, involved=[a, b], date="2024-03-01")
        if link.number % 3 == 0:  # what the knowledge base adds to a maritime alert
            event.add("keywords", "sanctioned")
        return event
    if link.kind == "ownership":
        return entity("Ownership", lid, dataset, owner=a, asset=b, percentage=str(link.number))
    authority = "OFAC" if link.number % 2 else "UN Security Council"
    prop = "authorityId" if link.number % 2 else "unscId"
    return entity(
        "Sanction", lid, dataset, entity=b, authority=authority, **{prop: f"X{link.number}"}
    )


def _ais_facts(n: int, link: Link, dataset: str) -> Any:
    """What AIS says of a maritime event (every other event is one), under the source's
    own marking: the alerts path ranks it with what the viewer sees of the rest."""
    facts = {
        "kind": "gap" if link.number % 4 == 0 else "encounter",
        "mmsi": 273000000 + link.number,
        "other_mmsi": None if link.number % 4 == 0 else 273100000 + link.number,
        "area": "rajin",
        "place": "Rajin",
        "place_kind": "watched area",
        "watched": link.number % 8 == 0,
        "lat": 42.2,
        "lon": 130.3,
        "details": {"hours": 30.0 + link.number},
        "evidence": {"positions": link.number},
    }
    return entity(
        "Event",
        f"l{n}",
        dataset,
        notes=DETAILS_PREFIX + json.dumps(facts, sort_keys=True),
        startDate="2024-03-01T00:00:00",
        endDate="2024-03-02T06:00:00",
    )


def build(store: Store, world: World) -> None:
    """Write ``world`` into ``store`` through the write path, then re-mark and retract."""
    releases = _sources(world)
    for v in world.values:
        for key in v.release if v.release != "N" else "N":
            release = releases[key]
            release.items.append((_value_entity(world, v, release.source.dataset), v.marking))
    for n, link in enumerate(world.links):
        for key in link.release if link.release != "N" else "N":
            release = releases[key]
            release.items.append(
                (_link_entity(world, n, link, release.source.dataset), link.marking)
            )
            if link.kind == "event" and link.number % 2 == 0:
                release.items.append((_ais_facts(n, link, release.source.dataset), None))
    for release in releases.values():
        with store.write(release.source, full_release=release.full) as writer:
            for item, mark in release.items:
                writer.add_entity(item, mark)
    write_assessed(store, world)
    ids = sorted(r.id for r in rows(store))
    for pick, mark in world.remarks:
        if ids:
            _correct(store, ids[pick % len(ids)], mark)
    for pick in world.retracts:
        if ids:
            _correct(store, ids[pick % len(ids)], None)
    items = sorted(r.id for table in ASSESSMENT_TABLES for r in rows(store, table))
    for pick, mark in world.remarks:
        if items:
            _correct_assessed(store, items[pick % len(items)], mark)
    for pick in world.retracts[:1]:
        if items:
            _correct_assessed(store, items[(pick * 7) % len(items)], None)


ASSESSED_KINDS = ["estimate", "estimate", "scenario", "indicator", "observation", "capability"]
ASSESSMENT_TABLES = (estimate_table, judgment_table)


def _assessed_records(n: int, item: Assessed) -> list[EstimateRecord | JudgmentRecord]:
    event = f"l{item.event}"
    if item.kind == "estimate":
        return [
            EstimateRecord(
                key=f"est-{n}",
                measure="artillery_rounds_supplied",
                unit="rounds",
                subject="artillery rounds, North Korea to Russia",
                bound="exact" if item.number % 2 else "range",
                low=None if item.number % 2 else float(item.number * 1000),
                best=float(item.number * 10_000) if item.number % 2 else None,
                high=None if item.number % 2 else float(item.number * 30_000),
                reported=f"2024-{1 + item.number % 12:02d}",
                estimator=f"Agency {'ABC'[item.number % 3]}",
                method="counted",
                statement=f"Agency estimate {n}.",
                event_id=event if item.number % 3 else None,
                credibility=1 + item.number % 6,
            )
        ]
    if item.kind == "scenario":
        scenario = f"s{item.number % 3}"
        made = "2023-06-01"
        return [
            JudgmentRecord(f"scenario:{scenario}", "scenario", scenario, "why", "an analyst",
                           made, detail={"title": f"Scenario {scenario}"}),
            JudgmentRecord(f"prior:{scenario}", "prior", scenario, "prior reason",
                           "an analyst", made, value=str(item.number / 100), confidence="low",
                           detail={"events": [event]}),
        ]  # fmt: skip
    indicator = f"i{item.number % 2}"
    if item.kind == "indicator":
        return [
            JudgmentRecord(f"indicator:{indicator}", "indicator", indicator, "why",
                           "an analyst", "2023-06-01", detail={"title": f"Indicator {n}"}),
            JudgmentRecord(f"likelihood:{indicator}:s{item.number % 3}", "likelihood",
                           indicator, "ratio", "an analyst", "2023-06-01",
                           object=f"s{item.number % 3}", value=str(1 + item.number % 4)),
        ]  # fmt: skip
    if item.kind == "observation":
        return [
            JudgmentRecord(f"observation:{indicator}:{event}", "observation", indicator,
                           "seen", "an analyst", "2024-03-02", object=event)
        ]  # fmt: skip
    return [
        JudgmentRecord(f"capability:ground:2024-0{1 + item.number % 9}", "capability",
                       "ground", "a change", "an analyst", "2024-03-02",
                       value=["none", "sought", "reported"][item.number % 3],
                       detail={"label": "Ground forces", "date": "2024-03-02",
                               "status": f"status {n}", "evidence": [event],
                               "estimates": [f"est-{item.number % 4}"]}),
    ]  # fmt: skip


def write_assessed(store: Store, world: World) -> None:
    """The world's estimates and judgments, as one partial release of their own."""
    if not world.assessed:
        return
    release = Source(
        "assess:1", "assess", "analyst", "Assessment notes", "an analyst",
        published="2024-08-01", marking=world.assessed_marking,
    )  # fmt: skip
    with store.write(release, full_release=False) as writer:
        out = AssessmentWriter(writer)
        for n, item in enumerate(world.assessed):
            for record in _assessed_records(n, item):
                if isinstance(record, EstimateRecord):
                    out.add_estimate(record, item.marking)
                else:
                    out.add_judgment(record, item.marking)
        out.finish()


def _correct_assessed(store: Store, row_id: str, mark: Marking | None) -> None:
    """Re-mark or retract an estimate or judgment row as its owner would."""
    marks = store.markings()
    row = next(r for table in ASSESSMENT_TABLES for r in rows(store, table) if r.id == row_id)
    owner = marks[row.marking_id].originator or WORKSPACE
    try:
        if mark is None:
            retract_rows(store, Viewer(owner), [row_id], by="t", reason="x", owner_org=WORKSPACE)
        else:
            mark = Marking(mark.tlp, mark.rel_to, owner, mark.recipients)
            remark_rows(
                store, Viewer(owner), [row_id], mark, by="t", reason="x", owner_org=WORKSPACE
            )
    except (NotFound, Forbidden):
        pass


def _correct(store: Store, statement_id: str, mark: Marking | None) -> None:
    """Re-mark (or, without a marking, retract) a statement as its owner would; one its
    owner may not see itself (RED with no originator, say) is left as it is, as the
    store requires."""
    row = next(r for r in rows(store) if r.id == statement_id)
    owner = store.markings()[row.marking_id].originator or WORKSPACE
    actor = Viewer(owner)
    try:
        if mark is None:
            store.retract(actor, [row.id], by="tester", reason="withdrawn", owner_org=WORKSPACE)
        else:
            mark = Marking(mark.tlp, mark.rel_to, owner, mark.recipients)
            store.remark(actor, [row.id], mark, by="tester", reason="fix", owner_org=WORKSPACE)
    except (NotFound, Forbidden):
        pass


def rows(store: Store, table: Any = None) -> list[Any]:
    table = t.statement if table is None else table
    with store.engine.connect() as conn:
        return list(conn.execute(select(table).order_by(table.c.id)))


def oracle(store: Store, viewer: Viewer) -> list[Any]:
    """The statements ``viewer`` may see in ``store``, current and ended, by the rule."""
    marks = store.markings()
    allowed = [
        r for r in rows(store) if r.retracted_at is None and may_see(viewer, marks[r.marking_id])
    ]
    exists = {r.entity_id for r in allowed if r.prop_type != "entity" and r.prop != BASE_ID}
    while True:
        more = {r.entity_id for r in allowed if r.prop_type == "entity" and r.value in exists}
        if more <= exists:
            break
        exists |= more
    return [
        r
        for r in allowed
        if r.entity_id in exists and (r.prop_type != "entity" or r.value in exists)
    ]


HIDDEN_SOURCE = Marking(TLP.RED, None, "~nobody~")


def filtered_copy(full: Store, target: Store, viewer: Viewer) -> None:
    """Write into ``target`` only what ``viewer`` may see of ``full``: the statements the
    oracle keeps (rows as they are: ids, dates, ended, markings), the sources it may see,
    the organisations, and its own organisation's decisions and audit. A statement whose
    source it may not see points at one placeholder source no one may see."""
    marks = full.markings()
    keep = oracle(full, viewer)
    with full.engine.connect() as conn:
        sources = [dict(r._mapping) for r in conn.execute(select(t.source))]
        orgs = [dict(r._mapping) for r in conn.execute(select(t.organisation))]
        decisions = [
            dict(r._mapping)
            for r in conn.execute(
                select(t.screening_decision).where(
                    t.screening_decision.c.organisation == viewer.organisation
                )
            )
        ]
        audit = [
            dict(r._mapping)
            for r in conn.execute(
                select(t.statement_audit).where(t.statement_audit.c.owner == viewer.organisation)
            )
        ]
    visible_sources = {s["id"] for s in sources if may_see(viewer, marks[s["marking_id"]])}
    with target.engine.connect() as conn, conn.begin():

        def mark_id(mark: Marking) -> int:
            return target.marking_id(conn, mark)

        placeholder = {
            "id": "~hidden-source~",
            "dataset": "hidden",
            "kind": "dataset",
            "title": "",
            "publisher": "",
            "reliability": "F",
            "url": None,
            "published": None,
            "retrieved": "2000-01-01",
            "checksum": None,
            "marking_id": mark_id(HIDDEN_SOURCE),
        }
        conn.execute(t.source.insert(), [placeholder])
        for src in sources:
            if src["id"] in visible_sources:
                conn.execute(
                    t.source.insert(), [src | {"marking_id": mark_id(marks[src["marking_id"]])}]
                )
        for row in keep:
            data = dict(row._mapping)
            data["marking_id"] = mark_id(marks[row.marking_id])
            if data["source_id"] not in visible_sources:
                data["source_id"] = placeholder["id"]
            conn.execute(t.statement.insert(), [data])
        for table in ASSESSMENT_TABLES:
            for row in rows(full, table):
                if row.retracted_at is not None or not may_see(viewer, marks[row.marking_id]):
                    continue
                data = dict(row._mapping)
                data["marking_id"] = mark_id(marks[row.marking_id])
                if data["source_id"] not in visible_sources:
                    data["source_id"] = placeholder["id"]
                conn.execute(table.insert(), [data])
        if orgs:
            conn.execute(t.organisation.insert(), orgs)
        if decisions:
            conn.execute(t.screening_decision.insert(), decisions)
        for entry in audit:
            entry = dict(entry)
            entry.pop("id")
            entry["old_marking_id"] = mark_id(marks[entry["old_marking_id"]])
            if entry["new_marking_id"] is not None:
                entry["new_marking_id"] = mark_id(marks[entry["new_marking_id"]])
            conn.execute(t.statement_audit.insert(), [entry])
