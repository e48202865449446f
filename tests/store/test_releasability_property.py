"""Property: whatever the statements, markings and viewer, the viewer receives exactly the
statements the house rule allows, through show, search, stats and export."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import entity, source
from watchkeeper.exports import write_ftm, write_statements
from watchkeeper.model.marking import TLP, Marking, Viewer, may_see
from watchkeeper.store import open_store

ORGS = ["org-a", "org-b", "org-c"]
COUNTRIES = ["USA", "KOR", "RUS"]

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
class Fact:
    entity: int
    kind: str  # "name" or "link"
    value: int
    marking: Marking | None


facts = st.lists(
    st.builds(
        Fact,
        entity=st.integers(0, 4),
        kind=st.sampled_from(["name", "name", "link"]),
        value=st.integers(0, 4),
        marking=st.none() | markings,
    ),
    min_size=1,
    max_size=12,
)


def person_id(i: int) -> str:
    return f"p{i}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts=facts, source_marking=markings, viewer=viewers)
def test_viewer_receives_exactly_what_it_is_cleared_for(
    facts: list[Fact], source_marking: Marking, viewer: Viewer
) -> None:
    store = open_store("sqlite://")
    written: list[tuple[str, str, str, Marking]] = []  # entity, prop, value, effective marking
    with store.write(source("prop", "2024-01-01", source_marking), full_release=False) as writer:
        for n, fact in enumerate(facts):
            if fact.kind == "name":
                ent = entity("Person", person_id(fact.entity), "prop", name=f"Name{fact.value}")
                props = [("name", f"Name{fact.value}")]
            else:
                ent = entity(
                    "UnknownLink",
                    f"l{n}",
                    "prop",
                    subject=person_id(fact.entity),
                    object=person_id(fact.value),
                )
                props = [("subject", person_id(fact.entity)), ("object", person_id(fact.value))]
            writer.add_entity(ent, fact.marking)
            effective = fact.marking or source_marking
            for prop, value in [*props, ("id", str(ent.id))]:
                written.append((str(ent.id), prop, value, effective))

    # The oracle: the rule applied statement by statement, in plain Python. A value
    # asserted under two markings is two statements, each with its own marking.
    rows = {(e, p, v, m.key) for e, p, v, m in written if may_see(viewer, m)}
    exists = {e for e, _, _, _ in rows}
    link_props = {"subject", "object"}
    rows = {r for r in rows if r[1] not in link_props or r[2] in exists}
    allowed = {(e, p, v) for e, p, v, _ in rows}
    visible_entities = {e for e, _, _ in allowed}

    reader = store.read(viewer)
    # show
    for ent_id in {e for e, _, _, _ in written}:
        view = reader.entity(ent_id)
        if ent_id not in visible_entities:
            assert view is None
            continue
        assert view is not None
        got = {
            (s.statement.entity_id, s.statement.prop, s.statement.value) for s in view.statements
        }
        assert got == {a for a in allowed if a[0] == ent_id}
    # search: totals count only visible matches
    for value in range(5):
        expected = {e for e, p, v in allowed if p == "name" and v == f"Name{value}"}
        result = reader.search(f"Name{value}")
        assert result.total == len(expected)
        assert {r.id for r in result.results} == expected
    # stats
    stats = reader.stats()
    assert stats["entities"] == len(visible_entities)
    assert stats["statements"] == len(rows)
    # export (statements and FtM entities)
    buffer = io.StringIO()
    write_statements(reader, buffer)
    exported = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    assert len(exported) == len(rows)
    assert {(r["entity_id"], r["prop"], r["value"]) for r in exported} == allowed
    buffer = io.StringIO()
    write_ftm(reader, buffer)
    entities = [json.loads(line) for line in buffer.getvalue().splitlines()]
    assert {e["id"] for e in entities} == visible_entities
    for data in entities:
        for prop, values in data["properties"].items():
            for value in values:
                assert (data["id"], prop, value) in allowed
    store.close()
