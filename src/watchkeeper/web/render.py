"""Entities in yente's shape, built from what one viewer may see.

Every entity comes through the viewer's ``Reader`` (its values, its links) and
``OriginReader`` (what an FtM export said: datasets, referents, target, dates), so
nothing here can show a value, a link or a date the viewer may not see. Nested and
adjacent entities follow yente: the entities an entity points at and those pointing
at it, and, for an entity in between (a Sanction, an Ownership, a Payment), what it
points at on its other side.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import replace
from typing import Any

from followthemoney import model, registry

from watchkeeper.investigations.resolver import Resolution, ResolvedReader
from watchkeeper.model.origin import OriginView, timestamp
from watchkeeper.screening.index import Index, visible
from watchkeeper.store.origin import OriginReader
from watchkeeper.store.reader import EntityView, Reader

Json = dict[str, Any]


def _times(view: EntityView) -> tuple[str | None, str | None, str | None]:
    firsts = [s.statement.first_seen for s in view.statements if s.statement.first_seen]
    lasts = [s.statement.last_seen for s in view.statements if s.statement.last_seen]
    changes = firsts + [s.ended_at for s in view.statements if s.ended_at]
    return (
        timestamp(min(firsts)) if firsts else None,
        timestamp(max(lasts)) if lasts else None,
        timestamp(max(changes)) if changes else None,
    )


def _union(a: OriginView, b: OriginView) -> OriginView:
    """What FtM exports said of two members of one canonical entity, together."""

    def pick(x: str | None, y: str | None, most: bool) -> str | None:
        both = [v for v in (x, y) if v]
        return (max(both) if most else min(both)) if both else None

    return replace(
        a,
        datasets=a.datasets | b.datasets,
        referents=a.referents | b.referents,
        target=True if a.target or b.target else a.target if a.target is not None else b.target,
        first_seen=pick(a.first_seen, b.first_seen, most=False),
        last_seen=pick(a.last_seen, b.last_seen, most=True),
        last_change=pick(a.last_change, b.last_change, most=True),
    )


class Renderer:
    """Entities as one viewer may see them; with a ``resolution``, the members of a
    cluster are one canonical entity (``wkc-…``, its members as ``referents``), as the
    investigations' resolver reads them for that viewer."""

    def __init__(
        self,
        reader: Reader,
        index: Index | None = None,
        resolution: Resolution | None = None,
        kept: dict[Hashable, Any] | None = None,
    ) -> None:
        """``kept``: views and shallow entities already made for this same reader, index
        and resolution (``service.Caller.renderer`` keeps one per read state), filled
        as entities are read; without it, each is read again."""
        self.kept: dict[Hashable, Any] = kept if kept is not None else {}
        self.resolution = resolution if resolution is not None and resolution.members else None
        self.reader: Reader = (
            ResolvedReader(reader, self.resolution) if self.resolution is not None else reader
        )
        self.origins = OriginReader(reader)
        self.index = index
        self.marking_ids = frozenset(reader.marking_ids)

    def members(self, entity_id: str) -> tuple[str, ...]:
        """The list entries behind an id: a canonical entity's members, or the id."""
        if self.resolution is None:
            return (entity_id,)
        return self.resolution.members.get(entity_id, (entity_id,))

    def canonical_of(self, entity_id: str) -> str:
        return self.resolution.of(entity_id) if self.resolution is not None else entity_id

    # -- one level ------------------------------------------------------------------------

    def views(self, ids: Iterable[str]) -> dict[str, EntityView]:
        """The entities the viewer may see among ``ids`` (with their ended values)."""
        ids = list(ids)
        kept = self.kept
        wanted = sorted({i for i in ids if ("view", i) not in kept})
        if wanted:
            found = {v.id: v for v in self.reader.entities(wanted, include_ended=True)}
            for entity_id in wanted:  # an id not found is kept as not found
                kept[("view", entity_id)] = found.get(entity_id)
        return self._kept_of("view", ids)

    def _kept_of(self, kind: str, ids: Iterable[str]) -> dict[str, Any]:
        """What ``kept`` holds of ``kind`` for ``ids``, by id (none for the not found)."""
        found = ((i, self.kept.get((kind, i))) for i in ids)
        return {i: value for i, value in found if value is not None}

    def list_ids(self, entity_id: str) -> list[str]:
        if self.index is None:
            return []
        out: dict[str, None] = {}
        for member in self.members(entity_id):
            idx = self.index.by_id.get(member)
            found = visible(self.index.entities[idx], self.marking_ids) if idx is not None else None
            out.update(dict.fromkeys(found.list_ids if found is not None else ()))
        return sorted(out) if len(self.members(entity_id)) > 1 else list(out)

    def shallow(self, view: EntityView, origin: OriginView | None) -> Json:
        first, last, change = _times(view)
        datasets = {s.statement.dataset for s in view.statements if s.ended_at is None}
        referents: list[str] = []
        list_ids = self.list_ids(view.id)
        topics = set(view.entity.get("topics", quiet=True))
        target = bool(list_ids) or bool(topics & registry.topic.RISKS)
        if origin is not None:
            datasets |= origin.datasets
            referents = sorted(origin.referents)
            if origin.target is not None:
                target = origin.target or target
            first = origin.first_seen or first
            last = origin.last_seen or last
            change = origin.last_change or change
        if len(self.members(view.id)) > 1:  # a canonical entity: its list entries
            referents = sorted({*referents, *self.members(view.id)})
        return {
            "id": view.id,
            "caption": view.caption,
            "schema": view.schema,
            "properties": {p: sorted(v) for p, v in view.entity.properties.items()},
            "datasets": sorted(datasets),
            "referents": referents,
            "target": target,
            "first_seen": first,
            "last_seen": last,
            "last_change": change,
            "list_ids": list_ids,
        }

    def entities(self, ids: Sequence[str]) -> dict[str, Json]:
        """Shallow entities (links as ids), by id, of those the viewer may see. The
        dictionaries may be shared with other requests (``kept``): never change them."""
        kept = self.kept
        views = self.views([i for i in ids if ("shallow", i) not in kept])
        wanted = {member: i for i in views for member in self.members(i)}
        found = self.origins.origins(list(wanted))
        origins: dict[str, OriginView] = {}
        for member, origin in sorted(found.items()):
            cid = wanted[member]
            origins[cid] = origin if cid not in origins else _union(origins[cid], origin)
        for entity_id, view in views.items():
            kept[("shallow", entity_id)] = self.shallow(view, origins.get(entity_id))
        return self._kept_of("shallow", ids)

    # -- nested and adjacent --------------------------------------------------------------

    def adjacency(self, root: EntityView) -> dict[str, list[tuple[str, str | None]]]:
        """Per property of ``root`` (forward or reverse), the adjacent entity ids, each
        with the property on its far side to expand (for an entity in between)."""
        out: dict[str, list[tuple[str, str | None]]] = {}
        schema = root.entity.schema
        for prop_name, values in root.entity.properties.items():
            prop = schema.get(prop_name)
            if prop is None or prop.type != registry.entity:
                continue
            out.setdefault(prop_name, []).extend((v, None) for v in sorted(values))
        for other in self.reader.referencing(root.id):
            for prop_name, values in other.entity.properties.items():
                prop = other.entity.schema.get(prop_name)
                if prop is None or prop.type != registry.entity or root.id not in values:
                    continue
                if prop.reverse is None or not schema.is_a(prop.range or schema):
                    continue
                reverse = prop.reverse.name
                if schema.get(reverse) is None:
                    continue
                out.setdefault(reverse, []).append((other.id, prop_name))
        for prop_name, items in out.items():
            out[prop_name] = sorted(dict.fromkeys(items), key=lambda item: item[0])
        return out

    def expand(self, root_id: str, items: Iterable[tuple[str, str | None]]) -> list[str | Json]:
        """Adjacent entities in full; an entity in between (not a Thing) also carries
        the entities on its other side, and the root as an id."""
        items = list(items)
        found = self.entities([i for i, _ in items])
        beyond: list[str] = []
        for entity_id, _ in items:
            data = found.get(entity_id)
            if data is None or model.get(data["schema"]).is_a("Thing"):  # type: ignore[union-attr]
                continue
            beyond.extend(self._far_ids(data, root_id))
        far = self.entities(beyond)
        out: list[str | Json] = []
        for entity_id, _ in items:
            data = found.get(entity_id)
            if data is None:
                continue  # not visible: the link was not shown either
            if not model.get(data["schema"]).is_a("Thing"):  # type: ignore[union-attr]
                data = self._nest_far(data, root_id, far)
            out.append(data)
        return out

    @staticmethod
    def _far_ids(data: Json, root_id: str) -> list[str]:
        schema = model.get(data["schema"])
        ids: list[str] = []
        for prop_name, values in data["properties"].items():
            prop = schema.get(prop_name) if schema else None
            if prop is not None and prop.type == registry.entity:
                ids.extend(v for v in values if isinstance(v, str) and v != root_id)
        return ids

    @staticmethod
    def _nest_far(data: Json, root_id: str, far: dict[str, Json]) -> Json:
        schema = model.get(data["schema"])
        props: dict[str, list[Any]] = {}
        for prop_name, values in data["properties"].items():
            prop = schema.get(prop_name) if schema else None
            if prop is None or prop.type != registry.entity:
                props[prop_name] = values
                continue
            props[prop_name] = [
                v if v == root_id else far[v] for v in values if v == root_id or v in far
            ]
        return {**data, "properties": props}

    def nested(self, root: EntityView) -> Json:
        """``root`` with its adjacent entities in place of their ids (yente's
        ``nested=true``)."""
        data = self.entities([root.id])[root.id]
        adjacency = self.adjacency(root)
        props = {k: v for k, v in data["properties"].items() if k not in adjacency}
        for prop_name, items in adjacency.items():
            expanded = self.expand(root.id, items)
            if expanded:
                props[prop_name] = expanded
        return {**data, "properties": props}
