"""``Screener.candidates``: exactly what ``match`` scores, so that the benchmark can give
another scorer the same candidates (issue 27), as the viewer may see them."""

from __future__ import annotations

from tests.screening.test_screener import ANALYST, PARTNER, screener, vessels
from watchkeeper.screening import Query
from watchkeeper.store import Store


def test_candidates_are_what_match_scores(store: Store) -> None:
    vessels(store)
    analyst = screener(store, ANALYST)
    query = Query("q", "Vessel", ("CHONMA SAN",))
    candidates = analyst.candidates(query, limit=5)
    assert {"v1", "v2"} <= {c.id for c in candidates}
    # every candidate is scored (none dropped), the best `limit` returned
    found = analyst.match(query, limit=5)
    assert sorted(m.entity.id for m in found) == sorted(c.id for c in candidates)
    best = analyst.match(query, limit=1)
    assert len(best) == 1 and best[0].entity.id in {c.id for c in candidates}
    # a person is never a vessel's candidate
    assert not [
        c
        for c in analyst.candidates(Query("p", "Person", ("CHON MA SAN",)))
        if c.schema == "Vessel"
    ]


def test_candidates_are_what_the_viewer_may_see(store: Store) -> None:
    vessels(store)
    query = Query("q", "Vessel", ("HIDDEN TIGER",))
    assert "v3" in {c.id for c in screener(store, ANALYST).candidates(query)}
    partner = screener(store, PARTNER).candidates(query)
    assert "v3" not in {c.id for c in partner}
    # what the partner gets carries nothing it may not see
    assert all("HIDDEN TIGER" not in c.names for c in partner)
