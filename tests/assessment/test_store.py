"""Estimates and judgments in the store: one transaction, history kept, and read only
through the viewer's markings (on SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.assessment.helpers import add_events, estimate, write_file
from watchkeeper.assessment.loader import import_assessment, load_assessment
from watchkeeper.errors import InputError
from watchkeeper.model.marking import Marking, Viewer
from watchkeeper.store import Store
from watchkeeper.store.assessment import read_estimates, read_judgments

ORG_A = Viewer("org-a", "USA")
ORG_B = Viewer("org-b", "KOR")


def test_the_bundled_dataset_loads_once(store: Store) -> None:
    first = load_assessment(store)
    assert first.estimates == 70 and first.judgments > 100 and first.changed
    digest = store.digest()
    again = load_assessment(store)
    assert not again.changed and store.digest() == digest
    rows = read_estimates(store.read(ORG_B))
    assert len(rows) == 70
    assert all(r.provenance.source and r.provenance.source["url"] for r in rows)


def test_a_newer_release_ends_what_it_no_longer_says(store: Store, tmp_path: Path) -> None:
    import_assessment(
        store, write_file(tmp_path / "v1.yaml", estimates=[estimate("e1"), estimate("e2")])
    )
    summary = import_assessment(
        store,
        write_file(
            tmp_path / "v2.yaml",
            {"version": 2, "published": "2024-07-01"},
            estimates=[estimate("e1")],
        ),
    )
    assert summary.ended == 1
    reader = store.read(ORG_A)
    assert [r.record.key for r in read_estimates(reader)] == ["e1"]
    history = read_estimates(reader, include_ended=True)
    ended = [r for r in history if r.record.key == "e2"]
    assert ended and ended[0].provenance.ended_at == "2024-07-01"
    older = write_file(
        tmp_path / "v0.yaml", {"version": 0, "published": "2024-01-01"}, estimates=[estimate("e9")]
    )
    with pytest.raises(InputError, match="older than the 2024-07-01 release"):
        import_assessment(store, older)


def test_a_changed_figure_is_a_new_row_and_the_old_one_ends(store: Store, tmp_path: Path) -> None:
    import_assessment(
        store, write_file(tmp_path / "v1.yaml", estimates=[estimate("e1", best=1000)])
    )
    import_assessment(
        store,
        write_file(
            tmp_path / "v2.yaml",
            {"version": 2, "published": "2024-08-01"},
            estimates=[estimate("e1", best=2000)],
        ),
    )
    rows = read_estimates(store.read(ORG_A), include_ended=True)
    assert sorted((r.record.best, r.provenance.ended_at) for r in rows) == [
        (1000.0, "2024-08-01"),
        (2000.0, None),
    ]


def test_viewers_get_only_the_estimates_and_judgments_they_may_see(
    store: Store, tmp_path: Path
) -> None:
    amber = {"tlp": "AMBER", "recipients": ["org-a"]}
    path = write_file(
        tmp_path / "a.yaml",
        estimates=[
            estimate("public"),
            estimate("amber", marking=amber),
            estimate("rel-usa", marking={"tlp": "GREEN", "rel_to": ["USA"]}),
            estimate("mine", marking={"tlp": "RED", "originator": "org-b"}),
        ],
        questions=[{"id": "q1", "text": "A restricted question?", "marking": amber}],
    )
    import_assessment(store, path)
    seen_a = {r.record.key for r in read_estimates(store.read(ORG_A))}
    seen_b = {r.record.key for r in read_estimates(store.read(ORG_B))}
    assert seen_a == {"public", "amber", "rel-usa"}
    assert seen_b == {"public", "mine"}
    assert [j.record.subject for j in read_judgments(store.read(ORG_A), ["question"])] == ["q1"]
    assert read_judgments(store.read(ORG_B), ["question"]) == []
    # The report a restricted estimate cites carries its marking: org-b cannot even
    # learn that something cites https://example.org/amber.
    urls_b = {s.get("url") for s in store.read(ORG_B).sources()}
    assert "https://example.org/amber" not in urls_b and "https://example.org/public" in urls_b
    assert "https://example.org/amber" in {s.get("url") for s in store.read(ORG_A).sources()}


def test_a_link_to_an_event_the_viewer_may_not_see_is_dropped(store: Store, tmp_path: Path) -> None:
    add_events(
        store,
        [
            (
                "event-hidden",
                "2024-02-01",
                ["munitions"],
                Marking.make("AMBER", recipients=["org-a"]),
            )
        ],
    )
    import_assessment(
        store, write_file(tmp_path / "a.yaml", estimates=[estimate("e1", event="event-hidden")])
    )
    assert read_estimates(store.read(ORG_A))[0].record.event_id == "event-hidden"
    assert read_estimates(store.read(ORG_B))[0].record.event_id is None


BAD_FILES = {
    "not yaml": ("meta: [unclosed\n", "not valid YAML"),
    "no meta": ("estimates: []\n", "a mapping with a 'meta' mapping"),
    "unknown section": ("meta: {name: x}\nestimatez: []\n", "unknown section(s): estimatez"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_is_one_line_and_writes_nothing(store: Store, tmp_path: Path, case: str) -> None:
    load_assessment(store)
    before = store.digest()
    text, reason = BAD_FILES[case]
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        import_assessment(store, path)
    assert str(path) in str(caught.value) and reason in str(caught.value)
    assert "\n" not in str(caught.value)
    assert store.digest() == before


def test_a_bad_item_names_the_record_and_writes_nothing(store: Store, tmp_path: Path) -> None:
    before = store.digest()
    path = write_file(
        tmp_path / "a.yaml", estimates=[estimate("good"), estimate("bad", bound="range", best=None)]
    )
    with pytest.raises(
        InputError, match=r"a\.yaml: estimates\[1\] bad: a range needs 'low' and 'high'"
    ):
        import_assessment(store, path)
    assert store.digest() == before


def test_a_file_that_is_not_utf8_is_refused(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"meta: {name: caf\xe9}\n")
    with pytest.raises(InputError, match="not UTF-8"):
        import_assessment(store, path)
    with pytest.raises(InputError, match="no such file"):
        import_assessment(store, tmp_path / "missing.yaml")
