"""Analyst entry: create or edit an entity, an event, a relationship or a source, with
grading (source reliability A–F, information credibility 1–6) and marking (TLP, REL TO,
recipients; the originator is always the analyst's organisation), validated here on the
server. History is kept (``store.entry``): each change is a write with its own source
naming who and when; a changed or removed value is end-dated, never deleted.

Re-marking and retracting a statement have their form here; the action is the store's
``remark``/``retract`` (only values the user's organisation owns, with a reason, recorded in
the statement audit and in the workbench's audit trail).
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from followthemoney import StatementEntity, model
from starlette.datastructures import FormData

from watchkeeper.errors import InputError, NotFound
from watchkeeper.importers.base import make_entity
from watchkeeper.model.grading import Credibility, Reliability
from watchkeeper.model.marking import Marking
from watchkeeper.model.sectors import sectors
from watchkeeper.model.source import Source
from watchkeeper.store import entry as entries
from watchkeeper.store.accounts import User
from watchkeeper.web.auth import csrf_protect, require
from watchkeeper.web.i18n import N_
from watchkeeper.web.pages import nav, render
from watchkeeper.web.workbench import Ctx, ctx

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
nav("/entry", N_("Analyst entry"), role="analyst", order=70)

Analyst = Annotated[User, Depends(require("analyst"))]
ENTITY_SCHEMATA = (
    "Person",
    "Company",
    "Organization",
    "LegalEntity",
    "PublicBody",
    "Vessel",
    "Airplane",
    "Address",
)
LINK_TYPES = {
    "UnknownLink": ("subject", "object"),
    "Ownership": ("owner", "asset"),
    "Directorship": ("director", "organization"),
    "Employment": ("employee", "employer"),
    "Representation": ("agent", "client"),
    "Associate": ("person", "associate"),
    "Family": ("person", "relative"),
}
TLPS = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")
NAMED_RECIPIENTS = ("AMBER", "AMBER+STRICT", "RED")
"""The TLPs seen outside the originator only by the recipients named (design.md)."""
MAX_ROWS = 8
DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _text(form: FormData, name: str, limit: int = 2000) -> str:
    value = form.get(name)
    text = value.strip() if isinstance(value, str) else ""
    if len(text) > limit:
        raise InputError(name, f"{len(text):,} characters (limit {limit:,})")
    return text


def marking_from(form: FormData, organisation: str) -> Marking:
    tlp = _text(form, "tlp", 20) or "CLEAR"
    if tlp not in TLPS:
        raise InputError("tlp", f"one of {', '.join(TLPS)}", tlp)
    rel_to = _text(form, "rel_to", 400) or None
    recipients = _text(form, "recipients", 1000) or None
    if tlp in NAMED_RECIPIENTS and recipients is None:
        # From AMBER up only the named recipients may see it: without them, nobody
        # outside the organisation would, which the form says is a mistake.
        raise InputError(
            "recipients",
            f"TLP:{tlp} needs its recipients (organisations)",
            template="TLP:{tlp} needs its recipients (organisations)",
            tlp=tlp,
        )
    return Marking.make(tlp, rel_to, organisation, recipients)


def credibility_from(form: FormData) -> int:
    return int(Credibility.parse(_text(form, "credibility", 2) or "6"))


def check_date(name: str, value: str) -> str:
    if value and not DATE.match(value):
        raise InputError(
            name,
            "a date as YYYY, YYYY-MM or YYYY-MM-DD",
            value,
            template="a date as YYYY, YYYY-MM or YYYY-MM-DD",
        )
    return value


def _add(entity: StatementEntity, prop: str, value: str) -> None:
    """Add a value, refusing what FtM's type would clean away or the schema lacks."""
    if not value:
        return
    if entity.schema.get(prop) is None:
        raise InputError(prop, f"{entity.schema.name} has no property {prop!r}")
    before = len(entity.get(prop))
    entity.add(prop, value)
    if len(entity.get(prop)) == before and value not in entity.get(prop):
        raise InputError(prop, f"not a valid {entity.schema.get(prop).type.name}", value)  # type: ignore[union-attr]


def visible_ids(c: Ctx, ids: list[str], field: str) -> list[str]:
    for entity_id in ids:
        if c.reader.entity(entity_id, include_ended=False) is None:
            raise InputError(
                field, f"no entity {entity_id!r}", template="no entity {id}", id=entity_id
            )
    return ids


