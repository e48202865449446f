"""The web security review (issue 25, items 14, 16 and 17): the lockout per user name and
address, the client address behind proxies, the password check, what an admin learns of
other organisations, the headers of every answer, the API pages, and ids with '/'."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.helpers import entity, source, write
from tests.web.workspace import PASSWORD, Browser
from watchkeeper.errors import ConfigError
from watchkeeper.settings import Settings, load_settings
from watchkeeper.store import Store, open_store
from watchkeeper.store.accounts import FAILURES_FREE, Accounts, TooManyAttempts, backoff
from watchkeeper.web.app import create_app


def client_at(settings: Settings, address: str) -> TestClient:
    """A browser at ``address`` (the connection's own address)."""
    return TestClient(create_app(settings), base_url="https://testserver", client=(address, 4000))


def log_in(client: TestClient, username: str, password: str = PASSWORD) -> int:
    page = client.get("/login")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert token, page.text
    response = client.post(
        "/login",
        data={"username": username, "password": password, "login_token": token.group(1)},
        follow_redirects=False,
    )
    return response.status_code


def trail(settings: Settings, organisation: str = "local") -> list[dict[str, Any]]:
    return Accounts(open_store(settings)).audit_trail(organisation)


# -- item 14: one form of a user name, everywhere ------------------------------------------


def test_a_locked_name_stays_locked_with_blanks_or_capitals(fresh: Settings) -> None:
    client = client_at(fresh, "10.0.0.1")
    for _ in range(FAILURES_FREE):
        assert log_in(client, "viewer", "not the password") == 401
    # the right password, under the same name written differently: still refused
    for spelling in (" viewer", "VIEWER ", "\tViewer"):
        assert log_in(client, spelling) == 429, spelling
    failures = [r for r in trail(fresh) if r["action"] == "login_failed"]
    assert {r["username"] for r in failures} == {"viewer"}


# -- item 16: lockout per name and address, with back-off ----------------------------------


def test_failures_from_one_address_do_not_lock_the_user_out_elsewhere(fresh: Settings) -> None:
    attacker = client_at(fresh, "10.0.0.66")
    for _ in range(FAILURES_FREE):
        assert log_in(attacker, "analyst", "guessing") == 401
    assert log_in(attacker, "analyst") == 429  # the guesser waits
    response = attacker.get("/login")  # the page itself still answers
    assert response.status_code == 200
    assert log_in(client_at(fresh, "10.0.0.7"), "analyst") == 303  # the user does not


def test_the_wait_doubles_with_each_failure_and_a_login_ends_it(store: Store) -> None:
    """On both engines (the lockout is SQL over the audit trail)."""
    store.add_organisation("local", None)
    accounts = Accounts(store)
    accounts.add_user("analyst", "local", "analyst", PASSWORD, "tests")
    start = datetime.now(UTC)

    def fail() -> None:
        accounts.audit(None, "login_failed", "analyst", "", "10.1.1.1", username="analyst")

    for _ in range(FAILURES_FREE - 1):
        fail()
    accounts.check_attempts("analyst", "10.1.1.1", start)  # four failures: no wait
    fail()
    with pytest.raises(TooManyAttempts) as refused:
        accounts.check_attempts("analyst", "10.1.1.1", start)
    assert 0 < refused.value.retry_after <= 62
    accounts.check_attempts("analyst", "10.1.1.2", start)  # another address: no wait
    accounts.check_attempts("analyst", "10.1.1.1", start + timedelta(seconds=62))
    fail()  # the sixth: two minutes
    with pytest.raises(TooManyAttempts):
        accounts.check_attempts("analyst", "10.1.1.1", start + timedelta(seconds=62))
    accounts.check_attempts("analyst", "10.1.1.1", start + timedelta(seconds=123))
    assert [backoff(n).total_seconds() for n in range(4, 9)] == [0, 60, 120, 240, 480]
    assert backoff(60) == timedelta(hours=12)
    # a successful login there ends the wait
    accounts.audit(accounts.user("analyst"), "login", "analyst", "", "10.1.1.1")
    accounts.check_attempts("analyst", "10.1.1.1", start + timedelta(seconds=1))


def test_an_address_guessing_many_names_is_refused(fresh: Settings) -> None:
    client = client_at(fresh, "10.0.0.99")
    for n in range(20):
        assert log_in(client, f"nobody-{n}", "guessing") == 401
    assert log_in(client, "viewer") == 429
    assert log_in(client_at(fresh, "10.0.0.98"), "viewer") == 303


def test_the_current_password_check_is_limited_and_audited(fresh: Settings) -> None:
    browser = Browser(fresh, "analyst")
    new = "a brand new password"
    for _ in range(FAILURES_FREE):
        response: Any = browser.post("/account/password", {"current": "guess", "new": new})
        assert response.status_code == 400
    response = browser.post("/account/password", {"current": PASSWORD, "new": new})
    assert response.status_code == 429
    actions = [r["action"] for r in trail(fresh) if r["username"] == "analyst"]
    assert actions.count("password_failed") == FAILURES_FREE
    assert "password_set" not in actions
    assert Accounts(open_store(fresh)).authenticate("analyst", PASSWORD) is not None


def test_an_admin_cannot_tell_another_organisations_users_from_no_one(fresh: Settings) -> None:
    browser = Browser(fresh, "kr-admin")
    answers = {}
    for name in ("analyst", "no-such-user"):  # a user of `local`, and no one
        for action, data in (("role", {"role": "viewer"}), ("disable", {})):
            response: Any = browser.post(f"/admin/users/{name}/{action}", data)
            answers[name, action] = (response.status_code, response.text.replace(name, "NAME"))
    for action in ("role", "disable"):
        assert answers["analyst", action] == answers["no-such-user", action]
        assert answers["analyst", action][0] == 404
    accounts = Accounts(open_store(fresh))
    assert accounts.user("analyst").role == "analyst" and not accounts.user("analyst").disabled
    # a name taken anywhere is "not available", whoever holds it
    taken: Any = browser.post("/admin/users", {"username": "analyst", "password": PASSWORD})
    mine: Any = browser.post("/admin/users", {"username": "kr-viewer", "password": PASSWORD})
    assert taken.status_code == mine.status_code == 409
    assert taken.text.replace("analyst", "NAME") == mine.text.replace("kr-viewer", "NAME")


# -- item 16: the client address behind a proxy --------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_served_x_forwarded_for_is_ignored_unless_from_a_named_proxy(fresh: Settings) -> None:
    """`watchkeeper serve` as users run it: a client on this machine cannot choose the
    address that is audited and rate-limited by sending X-Forwarded-For."""
    token = Accounts(open_store(fresh)).create_token("analyst", "script")
    port = _free_port()
    env = {**os.environ, "WATCHKEEPER_HOME": str(fresh.home)}
    env.pop("WATCHKEEPER_TRUSTED_PROXIES", None)
    env.pop("FORWARDED_ALLOW_IPS", None)
    command = [sys.executable, "-m", "watchkeeper.cli", "serve", "--port", str(port)]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(240):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.25)
        response = httpx.post(
            f"http://127.0.0.1:{port}/account/tokens",
            data={"name": "forged"},
            headers={"authorization": f"Bearer {token}", "x-forwarded-for": "203.0.113.9"},
            timeout=30,
        )
        assert response.status_code == 200, response.text[:300]
    finally:
        proc.terminate()
        proc.wait(20)
    created = [r for r in trail(fresh) if r["action"] == "token_created"]
    assert [r["address"] for r in created] == ["127.0.0.1"]


