"""Rendering the workbench's pages: templates, languages, navigation.

Each router that has a page in the navigation declares it with ``nav(...)`` at import;
the base template lists what the user's role may open. A capability that lands later
(networks, the resolution queue, dossiers) adds its router and its ``nav`` line, and
nothing here changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from markupsafe import Markup

from watchkeeper.maritime.alerts import say
from watchkeeper.model.grading import grade
from watchkeeper.web.auth import LANG_COOKIE, Principal
from watchkeeper.web.i18n import LOCALES, NAMES, negotiate, translations

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class NavItem:
    path: str
    label: str
    """An English msgid (marked with ``N_``), translated when shown."""
    role: str = "viewer"
    order: int = 50


_NAV: dict[str, NavItem] = {}


def nav(path: str, label: str, role: str = "viewer", order: int = 50) -> NavItem:
    """Register a page in the navigation (once per path)."""
    item = NavItem(path, label, role, order)
    _NAV[path] = item
    return item


def nav_items(who: Principal | None) -> list[NavItem]:
    items = sorted(_NAV.values(), key=lambda i: (i.order, i.path))
    if who is None or who.user is None:
        return []
    return [i for i in items if who.user.can(i.role)]


def _json_script(data: Any) -> Markup:
    """Data for a page's script, safe inside <script type="application/json">."""
    text = json.dumps(data, ensure_ascii=False, default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def _with(params: Any, name: str, value: object) -> str:
    """The current query string with ``name`` set (back to the first page)."""
    items = {k: v for k, v in params.items() if k not in (name, "page") and v}
    items[name] = str(value)
    return urlencode(items)


def _without(params: Any, name: str) -> str:
    return urlencode({k: v for k, v in params.items() if k not in (name, "page") and v})


# Translated strings without variables kept per language (``_remembered``), at most this
# many (templates translate a few hundred fixed strings and labels).
REMEMBERED = 4000


def _remembered(gettext: Any) -> Any:
    """Jinja's gettext (new style: the translation, escaped, formatted even without
    variables), remembered for strings without variables: a page translates dozens of
    strings, each time the same, and the formatting cost more than the rest of its
    rendering's work on them."""
    known: dict[str, Any] = {}

    @pass_context
    def remembered(context: Any, string: str, **variables: Any) -> Any:
        if variables or not context.eval_ctx.autoescape:
            return gettext(context, string, **variables)
        found = known.get(string)
        if found is None:
            found = gettext(context, string)
            if len(known) < REMEMBERED:
                known[string] = found
        return found

    return remembered


@cache
def environment(locale: str) -> Environment:
    env = Environment(
        loader=PackageLoader("watchkeeper.web", "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        # compiled once per process: no check of the template files on every render
        auto_reload=False,
    )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.globals["gettext"] = _remembered(env.globals["gettext"])
    env.filters["json_script"] = _json_script
    env.filters["urlencode_with"] = _with
    env.filters["urlencode_without"] = _without
    env.globals["grade"] = grade
    env.globals["say"] = say  # an alert's reason from its (translated) template
    env.globals["locales"] = [(code, NAMES[code]) for code in LOCALES]
    return env


def locale_of(request: Request) -> str:
    who: Principal | None = getattr(request.state, "principal", None)
    preferred = who.user.locale if who is not None and who.user is not None else None
    return negotiate(
        preferred, request.cookies.get(LANG_COOKIE), request.headers.get("accept-language")
    )


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    locale = locale_of(request)
    who: Principal | None = getattr(request.state, "principal", None)
    if who is not None and who.via == "open":
        who = None
    page = environment(locale).get_template(template)
    html = page.render(
        request=request,
        path=request.url.path,
        locale=locale,
        who=who,
        user=who.user if who else None,
        csrf=who.csrf if who else None,
        nav=nav_items(who),
        **context,
    )
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


SECURITY_HEADERS = {
    # Scripts and styles only from this app (Leaflet and ECharts set inline styles);
    # map data and fonts are served here too: nothing is fetched from elsewhere.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
