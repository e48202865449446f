"""Watching a network: alerts when a list release designates an entity near a watched one.

An organisation watches entities (``watch``), each with a number of hops. An alert is a
designation the viewer may see — a current Sanction first seen in a release imported
after the watch began — of an entity within that many links of a watched entity, or of
the owner, operator or manager of a watched vessel. Each alert names the path from the
watched entity to the designated one. Alerts are computed from the viewer's view each
time they are asked for, so they hold nothing the viewer may not see.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import networkx as nx

from watchkeeper.errors import InputError, NotFound
from watchkeeper.investigations.judgments import now
from watchkeeper.investigations.network import MAX_HOPS, Link, Network
from watchkeeper.store import Reader, Store
from watchkeeper.store import judgments as sql

# Links that make an entity a vessel's owner, operator or manager.
VESSEL_ROLES = ("Vessel.owner", "Vessel.operator")
MANAGER_WORDS = ("manager", "operator", "owner")


@dataclass(frozen=True)
class Alert:
    watched: str
    designated: str
    sanctions: tuple[str, ...]
    list_ids: tuple[str, ...]
    path: tuple[str, ...]
    links: tuple[Link, ...]
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "watched": self.watched,
            "designated": self.designated,
            "sanctions": list(self.sanctions),
            "list_ids": list(self.list_ids),
            "path": list(self.path),
            "links": [link.to_dict() for link in self.links],
            "reason": self.reason,
        }


def add(
    store: Store, reader: Reader, entity: str, hops: int, by: str, since: str | None = None
) -> dict[str, Any]:
    if not 0 <= hops <= MAX_HOPS:
        raise InputError("hops", f"from 0 to {MAX_HOPS}, got {hops}")
    found = reader.entity(entity)
    if found is None:
        raise NotFound(f"no entity {entity!r}")
    row = {
        "organisation": reader.viewer.organisation,
        "entity_id": found.id,
        "hops": hops,
        "since": since or now(),
        "created_by": by,
    }
    sql.set_watch(store, row)
    return row


def remove(store: Store, reader: Reader, entity: str) -> bool:
    return sql.remove_watch(store, reader.viewer.organisation, entity)


def watched(store: Store, reader: Reader) -> list[dict[str, Any]]:
    """The organisation's watches on entities the viewer may see."""
    rows = sql.watches(store, reader.viewer.organisation)
    present = {v.id for v in reader.entities([r["entity_id"] for r in rows])} if rows else set()
    return [r for r in rows if r["entity_id"] in present]


def alerts(store: Store, reader: Reader) -> list[Alert]:
    """Designations near the organisation's watched entities since each watch began."""
    network = Network(reader)
    out: list[Alert] = []
    for row in watched(store, reader):
        out.extend(_alerts_for(network, row))
    return sorted(out, key=lambda a: (a.watched, len(a.path), a.designated))


def _alerts_for(network: Network, row: dict[str, Any]) -> list[Alert]:
    entity, hops, since = row["entity_id"], int(row["hops"]), row["since"]
    start, members = network.start_of(entity)
    reached = network.sql.reach(list(members), max(hops, 1))
    near = {n: d for n, d in reached.items() if d <= hops}
    view = network.resolved.entity(start)
    is_vessel = view is not None and view.schema == "Vessel"
    edges = [network._link(e) for e in network.sql.edges(reached)]
    # the watched vessel's owners, operators and managers, at one link
    roles: dict[str, Link] = {}
    if is_vessel:
        for link in edges:
            if start not in (link.source, link.target):
                continue
            other = link.target if link.source == start else link.source
            if link.kind in VESSEL_ROLES or (link.kind in ("Ownership",) and link.target == start):
                roles[other] = link
        for link in _managers(network, start, edges):
            roles[link.source if link.target == start else link.target] = link
    candidates = set(near) | set(roles)
    designated = network.sql.designated_since(candidates, since)
    if not designated:
        return []
    g: nx.MultiGraph[str] = nx.MultiGraph()
    g.add_node(start)
    for link in edges:
        if link.source != link.target:
            g.add_edge(link.source, link.target, key=link.via, link=link)
    listed = network._list_ids(sorted({network.resolution.of(n) for n in designated}))
    out = []
    for node in sorted(designated):
        target = network.resolution.of(node)
        try:
            nodes = nx.shortest_path(g, start, target)
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            continue
        links = tuple(
            sorted(g.get_edge_data(a, b).values(), key=lambda d: d["link"].via)[0]["link"]
            for a, b in itertools.pairwise(nodes)
        )
        if target in roles:
            reason = f"the {roles[target].kind.removeprefix('Vessel.').lower()} of the watched vessel is designated"
        else:
            reason = f"designated {len(links)} link(s) from the watched entity"
        out.append(
            Alert(
                start,
                target,
                tuple(designated[node]),
                tuple(listed.get(target, [])),
                tuple(nodes),
                links,
                reason,
            )
        )
    return out


def _managers(network: Network, vessel: str, edges: list[Link]) -> list[Link]:
    """Links to the vessel whose role says manager, operator or owner (UnknownLink,
    Representation... as analysts record ship managers)."""
    vias = [
        lk.via for lk in edges if vessel in (lk.source, lk.target) and lk.kind not in VESSEL_ROLES
    ]
    roles = {v.id: " ".join(v.entity.get("role")).lower() for v in network.reader.entities(vias)}
    return [
        lk for lk in edges if lk.via in roles and any(w in roles[lk.via] for w in MANAGER_WORDS)
    ]
