"""The designation dossier of an entity (``investigations.dossier``: identity, list
entries, paths to designated entities, events, AIS detections, decisions, judgments,
sources), built for the user's organisation from what it may see: shown in the page, and
downloaded as PDF, HTML or JSON (``watchkeeper dossier -o FILE``), each download an
export in the audit trail."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from watchkeeper.errors import InputError
from watchkeeper.investigations import dossier
from watchkeeper.investigations.network import MAX_HOPS
from watchkeeper.web.auth import csrf_protect
from watchkeeper.web.workbench import Ctx, ctx

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

EntityId = Annotated[str, Path(max_length=255)]
Hops = Annotated[int, Query(description="Paths to designated entities up to this length.")]
Format = Annotated[str, Query(alias="format", max_length=10)]
MEDIA = {"pdf": "application/pdf", "html": "text/html; charset=utf-8", "json": "application/json"}
BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S)


def _build(c: Ctx, entity_id: str, max_hops: int) -> dict[str, Any]:
    if not 0 <= max_hops <= MAX_HOPS:
        raise InputError("max_hops", f"from 0 to {MAX_HOPS}, got {max_hops}")
    return dossier.build(c.store, c.reader, entity_id, max_hops)


# An id may contain '/' (the path converter): the routes with a suffix come first.
@router.get("/dossier/{entity_id:path}/download")
def dossier_download(
    c: Annotated[Ctx, Depends(ctx)],
    entity_id: EntityId,
    kind: Format = "pdf",
    max_hops: Hops = 4,
) -> Response:
    """The dossier as a file: PDF (WeasyPrint), HTML or JSON."""
    if kind not in MEDIA:
        raise InputError("format", f"one of {', '.join(MEDIA)}", kind)
    data = _build(c, entity_id, max_hops)
    with tempfile.TemporaryDirectory(prefix="wk-dossier-") as folder:
        output = FilePath(folder) / f"dossier.{kind}"
        dossier.write(data, output)  # as `watchkeeper dossier -o FILE`
        content = output.read_bytes()
    entity = data["entity"]["id"]
    c.audit("export", entity, f"dossier {kind.upper()}, paths up to {max_hops} links")
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", entity)[:80]
    return Response(
        content,
        media_type=MEDIA[kind],
        headers={
            "Content-Disposition": f'attachment; filename="dossier-{name}.{kind}"',
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
        },
    )


@router.get("/dossier/{entity_id:path}", response_class=HTMLResponse)
def dossier_page(
    c: Annotated[Ctx, Depends(ctx)], entity_id: EntityId, max_hops: Hops = 4
) -> HTMLResponse:
    # Kept while the viewer's read state and its organisation's decision log stay the
    # same (the dossier lists the decisions; deciding does not move the read state).
    decided = c.store.decisions_mark(c.viewer.organisation)
    data = c.answer(
        "dossier", (entity_id, max_hops, decided), lambda: _build(c, entity_id, max_hops)
    )

    def context() -> dict[str, Any]:
        html = dossier.render_html(data)  # autoescaped by the dossier's own template
        found = BODY.search(html)
        return {
            "d": data,
            "body": Markup(found.group(1) if found else ""),
            "max_hops": max_hops,
            "formats": tuple(MEDIA),
        }

    return c.page("dossier.html", (data,), context)
