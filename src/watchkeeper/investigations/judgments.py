"""Judgments: an organisation's word on whether two entities are one thing.

A judgment is ``same``, ``different`` or ``unsure``, recorded with who, when and why,
and with a marking saying who may see it (by default only the organisation that made
it: RED, its originator). Judgments are never changed or deleted: a new judgment on the
same pair supersedes the old one (``unsure`` undoes a merge), and the history stays.

Automatic acceptance: a suggestion meeting a strong-identifier rule (``xref.RULES``)
becomes a ``same`` judgment recorded with its rule and the values it rests on, marked
as those values are (``derived_marking``): a viewer who may not see them does not see
the merge. ``link_list_entries`` does so after every import for entities carrying the
same list id (the bundled dataset's record of a listed man and his list entry), so that
they are one canonical entity from then on, without anyone running xref.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from followthemoney import model

from watchkeeper.errors import InputError, NotFound
from watchkeeper.investigations.xref import RULES, Suggestion, ordered, shared_list_ids
from watchkeeper.model.marking import TLP, Marking, Viewer, may_see
from watchkeeper.screening.index import Index
from watchkeeper.store import Reader, Store
from watchkeeper.store import judgments as sql

VERDICTS = ("same", "different", "unsure")
AUTOMATIC = "watchkeeper xref"
PUBLIC = Viewer("", None)


@dataclass(frozen=True)
class Judgment:
    id: str
    """A digest of the judgment itself: row numbers would count the judgments a viewer
    may not see."""
    organisation: str
    left: str
    right: str
    verdict: str
    decided_by: str
    decided_at: str
    reason: str
    rule: str | None
    evidence: tuple[str, ...]
    marking: Marking

    @property
    def pair(self) -> tuple[str, str]:
        return (self.left, self.right)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "organisation": self.organisation,
            "left": self.left,
            "right": self.right,
            "verdict": self.verdict,
            "decided_by": self.decided_by,
            "decided_at": self.decided_at,
            "reason": self.reason,
            "rule": self.rule,
            "evidence": list(self.evidence),
            "marking": self.marking.key,
        }


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def own_marking(organisation: str) -> Marking:
    """The default marking of a judgment: for the organisation that made it alone."""
    return Marking(TLP.RED, originator=organisation)


def derived_marking(evidence: Iterable[Marking], organisation: str) -> Marking:
    """The marking of a judgment derived from statements: public evidence gives a CLEAR
    judgment (its originator the deciding organisation); one restrictive marking is passed
    on; several cannot be combined in general and give RED for the deciding organisation."""
    restricted = {m for m in evidence if not may_see(PUBLIC, m)}
    if not restricted:
        return Marking(TLP.CLEAR, originator=organisation)
    if len(restricted) == 1:
        return next(iter(restricted))
    return own_marking(organisation)


def existing(reader: Reader, ids: Iterable[str]) -> dict[str, str]:
    """The entities among ``ids`` that exist for the reader's viewer, with the schema
    its visible statements give them."""
    wanted = sorted(set(ids))
    found: dict[str, str] = {}
    for i in range(0, len(wanted), 500):
        for view in reader.entities(wanted[i : i + 500], include_ended=True):
            found[view.id] = view.schema
    return found


def _digest(data: dict[str, Any]) -> str:
    parts = (
        data["organisation"],
        data["left_id"],
        data["right_id"],
        data["verdict"],
        data["decided_by"],
        data["decided_at"],
        data["reason"],
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def _row(data: dict[str, Any]) -> Judgment:
    evidence = data.get("evidence") or ""
    return Judgment(
        id=_digest(data),
        organisation=data["organisation"],
        left=data["left_id"],
        right=data["right_id"],
        verdict=data["verdict"],
        decided_by=data["decided_by"],
        decided_at=data["decided_at"],
        reason=data["reason"],
        rule=data["rule"],
        evidence=tuple(json.loads(evidence)) if evidence else (),
        marking=data["marking"],
    )


def visible(reader: Reader) -> list[Judgment]:
    """The judgments the reader's viewer may see: their marking passes the rule and both
    entities exist for the viewer. Oldest first."""
    rows = [_row(r) for r in sql.visible_judgments(reader.store, reader.marking_ids)]
    present = existing(reader, {e for j in rows for e in j.pair})
    return [j for j in rows if j.left in present and j.right in present]


def effective(judgments: list[Judgment], organisation: str) -> dict[tuple[str, str], Judgment]:
    """The judgment in force per pair: the viewer's own organisation's latest, else the
    latest of those it may see."""
    own: dict[tuple[str, str], Judgment] = {}
    other: dict[tuple[str, str], Judgment] = {}
    for j in judgments:  # oldest first: later ones overwrite
        (own if j.organisation == organisation else other)[j.pair] = j
    return {**other, **own}


def decide(
    store: Store,
    reader: Reader,
    left: str,
    right: str,
    verdict: str,
    reason: str,
    by: str,
    marking: Marking | None = None,
) -> Judgment:
    """Record the viewer's organisation's judgment on a pair."""
    if verdict not in VERDICTS:
        raise InputError("judgment", f"the verdict is one of {', '.join(VERDICTS)}", verdict)
    if not reason.strip():
        raise InputError("judgment", "a reason is required", f"{left}/{right}")
    if not by.strip():
        raise InputError("judgment", "say who decides (--by)", f"{left}/{right}")
    if left == right:
        raise InputError("judgment", "an entity is always the same as itself", left)
    present = existing(reader, (left, right))
    for entity_id in (left, right):
        if entity_id not in present:
            raise NotFound(f"no entity {entity_id!r}")
    if verdict == "same" and not _compatible(present[left], present[right]):
        raise InputError(
            "judgment",
            f"a {present[left]} and a {present[right]} cannot be one thing",
            f"{left}/{right}",
        )
    organisation = reader.viewer.organisation
    pair = ordered(left, right)
    row = {
        "organisation": organisation,
        "left_id": pair[0],
        "right_id": pair[1],
        "verdict": verdict,
        "decided_by": by.strip(),
        "decided_at": now(),
        "reason": reason.strip(),
        "rule": None,
        "evidence": "",
        "marking": marking or own_marking(organisation),
    }
    sql.insert_judgments(store, [row])
    return _row(row)


def _compatible(a: str, b: str) -> bool:
    try:
        model.common_schema(a, b)
    except Exception:
        return False
    return True


def accept_automatically(
    store: Store, reader: Reader, suggestions: Iterable[Suggestion]
) -> list[Judgment]:
    """Record a ``same`` judgment for each suggestion meeting a strong-identifier rule,
    unless the pair already has a judgment the organisation may see (a reviewer's word
    is never overridden by a rule)."""
    organisation = reader.viewer.organisation
    markings = store.markings()
    decided = effective(visible(reader), organisation)
    rows = []
    when = now()
    for s in suggestions:
        if s.rule is None or s.key in decided:
            continue
        rows.append(
            {
                "organisation": organisation,
                "left_id": s.left,
                "right_id": s.right,
                "verdict": "same",
                "decided_by": AUTOMATIC,
                "decided_at": when,
                "reason": f"rule {s.rule}: {RULES[s.rule]} ({', '.join(s.evidence)})",
                "rule": s.rule,
                "evidence": json.dumps(list(s.evidence)),
                "marking": derived_marking((markings[n] for n in s.needs), organisation),
            }
        )
    if rows:
        sql.insert_judgments(store, rows)
    return [_row(row) for row in rows]


def history(reader: Reader, entity_id: str | None = None) -> list[Judgment]:
    """Visible judgments (on one entity, if given), newest first."""
    found = visible(reader)
    if entity_id is not None:
        found = [j for j in found if entity_id in j.pair]
    return list(reversed(found))


def link_list_entries(
    store: Store, reader: Reader, index: Index, only: Iterable[str] | None = None
) -> list[Judgment]:
    """Accept (as ``accept_automatically``, for the reader's organisation) every pair of
    entities carrying the same list id as the reader's viewer sees them: of ``only``
    these entities (those an import changed) and what shares an id with them, else all.
    ``index`` must be the store's current one (it holds the list ids)."""
    found = shared_list_ids(
        index, frozenset(reader.marking_ids), None if only is None else set(only)
    )
    return accept_automatically(store, reader, found) if found else []