def citation(c: Ctx, form: FormData, marking: Marking, title: str) -> tuple[Source, Source | None]:
    """The entry's own source (who, when), and the cited source when one is chosen."""
    own = entries.entry_source(
        c.user.organisation, c.user.username, f"Analyst entry: {title}"[:500], marking=marking
    )
    cited_id = _text(form, "cite", 255)
    if not cited_id:
        return own, None
    found = c.reader.source(cited_id)
    if found is None or found["dataset"] != entries.DATASET:
        raise InputError("cite", f"no source {cited_id!r} to cite")
    cited = Source(
        id=found["id"],
        dataset=found["dataset"],
        kind=found["kind"],
        title=found["title"],
        publisher=found["publisher"],
        reliability=Reliability.parse(found["reliability"]),
        url=found["url"],
        published=found["published"],
        retrieved=found["retrieved"],
        marking=Marking.make("CLEAR"),  # not used: the stored source keeps its own
    )
    return own, cited


def _id(prefix: str, name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "item"
    return f"wk-{prefix}-{slug}-{uuid.uuid4().hex[:8]}"


def _form_context(c: Ctx, **extra: Any) -> dict[str, Any]:
    citable = [s for s in c.reader.sources() if s["dataset"] == entries.DATASET]
    return {
        "schemata": ENTITY_SCHEMATA,
        "link_types": list(LINK_TYPES),
        "sectors": sorted(sectors().values(), key=lambda s: s.label),
        "tlps": TLPS,
        "reliabilities": [(r.name, r.value) for r in Reliability],
        "credibilities": [(cr.value, cr.name.replace("_", " ").lower()) for cr in Credibility],
        "citable": citable,
        "rows": range(MAX_ROWS),
        **extra,
    }


def _property_rows(form: FormData) -> list[tuple[str, str]]:
    rows = []
    for i in range(MAX_ROWS):
        prop, value = _text(form, f"prop{i}", 64), _text(form, f"value{i}")
        if prop and value:
            rows.append((prop, value))
    return rows


def _done(c: Ctx, entity_id: str, action: str, detail: str) -> Response:
    c.audit(action, entity_id, detail)
    c.bench.suggestions.refresh()
    return RedirectResponse("/entity/" + quote(entity_id, safe="/"), status_code=303)


@router.get("/entry", response_class=HTMLResponse)
def entry_page(c: Annotated[Ctx, Depends(ctx)], _a: Analyst) -> HTMLResponse:
    return render(c.request, "entry.html", **_form_context(c))


@router.post("/entry/entity")
async def create_entity(c: Annotated[Ctx, Depends(ctx)], _a: Analyst) -> Response:
    form = await c.request.form()
    schema = _text(form, "schema", 64)
    if schema not in ENTITY_SCHEMATA:
        raise InputError("schema", f"one of {', '.join(ENTITY_SCHEMATA)}", schema)
    name = _text(form, "name", 500)
    if not name:
        raise InputError("name", "a name is required", template="a name is required")
    entity = make_entity(schema, _id(schema.lower(), name), entries.DATASET)
    _add(entity, "name", name)
    for prop, value in _property_rows(form):
        if model.get(schema).get(prop) and model.get(schema).get(prop).type.name == "entity":  # type: ignore[union-attr]
            visible_ids(c, [value], prop)
        _add(entity, prop, value)
    marking = marking_from(form, c.user.organisation)
    own, cited = citation(c, form, marking, name)
    entries.write_entities(c.store, own, [entity], marking, credibility_from(form), cited)
    return _done(c, str(entity.id), "entry_created", f"{schema} {name!r} ({marking.key})")


@router.post("/entry/event")
async def create_event(c: Annotated[Ctx, Depends(ctx)], _a: Analyst) -> Response:
    form = await c.request.form()
    title = _text(form, "title", 500)
    if not title:
        raise InputError("title", "a title is required", template="a title is required")
    date = check_date("date", _text(form, "date", 10))
    if not date:
        raise InputError("date", "a date is required")
    end = check_date("end", _text(form, "end", 10))
    sector = _text(form, "sector", 32)
    if sector not in sectors():
        raise InputError("sector", f"one of {', '.join(sorted(sectors()))}", sector)
    involved = [i.strip() for i in _text(form, "involved", 4000).split(",") if i.strip()]
    visible_ids(c, involved, "involved")
    event = make_entity("Event", _id("event", title), entries.DATASET)
    _add(event, "name", title)
    _add(event, "date", date)
    _add(event, "startDate", date)
    _add(event, "endDate", end)
    _add(event, "summary", _text(form, "summary", 4000))
    _add(event, "location", _text(form, "location", 500))
    event.add("keywords", sector)
    for entity_id in involved:
        event.add("involved", entity_id, cleaned=True)
    marking = marking_from(form, c.user.organisation)
    own, cited = citation(c, form, marking, title)
    entries.write_entities(c.store, own, [event], marking, credibility_from(form), cited)
    return _done(c, str(event.id), "entry_created", f"Event {title!r} {date} ({marking.key})")


@router.post("/entry/relationship")
async def create_relationship(c: Annotated[Ctx, Depends(ctx)], _a: Analyst) -> Response:
    form = await c.request.form()
    kind = _text(form, "kind", 32)
    if kind not in LINK_TYPES:
        raise InputError("kind", f"one of {', '.join(LINK_TYPES)}", kind)
    left, right = LINK_TYPES[kind]
    a, b = _text(form, "left", 255), _text(form, "right", 255)
    if not a or not b:
        raise InputError("relationship", "both ends are required")
    visible_ids(c, [a, b], "relationship")
    link = make_entity(kind, _id(kind.lower(), f"{a}-{b}"), entries.DATASET)
    link.add(left, a, cleaned=True)
    link.add(right, b, cleaned=True)
    role = _text(form, "role", 500)
    if role and link.schema.get("role"):
        _add(link, "role", role)
    _add(link, "startDate", check_date("start", _text(form, "start", 10)))
    marking = marking_from(form, c.user.organisation)
    own, cited = citation(c, form, marking, f"{kind} {a} {b}")
    entries.write_entities(c.store, own, [link], marking, credibility_from(form), cited)
    return _done(c, a, "entry_created", f"{kind} {a} -> {b} ({marking.key})")


@router.post("/entry/source")
async def create_source(c: Annotated[Ctx, Depends(ctx)], _a: Analyst) -> Response:
    form = await c.request.form()
    title = _text(form, "title", 500)
    publisher = _text(form, "publisher", 500)
    if not title or not publisher:
        raise InputError("source", "a title and a publisher are required")
    url = _text(form, "url", 2000)
    if url and not url.startswith(("http://", "https://")):
        raise InputError("url", "an http(s) address", url)
    published = check_date("published", _text(form, "published", 10))
    reliability = Reliability.parse(_text(form, "reliability", 1) or "F")
    marking = marking_from(form, c.user.organisation)
    source = entries.entry_source(
        c.user.organisation,
        c.user.username,
        title,
        publisher=publisher,
        reliability=reliability,
        url=url,
        published=published,
        marking=marking,
        kind="report",
    )
    entries.register_source(c.store, source)
    c.audit("source_created", source.id, f"{title!r} {reliability.name} ({marking.key})")
    return RedirectResponse("/sources", status_code=303)


# -- editing: values added, the organisation's own values ended ------------------------------


def own_values(c: Ctx, entity_id: str) -> list[dict[str, Any]]:
    view = c.reader.entity(entity_id, include_ended=False)
    if view is None:
        raise NotFound(f"no entity {entity_id!r}", template="no entity {id}", id=entity_id)
    return [
        {
            "id": sv.statement.id,
            "prop": sv.statement.prop,
            "value": sv.statement.value,
            "marking": sv.marking.key,
        }
        for sv in view.statements
        if entries.entered_by(sv.source_id, c.user.organisation) and sv.statement.prop != "id"
    ]


EntityId = Annotated[str, Path(max_length=255)]


@router.get("/entry/entity/{entity_id:path}", response_class=HTMLResponse)
def edit_page(c: Annotated[Ctx, Depends(ctx)], _a: Analyst, entity_id: EntityId) -> HTMLResponse:
    view = c.reader.entity(entity_id, include_ended=False)
    if view is None:
        raise NotFound(f"no entity {entity_id!r}", template="no entity {id}", id=entity_id)
    props = sorted(
        p.name for p in view.entity.schema.properties.values() if not p.stub and not p.hidden
    )
    return render(
        c.request,
        "edit.html",
        **_form_context(c, entity=view, own=own_values(c, entity_id), props=props),
    )


@router.post("/entry/entity/{entity_id:path}")
async def edit_entity(
    c: Annotated[Ctx, Depends(ctx)], _a: Analyst, entity_id: EntityId
) -> Response:
    form = await c.request.form()
    view = c.reader.entity(entity_id, include_ended=False)
    if view is None:
        raise NotFound(f"no entity {entity_id!r}", template="no entity {id}", id=entity_id)
    own = {v["id"] for v in own_values(c, entity_id)}
    ended = [str(i) for i in form.getlist("end") if str(i) in own]
    rows = _property_rows(form)
    if not rows and not ended:
        raise InputError("edit", "nothing to add or end")
    marking = marking_from(form, c.user.organisation)
    own_source, cited = citation(c, form, marking, f"edit of {view.caption}")
    if rows:
        entity = make_entity(view.schema, entity_id, entries.DATASET)
        for prop, value in rows:
            prop_def = entity.schema.get(prop)
            if prop_def is not None and prop_def.type.name == "entity":
                visible_ids(c, [value], prop)
            _add(entity, prop, value)
        entries.write_entities(
            c.store, own_source, [entity], marking, credibility_from(form), cited
        )
    if ended:
        change = entries.entry_source(
            c.user.organisation,
            c.user.username,
            f"Analyst edit: {view.caption}"[:500],
            marking=marking,
        )
        entries.end_values(c.store, change, c.user.organisation, entity_id, ended)
    detail = f"{len(rows)} value(s) added, {len(ended)} ended ({marking.key})"
    return _done(c, entity_id, "entry_edited", detail)


# -- re-marking and retracting (issue 10) -----------------------------------------------------


@router.get("/entry/statement/{statement_id}", response_class=HTMLResponse)
def statement_page(
    c: Annotated[Ctx, Depends(ctx)],
    _a: Analyst,
    statement_id: Annotated[str, Path(max_length=64)],
    entity: Annotated[str, Query(max_length=255)] = "",
) -> HTMLResponse:
    view = c.reader.entity(entity) if entity else None
    found = next(
        (s for s in (view.statements if view else []) if s.statement.id == statement_id), None
    )
    if found is None:
        raise NotFound(
            f"no statement {statement_id!r}", template="no statement {id}", id=statement_id
        )
    # the form only for a value the user's organisation may correct (as the POST checks)
    c.store.owned_statements(c.viewer, [statement_id], c.bench.service.settings.organisation)
    return render(
        c.request,
        "statement.html",
        **_form_context(c, sv=found, entity_id=entity),
    )


@router.post("/entry/statement/{statement_id}")
async def correct_statement(
    c: Annotated[Ctx, Depends(ctx)],
    _a: Analyst,
    statement_id: Annotated[str, Path(max_length=64)],
) -> Response:
    """Re-mark a value (who may see it, history included) or retract it (from every view),
    as ``watchkeeper remark`` / ``retract``: only a value the user's organisation owns,
    with a reason, recorded in the statement audit and the workbench's audit trail."""
    form = await c.request.form()
    action = _text(form, "action", 16)
    reason = _text(form, "reason", 2000)
    entity_id = _text(form, "entity", 255)
    if action not in ("remark", "retract"):
        raise InputError("action", "remark or retract", action)
    if not reason:
        raise InputError("reason", "a reason is required", template="a reason is required")
    owner_org = c.bench.service.settings.organisation
    before = c.store.version()
    if action == "remark":
        marking = marking_from(form, c.user.organisation)
        changed = c.store.remark(
            c.viewer,
            [statement_id],
            marking,
            by=c.user.username,
            reason=reason,
            owner_org=owner_org,
        )
        detail = f"{statement_id} re-marked {marking.key}: {reason}"
    else:
        changed = c.store.retract(
            c.viewer, [statement_id], by=c.user.username, reason=reason, owner_org=owner_org
        )
        detail = f"{statement_id} retracted: {reason}"
    c.bench.service.after_write(before, changed)
    if entity_id and c.bench.store.read(c.viewer).entity(entity_id) is not None:
        return _done(c, entity_id, f"statement_{action}", detail)
    c.audit(f"statement_{action}", statement_id, detail)
    c.bench.suggestions.refresh()
    return RedirectResponse("/", status_code=303)
