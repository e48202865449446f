"""What a release to a partner would carry, and what it would withhold and why: the
release gate's own computation (``gate.build_bundle`` and its ``GateReader``), shown
before anything leaves (the workbench's Sharing page).

Nothing is recorded here: a preview is not a release. It is read as the releasing
organisation, so it shows only what that organisation may see itself; what the recipient
would not get is each value the releasing organisation sees that the gate's reader (the
recipient's reading, narrowed to the releasing organisation's) leaves out, with the part
of the releasability rule that keeps it back.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from followthemoney.statement.util import BASE_ID

from watchkeeper.model.marking import TLP, Marking, Viewer, may_see
from watchkeeper.sharing.gate import GateReader, Selection, build_bundle, selected
from watchkeeper.sharing.vocab import TLP_BY_ID
from watchkeeper.store import Reader, Store

# Why a value is withheld (the template says each in the user's language).
NOT_RECIPIENT = "not-recipient"
"""TLP:AMBER and up, and the recipient is not among the organisations it was given to."""
NOT_RELEASABLE = "not-releasable"
"""REL TO countries that do not include the recipient's (or it has none)."""
NOT_EXISTING = "not-existing"
"""The recipient may see the value's marking, but not the entity it belongs to or the
entity it links to (the existence rule): the value would name what it may not see."""


@dataclass(frozen=True)
class Released:
    stix_id: str
    kind: str
    name: str
    markings: tuple[str, ...]


@dataclass(frozen=True)
class Withheld:
    """The values of one entity under one marking that stay home, and why."""

    entity_id: str
    caption: str
    marking: str
    reason: str
    props: tuple[str, ...]
    values: int


@dataclass
class Preview:
    releasing: Viewer
    recipient: Viewer
    selection: Selection
    released: list[Released] = field(default_factory=list)
    withheld: list[Withheld] = field(default_factory=list)
    values: int = 0
    size: int = 0
    sha256: str = ""

    @property
    def reasons(self) -> dict[str, int]:
        """How many values are withheld for each reason."""
        out: dict[str, int] = {}
        for item in self.withheld:
            out[item.reason] = out.get(item.reason, 0) + item.values
        return dict(sorted(out.items()))

    @property
    def withheld_values(self) -> int:
        return sum(item.values for item in self.withheld)


def why_withheld(recipient: Viewer, marking: Marking) -> str:
    """The part of the rule (design.md, ``may_see``) that keeps ``marking`` from
    ``recipient``; ``NOT_EXISTING`` when the rule lets it see the marking."""
    if may_see(recipient, marking):
        return NOT_EXISTING
    if marking.rel_to is not None and recipient.country not in marking.rel_to:
        return NOT_RELEASABLE
    return NOT_RECIPIENT


def preview(store: Store, releasing: Viewer, recipient_org: str, selection: Selection) -> Preview:
    """What ``release`` would send ``recipient_org`` of ``selection`` (the same bytes:
    their size and SHA-256 are shown), and every value it would withhold, with why."""
    recipient = store.organisation(recipient_org)
    data, exported = build_bundle(store, releasing, recipient, selection)
    out = Preview(releasing, recipient, selection, size=len(data))
    out.sha256 = hashlib.sha256(data).hexdigest()
    out.values = exported.statements
    for obj in exported.objects:
        markings = tuple(
            f"TLP:{TLP_BY_ID[ref].label}"
            for ref in obj.get("object_marking_refs", [])
            if ref in TLP_BY_ID
        )
        name = str(obj.get("name") or obj.get("relationship_type") or obj["id"])
        out.released.append(Released(obj["id"], obj["type"], name, markings))
    out.released.sort(key=lambda r: (r.kind, r.name, r.stix_id))
    # the gate's reader, as build_bundle made it: what of the selection left
    gate = GateReader(store, recipient, releasing)
    history = selection.history
    left = {
        sv.statement.id for sv in gate.statements(selected(gate, selection), include_ended=history)
    }
    own = store.read(releasing)
    ids = selected(own, selection)
    captions = {view.id: view.caption for view in own.entities(ids, include_ended=history)}
    groups: dict[tuple[str, str, str], list[str]] = {}
    for sv in own.statements(ids, include_ended=history):
        stmt = sv.statement
        if stmt.id in left:
            continue
        key = (stmt.entity_id, sv.marking.key, why_withheld(recipient, sv.governing))
        groups.setdefault(key, []).append(stmt.prop)
    for (entity_id, marking, reason), props in groups.items():
        shown = tuple(sorted(set(props) - {BASE_ID}))
        caption = captions.get(entity_id, entity_id)
        out.withheld.append(Withheld(entity_id, caption, marking, reason, shown, len(props)))
    out.withheld.sort(key=lambda w: (w.caption, w.entity_id, w.marking))
    return out


def partners(store: Store, releasing: Viewer) -> list[Viewer]:
    """Who the releasing organisation may release to: every other registered one."""
    return [v for v in store.organisations() if v.organisation != releasing.organisation]


@dataclass(frozen=True)
class Audience:
    """One marking among what the releasing organisation sees: how many values carry
    it, and for each partner whether the gate would let them reach it (None: the
    marking's recipient list decides, and only its originator is shown that list)."""

    marking: str
    values: int
    reach: tuple[bool | None, ...]


def audiences(reader: Reader, to: list[Viewer]) -> list[Audience]:
    """Each marking of the current values ``reader`` sees, with who of ``to`` it
    reaches (``may_see`` on the whole marking, where the reader is shown it whole)."""
    counts: dict[str, int] = {}
    governing: dict[str, set[Marking]] = {}
    for sv in reader.statements():
        key = sv.marking.key
        counts[key] = counts.get(key, 0) + 1
        governing.setdefault(key, set()).add(sv.governing)
    out = []
    for key in sorted(counts, key=lambda k: (Marking.parse(k).tlp, k)):
        wholes = governing[key]
        reach: list[bool | None] = []
        for partner in to:
            found = {may_see(partner, whole) for whole in wholes}
            whole_known = all(_shown_whole(reader.viewer, w) for w in wholes)
            reach.append(found.pop() if len(found) == 1 and whole_known else None)
        out.append(Audience(key, counts[key], tuple(reach)))
    return out


def _shown_whole(viewer: Viewer, whole: Marking) -> bool:
    """Is ``viewer`` shown ``whole`` as it is (its recipient list is not narrowed)?"""
    return (
        whole.tlp <= TLP.GREEN
        or whole.originator == viewer.organisation
        or whole.recipients <= {viewer.organisation}
    )


__all__ = ["Audience", "Preview", "Released", "Withheld", "audiences", "partners", "preview"]