def test_a_named_proxy_forwards_the_client_address(tmp_path: Path, fresh: Settings) -> None:
    env = {"WATCHKEEPER_HOME": str(fresh.home), "WATCHKEEPER_TRUSTED_PROXIES": "10.9.0.0/24"}
    settings = load_settings(env)
    assert settings.trusted_proxies == ("10.9.0.0/24",)
    token = Accounts(open_store(settings)).create_token("analyst", "script")
    headers = {"authorization": f"Bearer {token}", "x-forwarded-for": "198.51.100.4"}
    for address in ("10.9.0.5", "10.8.0.5"):  # the proxy, then a client outside it
        client = client_at(settings, address)
        assert client.post("/account/tokens", data={"name": "x"}, headers=headers).is_success
    created = [r["address"] for r in trail(settings) if r["action"] == "token_created"]
    assert created == ["10.8.0.5", "198.51.100.4"]  # newest first
    with pytest.raises(ConfigError, match="WATCHKEEPER_TRUSTED_PROXIES"):
        load_settings({"WATCHKEEPER_TRUSTED_PROXIES": "proxy.example"})


# -- item 17: headers, the API pages, ids with '/' ------------------------------------------


def test_every_answer_carries_the_security_headers(shared: Settings) -> None:
    browser = Browser(shared, "viewer")
    client = browser.client
    answers = {
        "health": client.get("/healthz"),
        "api": client.get("/api/me"),
        "page": browser.get("/"),
        "static": client.get("/static/app.js"),
        "missing": client.get("/api/entities/no-such-entity"),
        "refused": TestClient(create_app(shared)).get("/api/me"),
    }
    for name, response in answers.items():
        assert response.headers["x-content-type-options"] == "nosniff", name
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"], name
        assert response.headers["x-frame-options"] == "DENY", name
    for name in ("health", "api", "missing", "refused"):
        assert answers[name].headers["content-type"].startswith("application/json")
        assert "no-store" in answers[name].headers["cache-control"], name
    # the pages keep their own, stricter policy (frame-ancestors already in it)
    assert "script-src 'self'" in answers["page"].headers["content-security-policy"]
    # HSTS over TLS only (TestClient's scheme is the base URL's)
    assert "max-age=" in answers["api"].headers["strict-transport-security"]
    assert "strict-transport-security" not in answers["refused"].headers


