"""Networks: the graph behind designations, as one viewer may see it.

The walks run in SQL (``store/graph.py``: recursive queries over relationship statements,
filtered by the viewer's visibility); the subgraph they reach is extracted into networkx
for the algorithms (shortest paths) and the exports (GraphML, FtM). Members of a cluster
the viewer's judgments make (``resolver``) are one node, under the canonical id.

Implied links join entities that share an identifier, an address, a phone number or an
e-mail address (``store/graph.py``'s shared values), or a vessel (both linked to one ship):
each is marked ``implied`` and carries its evidence; a viewer sees one only when it may
see every statement it rests on, which the SQL ensures by reading through its filter.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from watchkeeper.errors import InputError, NotFound
from watchkeeper.investigations.ownership import (
    Chain,
    Flag,
    chains_to,
    fifty_percent_rule,
    holdings_from,
)
from watchkeeper.investigations.resolver import Resolution, ResolvedReader, resolve
from watchkeeper.model.lists import list_id
from watchkeeper.store.graph import DIRECT_TYPES, RELATIONSHIPS, Edge, GraphSQL
from watchkeeper.store.reader import Reader

KINDS = (*RELATIONSHIPS, *DIRECT_TYPES)
MAX_HOPS = 6
# Property types whose shared values imply a link.
SHARED_TYPES = ("identifier", "phone", "email", "address")


@dataclass(frozen=True)
class Link:
    source: str
    target: str
    kind: str
    via: str
    implied: bool = False
    evidence: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "kind": self.kind,
            "via": self.via,
            "implied": self.implied,
            "evidence": list(self.evidence),
        }


@dataclass
class Subgraph:
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodes": [{"id": k, **v} for k, v in sorted(self.nodes.items())],
            "links": [link.to_dict() for link in self.links],
        }

    def graph(self) -> nx.MultiGraph[str]:
        g: nx.MultiGraph[str] = nx.MultiGraph()
        for node, data in self.nodes.items():
            g.add_node(node, **{k: v for k, v in data.items() if v is not None})
        for link in self.links:
            g.add_edge(link.source, link.target, key=link.via, **link.to_dict())
        return g


@dataclass(frozen=True)
class Path:
    nodes: tuple[str, ...]
    links: tuple[Link, ...]
    target: str
    list_ids: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "list_ids": list(self.list_ids),
            "nodes": list(self.nodes),
            "links": [link.to_dict() for link in self.links],
            "length": len(self.links),
        }


class Network:
    """Network queries for one viewer (its Reader), through its resolution."""

    def __init__(self, reader: Reader, resolution: Resolution | None = None) -> None:
        self.reader = reader
        self.sql = GraphSQL(reader)
        self.resolution = resolution if resolution is not None else resolve(reader)
        self.resolved = ResolvedReader(reader, self.resolution)

    # -- helpers -------------------------------------------------------------------------

    def start_of(self, entity: str) -> tuple[str, tuple[str, ...]]:
        """The canonical id of ``entity`` for this viewer and its members' ids."""
        view = self.resolved.entity(entity)
        if view is None:
            raise NotFound(f"no entity {entity!r}")
        return view.id, self.resolution.group(view.id)

    def check(self, hops: int, kinds: Collection[str] | None) -> None:
        """A clear error for a walk this module does not take."""
        if not 0 <= hops <= MAX_HOPS:
            raise InputError("hops", f"from 0 to {MAX_HOPS}, got {hops}")
        unknown = sorted(set(kinds or ()) - set(KINDS))
        if unknown:
            raise InputError(
                "types",
                f"unknown relationship type(s) {', '.join(unknown)}; one of {', '.join(KINDS)}",
            )

    def _link(self, edge: Edge) -> Link:
        of = self.resolution.of
        return Link(of(edge.source), of(edge.target), edge.kind, edge.via)

    def _nodes(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        wanted = sorted(set(ids))
        sanctioned = self._list_ids(wanted)
        out: dict[str, dict[str, Any]] = {}
        for view in self.resolved.entities(wanted):
            out[view.id] = {
                "caption": view.caption,
                "schema": view.schema,
                "sanctioned": view.id in sanctioned,
                "list_ids": sanctioned.get(view.id, []),
            }
        return out

    def _list_ids(self, canonical_ids: list[str]) -> dict[str, list[str]]:
        """Canonical id -> the list ids of its visible current sanctions."""
        members = {m: c for c in canonical_ids for m in self.resolution.group(c)}
        found = self.sql.sanctioned(members)
        sanction_ids = sorted({s for v in found.values() for s in v})
        lists: dict[str, str] = {}
        for view in self.reader.entities(sanction_ids):
            entity = view.entity
            authority = " ".join(entity.get("authority"))
            for ident in entity.get("unscId") or entity.get("authorityId"):
                listed = list_id(authority, ident)
                if listed:
                    lists[view.id] = listed
        out: dict[str, list[str]] = {}
        for member, sanctions in found.items():
            cid = members[member]
            ids = out.setdefault(cid, [])
            ids.extend(lists.get(s, s) for s in sanctions)
        return {k: sorted(set(v)) for k, v in out.items()}

    # -- queries -------------------------------------------------------------------------

    def neighbours(
        self,
        entity: str,
        hops: int = 1,
        kinds: Collection[str] | None = None,
        since: str | None = None,
        until: str | None = None,
        implied: bool = False,
    ) -> Subgraph:
        """Entities within ``hops`` links, only through links of ``kinds`` in force some
        time between ``since`` and ``until``; with ``implied``, also the entities sharing
        an identifier, address, phone, e-mail or vessel with one of them."""
        self.check(hops, kinds)
        start, members = self.start_of(entity)
        reached = self.sql.reach(list(members), hops, kinds, since, until)
        return self.subgraph(start, reached, hops, kinds, since, until, implied)

    def subgraph(
        self,
        start: str,
        reached: dict[str, int],
        hops: int,
        kinds: Collection[str] | None = None,
        since: str | None = None,
        until: str | None = None,
        implied: bool = False,
    ) -> Subgraph:
        """The subgraph of the nodes a walk from ``start`` reached (node -> distance, as
        stored; a walk in SQL or on Spark), with their links and, with ``implied``, the
        implied links around them."""
        depth: dict[str, int] = {}
        for node, d in reached.items():
            cid = self.resolution.of(node)
            depth[cid] = min(d, depth.get(cid, d))
        edges = [e for e in self.sql.edges(reached, kinds, since, until)]
        links = {
            (link.via, link.source, link.target): link
            for link in map(self._link, edges)
            if link.source in depth and link.target in depth and link.source != link.target
        }
        sub = Subgraph()
        if implied:
            for link in self.implied(depth):
                links[(link.via, link.source, link.target)] = link
                for end in (link.source, link.target):
                    depth.setdefault(end, depth.get(link.source, hops) + 1)
        sub.nodes = self._nodes(depth)
        for node, data in sub.nodes.items():
            data["depth"] = depth[node]
        sub.links = sorted(
            (lk for lk in links.values() if lk.source in sub.nodes and lk.target in sub.nodes),
            key=lambda lk: (lk.source, lk.target, lk.via),
        )
        sub.nodes.setdefault(start, {"depth": 0})
        return sub

    def implied(self, nodes: Collection[str]) -> list[Link]:
        """Implied links from ``nodes`` (canonical ids) to entities sharing a value or a
        vessel with them."""
        members = {m: c for c in nodes for m in self.resolution.group(c)}
        out: dict[tuple[str, str, str], Link] = {}
        for a, b, prop, kind, value in self.sql.shared_values(members, SHARED_TYPES):
            ca, cb = self.resolution.of(a), self.resolution.of(b)
            if ca == cb:
                continue
            source, target = sorted((ca, cb))
            key = (f"shared {kind}: {value}", source, target)
            found = out.get(key)
            evidence = (*(found.evidence if found else ()), f"{prop}:{value}")
            out[key] = Link(
                source, target, f"shared {kind}", key[0], True, tuple(sorted(set(evidence)))
            )
        # two entities linked to one vessel (its owner, its operator)
        direct = list(DIRECT_TYPES)
        vessels = {e.source for e in self.sql.edges(members, direct)}
        holders: dict[str, set[str]] = {}
        for edge in self.sql.edges(vessels, direct):
            holders.setdefault(edge.source, set()).add(self.resolution.of(edge.target))
        for vessel, linked in sorted(holders.items()):
            for a in sorted(linked):
                for b in sorted(linked):
                    if a < b and (a in nodes or b in nodes):
                        key = (f"shared vessel: {vessel}", a, b)
                        out[key] = Link(a, b, "shared vessel", key[0], True, (f"vessel:{vessel}",))
        return sorted(out.values(), key=lambda lk: (lk.source, lk.target, lk.via))

    def paths_to_sanctioned(
        self,
        entity: str,
        max_hops: int = 4,
        kinds: Collection[str] | None = None,
        limit: int | None = 5,
        since: str | None = None,
        until: str | None = None,
    ) -> list[Path]:
        """The shortest paths from ``entity`` to sanctioned entities, nearest first (one
        per target; the entity itself, if sanctioned, is a path of length 0), only through
        links of ``kinds`` in force some time between ``since`` and ``until``; all of them
        when ``limit`` is None."""
        self.check(max_hops, kinds)
        start, members = self.start_of(entity)
        reached = self.sql.reach(list(members), max_hops, kinds, since, until)
        return self.paths_within(start, reached, kinds, limit, since, until)

    def paths_within(
        self,
        start: str,
        reached: Collection[str],
        kinds: Collection[str] | None = None,
        limit: int | None = 5,
        since: str | None = None,
        until: str | None = None,
    ) -> list[Path]:
        """The shortest paths from ``start`` to sanctioned entities among ``reached`` (the
        nodes a walk from it reached, by SQL or on Spark), through their visible links."""
        sanctioned = self._list_ids(sorted({self.resolution.of(n) for n in reached}))
        if not sanctioned:
            return []
        g: nx.MultiGraph[str] = nx.MultiGraph()
        g.add_node(start)
        for link in map(self._link, self.sql.edges(reached, kinds, since, until)):
            if link.source != link.target:
                g.add_edge(link.source, link.target, key=link.via, link=link)
        lengths = nx.single_source_shortest_path_length(g, start)
        targets = sorted((n for n in sanctioned if n in lengths), key=lambda n: (lengths[n], n))
        out = []
        for target in targets if limit is None else targets[:limit]:
            nodes = nx.shortest_path(g, start, target)
            links = []
            for a, b in itertools.pairwise(nodes):
                options = sorted(g.get_edge_data(a, b).values(), key=lambda d: d["link"].via)
                links.append(options[0]["link"])
            out.append(Path(tuple(nodes), tuple(links), target, tuple(sanctioned[target])))
        return out

    def ownership_chains(self, entity: str, max_depth: int = 6) -> dict[str, Any]:
        """Who owns ``entity``, directly and through chains, with each chain's share (the
        product along it) and each owner's aggregate interest (summed over its chains)."""
        start, _members = self.start_of(entity)
        holdings = self.holdings()
        chains, interest = chains_to(start, holdings, max_depth)
        return {
            "entity": start,
            "chains": [_chain(c) for c in chains],
            "owners": [
                {"owner": k, "share": list(v)}
                for k, v in sorted(interest.items(), key=lambda kv: (-kv[1][0], kv[0]))
            ],
        }

    def holdings(self) -> list[Any]:
        of = self.resolution.of
        return [
            h.__class__(of(h.owner), of(h.asset), h.via, h.share)
            for h in holdings_from(self.sql.ownership())
            if of(h.owner) != of(h.asset)
        ]

    def designated(self, lists: Collection[str] | None = ("OFAC",)) -> set[str]:
        """Canonical ids of entities with a visible current sanction (of ``lists``, by
        their prefix: OFAC, UN, EU...; None for any)."""
        found = self.sql.sanctioned()
        canonical = sorted({self.resolution.of(n) for n in found})
        listed = self._list_ids(canonical)
        if lists is None:
            return set(listed)
        wanted = tuple(f"{p}:" for p in lists)
        return {k for k, ids in listed.items() if any(i.startswith(wanted) for i in ids)}

    def fifty_percent(self, lists: Collection[str] | None = ("OFAC",)) -> dict[str, Any]:
        """The OFAC 50 % rule over everything the viewer may see."""
        designated = self.designated(lists)
        flags = fifty_percent_rule(self.holdings(), designated)
        return {
            "designated": len(designated),
            "flags": [_flag(f, flags, designated) for f in flags.values()],
        }


def _chain(chain: Chain) -> dict[str, Any]:
    return {
        "share": list(chain.share),
        "holdings": [
            {"owner": h.owner, "asset": h.asset, "via": h.via, "share": list(h.share)}
            for h in chain.holdings
        ],
    }


def _flag(flag: Flag, flags: dict[str, Flag], designated: set[str]) -> dict[str, Any]:
    return {
        "entity": flag.entity,
        "status": flag.status,
        "share": list(flag.share),
        "owners": [{"owner": h.owner, "via": h.via, "share": list(h.share)} for h in flag.owners],
        "chains": [
            [{"owner": h.owner, "asset": h.asset, "via": h.via, "share": list(h.share)} for h in c]
            for c in flag.chains(flags, designated)
        ],
    }


# -- exports -------------------------------------------------------------------------------


def to_graphml(sub: Subgraph, path: Any) -> None:
    g = sub.graph()
    for _a, _b, data in g.edges(data=True):
        data["evidence"] = "; ".join(data.get("evidence", []))
    for _n, data in g.nodes(data=True):
        if "list_ids" in data:
            data["list_ids"] = ", ".join(data["list_ids"])
    nx.write_graphml(g, path)


def to_ftm(network: Network, sub: Subgraph) -> list[dict[str, Any]]:
    """The subgraph's entities and the relationship entities between them, as FtM
    entity dicts (canonical ids, members as ``referents``)."""
    ids = set(sub.nodes) | {lk.via for lk in sub.links if not lk.implied}
    out = []
    for view in network.resolved.entities(sorted(ids)):
        data = view.entity.to_dict()
        out.append(data)
    return out


__all__ = ["KINDS", "Link", "Network", "Path", "Subgraph", "to_ftm", "to_graphml"]
