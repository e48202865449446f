"""Entries linked by a shared list id (issue 25), through every read path: a viewer gets the
same canonical entities, search results and screening hits from the full store as from
the store holding only what it may see — whether it sees the list id on both records,
on one, or on none. (Generated worlds rarely give two records one list id: these worlds
do, with the id's marking varied.)"""

from __future__ import annotations

import pytest

from tests.releasability.paths import PATHS
from tests.releasability.test_differential import compare
from tests.releasability.world import Link, Value, World
from watchkeeper.model.marking import TLP, Marking, Viewer

CLEAR = Marking(TLP.CLEAR)
USA_ONLY = Marking(TLP.GREEN, frozenset({"USA"}), "org-b")
ORG_A = Marking(TLP.AMBER, None, "org-a")


def _world(link_marking: Marking | None, source: Marking) -> World:
    """Two people in the lists (one also in analysts' notes), both designated under the
    same OFAC id; one of the designations carries ``link_marking``."""
    return World(
        kinds=("person", "person", "org", "vessel", "person", "org"),
        values=(
            Value(0, 0, 0, 0, None, "AB"),
            Value(1, 0, 1, 0, None, "B"),
            Value(1, 3, 0, 0, None, "N"),
            Value(4, 0, 2, 0, None, "AB"),
        ),
        links=(
            Link("sanction", 0, 0, None, "AB", 1),
            Link("sanction", 0, 1, link_marking, "N", 1),
            Link("unknown", 0, 4, None, "B", 7),
        ),
        source_markings=(source, source, source),
    )


VIEWERS = [
    Viewer("org-a", None),
    Viewer("org-b", "USA"),
    Viewer("org-c", "KOR"),
    Viewer("outsider", None),
]


@pytest.mark.parametrize("viewer", VIEWERS, ids=lambda v: f"{v.organisation}-{v.country}")
@pytest.mark.parametrize(
    "link_marking", [None, USA_ONLY, ORG_A], ids=["clear", "usa-only", "org-a-only"]
)
def test_linked_entries_answer_the_same_from_both_stores(
    viewer: Viewer, link_marking: Marking | None, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("linked", numbered=True)
    compare("sqlite", root, _world(link_marking, CLEAR), viewer, PATHS)