def test_the_api_pages_are_off_unless_asked_for(shared: Settings) -> None:
    browser = Browser(shared, "viewer")
    for path in ("/docs", "/redoc"):
        assert browser.client.get(path).status_code == 404
    assert browser.client.get("/openapi.json").status_code == 200
    on = load_settings({"WATCHKEEPER_HOME": str(shared.home), "WATCHKEEPER_API_DOCS": "1"})
    assert on.api_docs
    opened = Browser(on, "viewer")
    assert opened.client.get("/docs").status_code == 200
    assert opened.client.get("/redoc").status_code == 200
    assert TestClient(create_app(on)).get("/docs").status_code == 401  # still behind the login
    with pytest.raises(ConfigError, match="WATCHKEEPER_API_DOCS"):
        load_settings({"WATCHKEEPER_API_DOCS": "perhaps"})


SLASHED = "ofac/vessel/9876543"


def test_entities_whose_id_contains_a_slash_open(fresh: Settings) -> None:
    store = open_store(fresh)
    # (FtM refuses such an id as a property's value, so it has no links: it is opened alone)
    ship = entity("Vessel", SLASHED, "slashed", name="SLASHED STAR", imoNumber="9876543")
    write(store, [ship], source("slashed", "2025-01-01"), full_release=False)
    token = Accounts(store).create_token("analyst", "script")
    store.close()
    browser = Browser(fresh, "analyst")
    pages = {
        f"/entity/{SLASHED}": "SLASHED STAR",
        "/entity/ofac%2Fvessel%2F9876543": "SLASHED STAR",  # as scripts encode it
        f"/network/{SLASHED}": SLASHED,
        f"/dossier/{SLASHED}": "SLASHED STAR",
        f"/entry/entity/{SLASHED}": "SLASHED STAR",
    }
    for path, text in pages.items():
        response: Any = browser.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert text in response.text, path
    client = browser.client
    assert client.get(f"/api/entities/{SLASHED}").json()["id"] == SLASHED
    assert client.get(f"/api/entities/{SLASHED}/export").json()["id"] == SLASHED
    assert client.get(f"/api/entities/{SLASHED}/track").status_code == 200
    graph = client.get(f"/api/network/{SLASHED}").json()
    assert SLASHED in {n["id"] for n in graph["nodes"]}
    assert client.get(f"/api/network/{SLASHED}/paths").status_code == 200
    assert client.get(f"/network/{SLASHED}/graphml").status_code == 200
    download = client.get(f"/dossier/{SLASHED}/download?format=json")
    assert download.status_code == 200 and SLASHED in download.text
    bearer = {"authorization": f"Bearer {token}"}
    screening = client.get(f"/entities/{SLASHED}?nested=false", headers=bearer)
    assert screening.status_code == 200 and screening.json()["id"] == SLASHED
    adjacent = client.get(f"/entities/{SLASHED}/adjacent", headers=bearer)
    assert adjacent.status_code == 200 and adjacent.json()["entity"]["id"] == SLASHED
