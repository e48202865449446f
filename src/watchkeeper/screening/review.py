"""What a reviewer's decision is bound to, and what a reviewer is shown to decide on.

A decision on a hit holds for one *record* and one *candidate version* only:

- the record screened: the query's id (the user's, or one made per screening) and
  ``record_hash``, a digest of every property screened (schema, names, birth dates,
  countries, identifiers, the Korean reading choice). The same customer id pasted with
  another birth date is another record, screened afresh;
- the candidate as the deciding organisation saw it (``fingerprint``: its names,
  identifiers, birth dates, countries and list ids visible to that organisation). A
  candidate that changed since is screened afresh.

An earlier decision that holds is shown beside the hit (``Review``), never used to hide
it. ``config_digest`` names the scoring configuration a decision was taken under and
``record_query`` rebuilds the query from a decision's record, so that a decision replays
(``Screener.replay``): on the same data release the same score and explanation come back.

``agreement`` says which of the query's properties agreed or disagreed with a candidate,
and ``strongest_ids`` which of its identifiers weigh most, for the hit cards.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from watchkeeper.screening.names import rules_digest

if TYPE_CHECKING:
    from watchkeeper.screening.index import Visible
    from watchkeeper.screening.score import Match, Query

# What a reviewer may record: a verdict, or a reopening (the hit is to be reviewed again).
VERDICTS = ("confirmed", "dismissed", "reopened")
# How an earlier decision stands to a hit now.
HOLDS = "same record, candidate unchanged"
CANDIDATE_CHANGED = "candidate changed since"
OTHER_RECORD = "another record with this id"
REOPENED = "reopened: to be reviewed again"
# A decision taken on the query id alone (before migration 0010, or without the record):
# shown, never taken to hold for a record.
ID_ONLY = "bound to the query id only"
# Identifier kinds, strongest first: one vessel has one IMO number; a passport number
# names a person; a registration or tax number may repeat across registries.
ID_STRENGTH = (
    "imo",
    "mmsi",
    "lei",
    "swift",
    "inn",
    "ogrn",
    "passport",
    "iban",
    "wallet",
    "account",
    "id",
    "registration",
    "tax",
    "callsign",
    "serial",
    "document",
)


@dataclass(frozen=True)
class Review:
    """An earlier decision on a (record, candidate) pair and how it stands: ``holds``
    when it was taken on the same record and the candidate has not changed."""

    decision: Mapping[str, Any]
    standing: str

    @property
    def holds(self) -> bool:
        return self.standing == HOLDS

    def describe(self) -> str:
        d = self.decision
        return (
            f"{d['decision']} by {d['decided_by']} on {str(d['decided_at'])[:10]}: "
            f"{d['reason']} ({self.standing})"
        )


def record_of(query: Query) -> dict[str, Any]:
    """The properties screened, as kept with a decision."""
    return {
        "schema": query.schema,
        "names": list(query.names),
        "birth_dates": list(query.birth_dates),
        "countries": list(query.countries),
        "ids": [list(pair) for pair in query.ids],
        "korean": query.korean,
    }


def record_hash(query: Query) -> str:
    """A digest of every property screened (not of the id): equal for the same record
    written in another order, different when any property differs."""
    canonical = {
        "schema": query.schema,
        "names": sorted(" ".join(n.split()) for n in query.names),
        "birth_dates": sorted(d.strip() for d in query.birth_dates),
        "countries": sorted(c.strip().lower() for c in query.countries),
        "ids": sorted([k, v] for k, v in query.ids),
        "korean": query.korean,
    }
    text = json.dumps(canonical, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def record_query(query_id: str, record: str) -> Query | None:
    """The query a decision's ``record`` (JSON) was screened as; None for decisions from
    before records were kept."""
    from watchkeeper.screening.score import Query

    if not record:
        return None
    data = json.loads(record)
    return Query(
        query_id,
        str(data["schema"]),
        tuple(data["names"]),
        tuple(data["birth_dates"]),
        tuple(data["countries"]),
        tuple((str(k), str(v)) for k, v in data["ids"]),
        data.get("korean"),
    )


def config_digest(threshold: float, effects: Mapping[str, float] | None = None) -> str:
    """The scoring configuration: the threshold, the feature scales, the score's
    constants and the name rules. Equal digests score alike."""
    from watchkeeper.screening import score

    constants = {
        name: getattr(score, name)
        for name in (
            "ID_MATCH",
            "ID_CONFLICT",
            "DOB_MATCH",
            "DOB_CONFLICT",
            "COUNTRY_MATCH",
            "COUNTRY_CONFLICT",
        )
    }
    text = json.dumps(
        {
            "threshold": threshold,
            "effects": dict(sorted((effects or {}).items())),
            "constants": constants,
            "rules": rules_digest(),
        },
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def agreement(query: Query, match: Match) -> list[tuple[str, str, str]]:
    """(property, "agrees" | "disagrees" | "not compared", detail) for each property the
    query gave, from the evidence the score used."""
    features = dict(match.features)
    entity = match.entity
    out: list[tuple[str, str, str]] = []
    if query.names:
        name = features.get("name_match", 0.0)
        verdict = "agrees" if name >= 0.9 else "disagrees" if name < 0.5 else "partly agrees"
        out.append(("name", verdict, f"{name:.2f}"))
    if query.birth_dates:
        if "dob_match" in features:
            out.append(("birth date", "agrees", ", ".join(entity.dates)))
        elif "dob_year_disjoint" in features:
            out.append(("birth date", "disagrees", ", ".join(entity.dates)))
        else:
            out.append(("birth date", "not compared", ", ".join(entity.dates) or "none listed"))
    if query.countries:
        if "country_match" in features:
            out.append(("country", "agrees", ", ".join(entity.countries)))
        elif "country_mismatch" in features:
            out.append(("country", "disagrees", ", ".join(entity.countries)))
        else:
            out.append(("country", "not compared", "none listed"))
    if query.ids:
        shared = [f for f in features if f.endswith("_match") and f not in _NOT_IDS]
        theirs = ", ".join(f"{k.upper()} {v}" for k, v in entity.ids) or "none listed"
        if shared:
            out.append(("identifiers", "agrees", theirs))
        elif "identifier_mismatch" in features:
            out.append(("identifiers", "disagrees", theirs))
        else:
            out.append(("identifiers", "not compared", theirs))
    return out


_NOT_IDS = frozenset({"name_match", "dob_match", "country_match"})


def strongest_ids(entity: Visible, most: int = 4) -> list[tuple[str, str]]:
    """The candidate's ``most`` strongest identifiers (``ID_STRENGTH``)."""
    rank = {kind: i for i, kind in enumerate(ID_STRENGTH)}
    return sorted(entity.ids, key=lambda kv: (rank.get(kv[0], len(rank)), kv))[:most]
