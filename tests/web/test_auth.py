"""Accounts, sessions, tokens, CSRF and roles, on the real app and store."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tests.web.workspace import PASSWORD, Browser
from watchkeeper.errors import InputError
from watchkeeper.settings import Settings
from watchkeeper.store import open_store
from watchkeeper.store.accounts import Accounts
from watchkeeper.web.app import create_app


def all_routes(app: Any) -> list[APIRoute]:
    """Every route of the app, through FastAPI's included routers."""
    out: list[APIRoute] = []

    def walk(routes: list[Any]) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                out.append(route)
            elif hasattr(route, "original_router"):
                walk(route.original_router.routes)

    walk(app.routes)
    return out


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "wk-vessel-angara", path).replace(
        "/map/wk-vessel-angara", "/map/ports"
    )


def test_unauthenticated_callers_reach_only_the_login_page(shared: Settings) -> None:
    app = create_app(shared)
    client = TestClient(app, base_url="https://testserver")
    routes = all_routes(app)
    assert len(routes) > 30
    for route in routes:
        path = concrete(route.path)
        for method in sorted(route.methods - {"HEAD"}):
            html = client.request(
                method, path, headers={"accept": "text/html"}, follow_redirects=False
            )
            data = client.request(method, path, follow_redirects=False)
            if path.startswith(("/login", "/language", "/healthz")):
                continue
            assert html.status_code in (303, 401), (method, path, html.status_code)
            if html.status_code == 303:
                assert html.headers["location"].startswith("/login")
            assert data.status_code == 401, (method, path, data.status_code)
            assert "angara" not in data.text.lower() and "ANGARA" not in html.text
    assert client.get("/openapi.json").status_code == 401
    assert client.get("/login").status_code == 200


def test_login_sets_a_secure_httponly_samesite_cookie_and_audits(fresh: Settings) -> None:
    browser = Browser(fresh)
    response: Any = browser.login("analyst")
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "wk_session=" in cookie
    for flag in ("Secure", "HttpOnly", "SameSite=lax"):
        assert flag.lower() in cookie.lower()
    page: Any = browser.get("/")
    assert page.status_code == 200 and "Overview" in page.text
    store = open_store(fresh)
    trail = Accounts(store).audit_trail("local")
    assert trail[0]["action"] == "login" and trail[0]["username"] == "analyst"


def test_wrong_password_fails_and_repeated_failures_are_refused(fresh: Settings) -> None:
    browser = Browser(fresh)
    for _ in range(5):
        response: Any = browser.login("analyst", "not the password")
        assert response.status_code == 401
        assert "Wrong user name or password" in response.text
    # the right password, now refused: too many recent failures for this name
    response = browser.login("analyst")
    assert response.status_code == 429
    assert "Too many failed logins" in response.text
    store = open_store(fresh)
    actions = [r["action"] for r in Accounts(store).audit_trail("local")]
    assert actions.count("login_failed") == 5
    # another user is not locked out by it
    assert Browser(fresh).login("viewer").status_code == 303  # type: ignore[attr-defined]


