"""The Sharing page of an organisation (issue 23, item 7): its partners and which of its
markings reach each of them, a release preview ("what would go to jp-mofa, what is
withheld and why": ``sharing.preview``, the release gate's own computation), the release
itself (a STIX 2.1 bundle or a signed package, through ``sharing.gate.release``) behind
the analyst role and a confirmation step, and the log of what the organisation released
(``store.sharing.releases``: its own releases only).

Everything is read as the user's organisation: a preview shows only what it may see
itself, and the log only what it released.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query
from fastapi.responses import HTMLResponse, Response

from watchkeeper.errors import InputError
from watchkeeper.sharing.gate import Selection, release
from watchkeeper.sharing.preview import Preview, audiences, partners, preview
from watchkeeper.store.accounts import User
from watchkeeper.store.sharing import releases
from watchkeeper.web.auth import csrf_protect, require
from watchkeeper.web.i18n import N_
from watchkeeper.web.limits import MAX_VALUE
from watchkeeper.web.pages import SECURITY_HEADERS, nav, render
from watchkeeper.web.workbench import Ctx, ctx

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
nav("/sharing", N_("Sharing"), order=58)

Analyst = Annotated[User, Depends(require("analyst"))]
Text = Annotated[str, Query(max_length=MAX_VALUE)]
FORMATS = {"stix": "STIX 2.1 bundle", "package": "signed package"}
MEDIA = {"stix": "application/stix+json;version=2.1", "package": "application/zip"}
SUFFIX = {"stix": "json", "package": "wkpkg"}
LOG_SHOWN = 50
# Why a value stays home, as the page says it (``sharing.preview``'s reasons).
REASONS = {
    "not-recipient": N_("TLP:AMBER and up: the partner is not among its recipients"),
    "not-releasable": N_("REL TO: the partner's country is not among the countries named"),
    "not-existing": N_(
        "the partner may see the marking, but not the entity the value belongs to or links to"
    ),
}


@dataclass(frozen=True)
class Asked:
    """The page's choices: a partner and a selection (as ``share export`` takes them)."""

    to: str = ""
    entity: tuple[str, ...] = ()
    dataset: str = ""
    since: str = ""
    query: str = ""
    history: bool = False

    def selection(self) -> Selection:
        return Selection(
            tuple(e for e in self.entity if e),
            self.dataset or None,
            self.since or None,
            self.query or None,
            self.history,
        )

    def params(self) -> list[tuple[str, str]]:
        """The choices as query parameters (for the confirmation's link)."""
        out = [("to", self.to)] + [("entity", e) for e in self.entity if e]
        out += [(k, v) for k, v in (("dataset", self.dataset), ("since", self.since),
                                    ("query", self.query)) if v]  # fmt: skip
        if self.history:
            out.append(("history", "true"))
        return out


def asked(
    to: Text = "",
    entity: Annotated[list[str] | None, Query(max_length=MAX_VALUE)] = None,
    dataset: Text = "",
    since: Text = "",
    query: Text = "",
    history: bool = False,
) -> Asked:
    return Asked(to.strip(), tuple((entity or [])[:20]), dataset.strip(), since.strip(),
                 query.strip(), history)  # fmt: skip


def _preview(c: Ctx, wanted: Asked) -> Preview | None:
    if not wanted.to:
        return None
    return preview(c.store, c.viewer, wanted.to, wanted.selection())


@router.get("/sharing", response_class=HTMLResponse)
def sharing_page(
    c: Annotated[Ctx, Depends(ctx)], wanted: Annotated[Asked, Depends(asked)]
) -> HTMLResponse:
    others = partners(c.store, c.viewer)
    reach = c.answer("sharing audiences", (), lambda: audiences(c.reader, others))
    return render(
        c.request,
        "sharing.html",
        partners=others,
        audiences=reach,
        asked=wanted,
        preview=_preview(c, wanted),
        reasons=REASONS,
        log=releases(c.store, c.viewer.organisation, LOG_SHOWN),
        formats=FORMATS,
    )


@router.get("/sharing/confirm", response_class=HTMLResponse)
def confirm_page(
    c: Annotated[Ctx, Depends(ctx)],
    _user: Analyst,
    wanted: Annotated[Asked, Depends(asked)],
) -> HTMLResponse:
    """The release, once more, before it leaves: to whom, how much, what stays home."""
    if not wanted.to:
        raise InputError(
            "to",
            "choose the partner to release to",
            template=N_("choose the partner to release to"),
        )
    return render(
        c.request,
        "sharing_confirm.html",
        asked=wanted,
        preview=_preview(c, wanted),
        reasons=REASONS,
        formats=FORMATS,
    )


@router.post("/sharing/release")
def release_now(
    c: Annotated[Ctx, Depends(ctx)],
    _user: Analyst,
    to: Annotated[str, Form(min_length=1, max_length=MAX_VALUE)],
    confirm: Annotated[str, Form(max_length=10)] = "",
    kind: Annotated[str, Form(alias="format", max_length=10)] = "stix",
    entity: Annotated[list[str] | None, Form(max_length=MAX_VALUE)] = None,
    dataset: Annotated[str, Form(max_length=MAX_VALUE)] = "",
    since: Annotated[str, Form(max_length=MAX_VALUE)] = "",
    query: Annotated[str, Form(max_length=MAX_VALUE)] = "",
    history: Annotated[bool, Form()] = False,
) -> Response:
    """Release through the gate (recorded in the organisation's log), as a download."""
    if confirm != "yes":
        raise InputError(
            "confirm",
            "tick the confirmation to release",
            template=N_("tick the confirmation to release"),
        )
    if kind not in FORMATS:
        raise InputError("format", f"one of {', '.join(FORMATS)}", kind)
    wanted = Asked(to.strip(), tuple((entity or [])[:20]), dataset, since, query, history)
    wrap = None
    if kind == "package":
        from watchkeeper.sharing.package import pack, signing_key

        key = signing_key(c.bench.service.settings.home)
        target = c.store.organisation(wanted.to).organisation
        sender = c.viewer.organisation

        def wrap(bundle: bytes) -> bytes:
            return pack(bundle, sender, target, key)

    done = release(c.store, c.viewer, wanted.to, wanted.selection(), by=c.user.username,
                   fmt="package" if kind == "package" else "stix-2.1", wrap=wrap)  # fmt: skip
    c.audit("share", done.recipient, f"{FORMATS[kind]}, {len(done.objects)} objects, "
            f"sha256 {done.sha256}, log {done.log_id}")  # fmt: skip
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", done.recipient)[:60]
    headers: dict[str, Any] = dict(SECURITY_HEADERS)
    headers["Content-Disposition"] = (
        f'attachment; filename="release-{done.log_id}-to-{name}.{SUFFIX[kind]}"'
    )
    headers["X-Watchkeeper-Sha256"] = done.sha256
    return Response(done.data, media_type=MEDIA[kind], headers=headers)