def test_login_form_needs_its_token(fresh: Settings) -> None:
    client = TestClient(create_app(fresh), base_url="https://testserver")
    response = client.post(
        "/login", data={"username": "analyst", "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 403
    assert "wk_session" not in response.headers.get("set-cookie", "")


def test_login_does_not_redirect_off_site(fresh: Settings) -> None:
    client = TestClient(create_app(fresh), base_url="https://testserver")
    page = client.get("/login?next=//evil.example/x")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/login",
        data={
            "username": "analyst",
            "password": PASSWORD,
            "login_token": token,
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_every_form_needs_the_csrf_token(fresh: Settings) -> None:
    browser = Browser(fresh, "admin")
    routes = [
        r for r in all_routes(browser.client.app) if r.methods & {"POST", "PUT", "DELETE", "PATCH"}
    ]
    mine = [
        r for r in routes if not r.path.startswith(("/match", "/decisions", "/login", "/language"))
    ]
    assert len(mine) >= 12
    for route in mine:
        path = concrete(route.path)
        for data in ({}, {"csrf_token": "wrong"}):
            response = browser.client.post(path, data=data, follow_redirects=False)
            assert response.status_code == 403, (path, response.status_code, response.text[:200])
    # JSON requests made with the session cookie need the header, too
    response = browser.client.post(
        "/decisions",
        json={"query_id": "q", "entity_id": "e", "decision": "dismissed", "reason": "x"},
    )
    assert response.status_code == 403


def test_logout_ends_the_session(fresh: Settings) -> None:
    browser = Browser(fresh, "viewer")
    assert browser.get("/").status_code == 200  # type: ignore[attr-defined]
    browser.post("/logout")
    response: Any = browser.get("/", follow_redirects=False)
    assert response.status_code == 303


def test_a_viewer_cannot_edit_decide_or_raise_its_own_role(fresh: Settings) -> None:
    browser = Browser(fresh, "viewer")
    attempts = [
        ("/entry/event", {"title": "x", "date": "2025-01-01", "sector": "shipping"}),
        ("/entry/entity", {"schema": "Person", "name": "Someone"}),
        ("/entry/source", {"title": "t", "publisher": "p"}),
        ("/entry/entity/wk-vessel-angara", {"prop0": "notes", "value0": "x"}),
        (
            "/screening/decide",
            {
                "query_id": "q",
                "entity_id": "wk-vessel-angara",
                "decision": "dismissed",
                "reason": "x",
            },
        ),
        ("/admin/users/viewer/role", {"role": "admin"}),
        ("/admin/users", {"username": "another", "password": PASSWORD, "role": "admin"}),
    ]
    for path, data in attempts:
        response: Any = browser.post(path, data)
        assert response.status_code == 403, (path, response.status_code)
    assert browser.get("/entry").status_code == 403  # type: ignore[attr-defined]
    assert browser.get("/admin/users").status_code == 403  # type: ignore[attr-defined]
    store = open_store(fresh)
    assert Accounts(store).user("viewer").role == "viewer"
    assert Accounts(store).find("another") is None
    # the screening API's decisions need the analyst role too
    response = browser.client.post(
        "/decisions",
        json={
            "query_id": "q",
            "entity_id": "wk-vessel-angara",
            "decision": "dismissed",
            "reason": "x",
        },
        headers={"x-csrf-token": browser.csrf},
    )
    assert response.status_code == 403


def test_an_admin_manages_only_its_own_organisation(fresh: Settings) -> None:
    Browser(fresh, "analyst")  # a login of the local organisation, for the trail
    browser = Browser(fresh, "kr-admin")
    response: Any = browser.post("/admin/users/analyst/role", {"role": "viewer"})
    assert response.status_code == 404  # as for no user at all (test_security.py)
    response = browser.post(
        "/admin/users", {"username": "kr-new", "password": PASSWORD, "role": "analyst"}
    )
    assert response.status_code == 303
    page: Any = browser.get("/admin/users")
    assert "kr-new" in page.text and "kr-liaison" in page.text
    assert "<tr><td>analyst</td>" not in page.text  # the local organisation's user
    store = open_store(fresh)
    assert Accounts(store).user("kr-new").organisation == "kr-mofa"
    assert Accounts(store).user("analyst").role == "analyst"
    audit: Any = browser.get("/admin/audit")
    assert "user_added" in audit.text and "kr-new" in audit.text
    # the local organisation's logins are not in the Korean admin's trail
    assert "<td>analyst</td>" not in audit.text


def test_api_tokens_act_as_their_user(fresh: Settings) -> None:
    store = open_store(fresh)
    token = Accounts(store).create_token("kr-viewer", "script")
    client = TestClient(create_app(fresh), base_url="https://testserver")
    me = client.get("/api/me", headers={"authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json() == {
        "username": "kr-viewer",
        "organisation": "kr-mofa",
        "country": "KOR",
        "role": "viewer",
        "locale": None,
    }
    # the screening API answers as the token's organisation
    hit = client.get(
        "/search/default?q=NIGHTJAR&schema=Vessel", headers={"authorization": f"Bearer {token}"}
    )
    assert hit.status_code == 200 and hit.json()["results"] == []
    bad = client.get("/api/me", headers={"authorization": f"Bearer {token}x"})
    assert bad.status_code == 401
    token_id = token.split("_")[1]
    # revoked through the server's own accounts: refused at once (from another process:
    # within auth.PRINCIPAL_TTL, see the tests below)
    client.app.state.workbench.accounts.revoke_token("kr-viewer", token_id)  # type: ignore[attr-defined]
    assert client.get("/api/me", headers={"authorization": f"Bearer {token}"}).status_code == 401


def test_accounts_refuse_bad_input(fresh: Settings) -> None:
    accounts = Accounts(open_store(fresh))
    with pytest.raises(InputError, match="at least 10"):
        accounts.add_user("short", "local", "viewer", "short", "tests")
    with pytest.raises(InputError, match="role"):
        accounts.add_user("someone", "local", "boss", PASSWORD, "tests")
    with pytest.raises(InputError, match="username"):
        accounts.add_user("Not A Name!", "local", "viewer", PASSWORD, "tests")
    with pytest.raises(Exception, match="unknown organisation"):
        accounts.add_user("someone", "nowhere", "viewer", PASSWORD, "tests")
    assert accounts.find("someone") is None


def test_without_accounts_the_screening_api_keeps_its_local_mode(tmp_path: Any) -> None:
    """No account yet: the screening API answers as the workspace (as before the
    workbench); the workbench's pages still need a login, which says how to make one."""
    from watchkeeper.settings import load_settings

    settings = load_settings({"WATCHKEEPER_HOME": str(tmp_path / "home")})
    client = TestClient(create_app(settings), base_url="https://testserver")
    assert client.get("/search/default?q=x").status_code == 200
    assert client.get("/entities/nothing").status_code == 404
    page = client.get("/", headers={"accept": "text/html"}, follow_redirects=False)
    assert page.status_code == 303
    assert client.get("/api/me").status_code == 401
    login = client.get("/login")
    assert "no accounts yet" in login.text and "watchkeeper user add" in login.text


def test_account_changes_through_the_server_apply_to_the_next_request(fresh: Settings) -> None:
    """The guard keeps resolved callers a moment (auth.PRINCIPAL_TTL); a change made
    through the same process is seen at once all the same."""
    client = TestClient(create_app(fresh), base_url="https://testserver")
    accounts: Accounts = client.app.state.workbench.accounts  # type: ignore[attr-defined]
    store = accounts.store
    token = accounts.create_token("kr-viewer", "script")
    bearer = {"authorization": f"Bearer {token}"}
    assert client.get("/api/me", headers=bearer).json()["country"] == "KOR"  # cached now
    # the organisation's country decides what it sees: a change is the next request's
    store.update_organisation("kr-mofa", "JPN", by="test", reason="moved")
    assert client.get("/api/me", headers=bearer).json()["country"] == "JPN"
    accounts.set_role("kr-viewer", "analyst")
    assert client.get("/api/me", headers=bearer).json()["role"] == "analyst"
    accounts.set_disabled("kr-viewer", True)
    assert client.get("/api/me", headers=bearer).status_code == 401
    accounts.set_disabled("kr-viewer", False)
    assert client.get("/api/me", headers=bearer).status_code == 200
    accounts.revoke_token("kr-viewer", token.split("_")[1])
    assert client.get("/api/me", headers=bearer).status_code == 401
    # a session ended by its logout is refused at once too
    browser = Browser(fresh, "viewer")
    assert browser.client.get("/api/me").status_code == 200
    browser.post("/logout")
    assert browser.client.get("/api/me").status_code == 401


def test_a_change_made_elsewhere_applies_within_the_principal_ttl(
    fresh: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process (the CLI, another worker) changes accounts through its own store:
    this process resolves the caller again once PRINCIPAL_TTL has passed."""
    from watchkeeper.web import auth

    client = TestClient(create_app(fresh), base_url="https://testserver")
    elsewhere = Accounts(open_store(fresh))
    token = elsewhere.create_token("kr-viewer", "script")
    bearer = {"authorization": f"Bearer {token}"}
    assert client.get("/api/me", headers=bearer).status_code == 200
    elsewhere.revoke_token("kr-viewer", token.split("_")[1])
    monkeypatch.setattr(auth, "PRINCIPAL_TTL", 0.0)  # the time has passed
    assert client.get("/api/me", headers=bearer).status_code == 401
