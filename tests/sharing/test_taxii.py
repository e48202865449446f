"""TAXII 2.1 inside `watchkeeper serve`: read with `taxii2-client` against a real server,
refused as the standard and the issue ask (401 with a challenge, 404 for what the caller
may not read, never a redirect), compared with medallion serving the same bundle, every
page in the release log; and `share pull` from medallion, incrementally."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from taxii2client.v21 import Server, as_pages

from tests.sharing.common import JP, KR, US, build, validate
from tests.sharing.taxii_servers import MEDALLION_ROOT, medallion, serving
from tests.sharing.test_package import Workspace
from watchkeeper.settings import load_settings
from watchkeeper.sharing.gate import Selection, build_bundle
from watchkeeper.sharing.taxii_server import TAXII_TYPE, collection_id, collection_resource
from watchkeeper.store import open_store
from watchkeeper.store.accounts import Accounts
from watchkeeper.store.sharing import releases
from watchkeeper.web.app import create_app

JP_KEY = "jp-secret-key"
ACCEPT = {"Accept": TAXII_TYPE}


def basic(password: str, user: str = "anyone") -> dict[str, str]:
    raw = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}", **ACCEPT}


class Published:
    """A workspace of us-dos publishing to its partners: jp-mofa by an API key, kr-nis
    by a user's API token; and what the release gate gives jp-mofa."""

    def __init__(self, home: Path) -> None:
        self.env = {
            "WATCHKEEPER_HOME": str(home),
            "WATCHKEEPER_ORG": US.organisation,
            "WATCHKEEPER_COUNTRY": "USA",
            "WATCHKEEPER_API_KEYS": f"{JP_KEY}={JP.organisation},stray-key=ghost-org",
        }
        store = open_store(load_settings(self.env))
        try:
            build(store)
            accounts = Accounts(store)
            accounts.add_user("kr-analyst", KR.organisation, "viewer", "a long passphrase", "test")
            self.kr_token = accounts.create_token("kr-analyst", "taxii")
            data, _ = build_bundle(store, US, JP, Selection())
        finally:
            store.close()
        self.bundle = json.loads(data)
        self.expected = {o["id"]: o for o in self.bundle["objects"]}
        self.jp_collection = collection_id(US.organisation, JP.organisation)

    def store_log(self) -> list[dict[str, Any]]:
        store = open_store(load_settings(self.env))
        try:
            return [e for e in releases(store, US.organisation) if e["format"] == "taxii-2.1"]
        finally:
            store.close()


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Published:
    return Published(tmp_path_factory.mktemp("taxii") / "home")


@pytest.fixture(scope="module")
def server(published: Published) -> Iterator[str]:
    with serving(published.env) as base:
        yield base


# -- taxii2-client against a real server ------------------------------------------------------


def test_taxii2_client_reads_collections_and_objects_in_pages(
    published: Published, server: str
) -> None:
    before = len(published.store_log())
    discovery = Server(f"{server}/taxii2/", user="partner", password=JP_KEY)
    assert [r.url for r in discovery.api_roots] == [f"{server}/taxii2/watchkeeper/"]
    root = discovery.api_roots[0]
    assert TAXII_TYPE in root.versions
    (collection,) = root.collections  # only the one addressed to jp-mofa
    assert collection.id == published.jp_collection and collection.can_read
    assert not collection.can_write
    pages = list(as_pages(collection.get_objects, per_request=3))
    assert len(pages) >= 3 and all(p["more"] for p in pages[:-1]) and not pages[-1]["more"]
    got = [o for p in pages for o in p["objects"]]
    assert {o["id"]: o for o in got} == published.expected
    assert len(got) == len(published.expected)  # each once
    manifest_pages = list(as_pages(collection.get_manifest, per_request=4))
    manifest = [m for p in manifest_pages for m in p["objects"]]
    assert [m["id"] for m in manifest] == [o["id"] for o in got]  # the same order
    assert all(m["media_type"] == "application/stix+json;version=2.1" for m in manifest)
    some = next(o for o in got if o["type"] == "identity" and "extensions" in o)
    assert collection.get_object(some["id"])["objects"] == [some]
    assert collection.object_versions(some["id"])["versions"] == [some["modified"]]
    later = collection.get_objects(added_after=manifest[len(manifest) // 2]["date_added"])
    middle = manifest[len(manifest) // 2]["date_added"]
    assert [o["id"] for o in later.get("objects", [])] == [
        m["id"] for m in manifest if m["date_added"] > middle
    ]
    validate(json.dumps({**published.bundle, "objects": got}).encode())
    log = published.store_log()
    # every page that carried objects, as the gate records a release
    assert len(log) - before == len(pages) + len(manifest_pages) + 2 + bool(later.get("objects"))
    assert {e["recipient"] for e in log} == {JP.organisation}
    assert all(e["released_by"] == f"apikey:{JP.organisation}" for e in log)


def test_refusals_are_taxii_errors_never_redirects(published: Published, server: str) -> None:
    api = f"{server}/taxii2/watchkeeper"
    mine = f"{api}/collections/{published.jp_collection}"
    paths = ["/taxii2/", "/taxii2", f"{mine}/objects/", f"{mine}/manifest/"]
    with httpx.Client(follow_redirects=False, timeout=30) as http:
        for path in paths:
            url = path if path.startswith("http") else server + path
            for headers in ({}, {"Accept": "text/html"}, basic("wrong-key")):
                answer = http.get(url, headers=headers)
                assert answer.status_code == 401, (url, headers, answer.text)
                assert answer.headers["www-authenticate"].startswith("Basic realm=")
                assert answer.headers["content-type"] == TAXII_TYPE
                assert "location" not in answer.headers
                assert answer.json()["http_status"] == "401"
        # an API key whose organisation is not registered
        assert http.get(f"{server}/taxii2/", headers=basic("stray-key")).status_code == 403
        # kr-nis (a user's token, as Bearer or as a Basic password) reads its own only
        for kr in ({"Authorization": f"Bearer {published.kr_token}", **ACCEPT},
                   basic(published.kr_token, "kr-analyst")):  # fmt: skip
            found = http.get(f"{api}/collections/", headers=kr).json()["collections"]
            assert [c["id"] for c in found] == [collection_id(US.organisation, KR.organisation)]
            for tail in ("", "objects/", "manifest/", f"objects/{next(iter(published.expected))}/"):
                hidden = http.get(f"{mine}/{tail}", headers=kr)
                missing = http.get(f"{api}/collections/{uuid.uuid4()}/{tail}", headers=kr)
                assert hidden.status_code == missing.status_code == 404
                assert hidden.content == missing.content  # nothing says it exists
        jp = basic(JP_KEY)
        assert (
            http.get(f"{mine}/objects/", headers={**jp, "Accept": "text/html"}).status_code == 406
        )
        assert http.post(f"{mine}/objects/", headers=jp, json={}).status_code == 403
        assert http.get(f"{mine}/objects/?limit=0", headers=jp).status_code == 400
        assert http.get(f"{mine}/objects/?next=garbage!", headers=jp).status_code == 400
        answer = http.get(f"{mine}/objects/", headers={"Authorization": f"ApiKey {JP_KEY}"})
        assert answer.status_code == 200 and len(answer.json()["objects"]) == len(
            published.expected
        )


# -- pages, cursors and the log (in process) ---------------------------------------------------


def test_pages_filters_cursors_and_the_log(published: Published) -> None:
    mine = f"/taxii2/watchkeeper/collections/{published.jp_collection}"
    jp = basic(JP_KEY)
    with TestClient(create_app(load_settings(published.env))) as api:
        before = len(published.store_log())
        first = api.get(f"{mine}/objects/", params={"limit": 2}, headers=jp)
        assert first.status_code == 200 and first.json()["more"]
        ids = [o["id"] for o in first.json()["objects"]]
        assert first.headers["x-taxii-date-added-first"] <= first.headers["x-taxii-date-added-last"]
        cursor = first.json()["next"]
        second = api.get(f"{mine}/objects/", params={"limit": 2, "next": cursor}, headers=jp)
        assert not set(ids) & {o["id"] for o in second.json()["objects"]}
        log = published.store_log()  # newest first
        log = log[: len(log) - before]
        assert [sorted(e["objects"]) for e in reversed(log)] == [
            sorted(ids),
            sorted(o["id"] for o in second.json()["objects"]),
        ]
        assert log[-1]["sha256"] == hashlib.sha256(first.content).hexdigest()
        assert log[-1]["selection"]["query"] == {"limit": "2"}
        assert log[0]["selection"]["query"] == {"limit": "2", "next": cursor}
        kinds = {o["type"] for o in published.expected.values()}
        for kind in sorted(kinds):
            got = api.get(f"{mine}/objects/", params={"match[type]": kind}, headers=jp).json()
            assert {o["id"] for o in got["objects"]} == {
                k for k, o in published.expected.items() if o["type"] == kind
            }
        two = sorted(published.expected)[:2]
        got = api.get(f"{mine}/manifest/", params={"match[id]": ",".join(two)}, headers=jp)
        assert sorted(m["id"] for m in got.json()["objects"]) == two
        assert api.get(f"{mine}/objects/", params={"match[spec_version]": "2.0"},
                       headers=jp).json() == {}  # fmt: skip
        assert api.get(f"{mine}/objects/", params={"colour": "red"}, headers=jp).status_code == 400
        # nothing that is not there, and nothing left out: an empty page is logged as nothing
        after = len(published.store_log())
        future = api.get(f"{mine}/objects/", params={"added_after": "2999-01-01T00:00:00Z"},
                         headers=jp)  # fmt: skip
        assert future.json() == {} and len(published.store_log()) == after


# -- beside medallion --------------------------------------------------------------------------


def _requests(objects: dict[str, dict[str, Any]]) -> list[tuple[str, dict[str, str]]]:
    """The same requests for both servers: (path under the collection, parameters)."""
    some = sorted(objects)
    identity = next(k for k in some if objects[k]["type"] == "identity")
    versions = sorted(str(o.get("modified") or o["created"]) for o in objects.values())
    middle = versions[len(versions) // 2]
    return [
        ("objects/", {}),
        ("objects/", {"match[type]": "identity"}),
        ("objects/", {"match[type]": "relationship,marking-definition"}),
        ("objects/", {"match[id]": ",".join(some[:3])}),
        ("objects/", {"added_after": middle}),
        ("objects/", {"match[version]": "all"}),
        ("objects/", {"match[version]": "first"}),
        ("objects/", {"match[version]": middle}),
        ("objects/", {"match[spec_version]": "2.1"}),
        ("objects/", {"match[type]": "no-such-type"}),
        ("manifest/", {}),
        ("manifest/", {"added_after": middle, "match[type]": "identity"}),
        (f"objects/{identity}/", {}),
        (f"objects/{identity}/versions/", {}),
    ]


def _body(answer: httpx.Response) -> Any:
    try:
        return answer.json()
    except ValueError:
        return answer.text[:80]


def _dates(answer: httpx.Response) -> list[str | None]:
    return [answer.headers.get(f"x-taxii-date-added-{end}") for end in ("first", "last")]


def _label(path: str, params: dict[str, str], objects: dict[str, Any]) -> str:
    """A request as the list of differences names it (ids as their type)."""
    for ref in objects:
        path = path.replace(ref, ref.split("--")[0])
    versions = {str(o.get("modified") or o["created"]) for o in objects.values()}
    shown = {k: ("DATE" if v in versions else v) for k, v in params.items()}
    if "match[id]" in shown:
        shown["match[id]"] = "IDS"
    return f"{path} {json.dumps(shown, sort_keys=True)}"


def _walk(http: httpx.Client, url: str, params: dict[str, str], headers: dict[str, str],
          limit: int) -> list[Any]:  # fmt: skip
    """Every page of a paged answer (``next`` followed), bodies in order."""
    out = []
    query = {**params, "limit": str(limit)}
    while True:
        answer = http.get(url, params=query, headers=headers)
        assert answer.status_code == 200, (url, query, answer.text)
        body = answer.json()
        out.append({k: v for k, v in body.items() if k != "next"})
        if not body.get("more"):
            return out
        query = {**params, "limit": str(limit), "next": body["next"]}


def _servable(published: Published) -> list[dict[str, Any]]:
    """The bundle less what medallion cannot serve (``MEDALLION_WRONG``: it takes an
    extension definition's own ``version`` property for the object's version)."""
    return [o for o in published.expected.values() if o["type"] != "extension-definition"]


def test_same_answers_as_medallion(published: Published, server: str, tmp_path: Path) -> None:
    resource = collection_resource(US.organisation, JP.organisation)
    ours = f"{server}/taxii2/watchkeeper/collections/{published.jp_collection}/"
    servable = _servable(published)
    # every type but the extension definition, asked of both
    types = ",".join(sorted({o["type"] for o in servable}))
    with (
        medallion(tmp_path, servable, resource, {"jp": JP_KEY}) as other,
        httpx.Client(follow_redirects=False, timeout=60) as http,
    ):
        theirs = f"{other}/{MEDALLION_ROOT}/collections/{published.jp_collection}/"
        a = http.get(ours, headers=basic(JP_KEY)).json()
        b = http.get(theirs, headers=basic(JP_KEY, "jp")).json()
        assert a == b  # the collection as both describe it
        differ = {}
        for path, given in _requests(published.expected):
            params = {"match[type]": types, **given} if path.count("/") == 1 else given
            a = http.get(ours + path, params=params, headers=basic(JP_KEY))
            b = http.get(theirs + path, params=params, headers=basic(JP_KEY, "jp"))
            assert a.status_code == 200, (path, params, a.text)
            got = [a.status_code, a.json(), *_dates(a)]
            other_got = [b.status_code, _body(b), *_dates(b)]
            if got != other_got:
                differ[_label(path, given, published.expected)] = other_got
        assert differ == {}, json.dumps(differ, indent=1)[:3000]
        # paged: the same pages, whatever each server's cursor looks like
        for given in ({}, {"match[type]": "identity"}):
            params = {"match[type]": types, **given}
            assert _walk(http, ours + "objects/", params, basic(JP_KEY), 2) == _walk(
                http, theirs + "objects/", params, basic(JP_KEY, "jp"), 2
            )


def test_medallion_fails_on_an_extension_definition(
    published: Published, server: str, tmp_path: Path
) -> None:
    """The first of ``MEDALLION_WRONG``: the whole bundle, whose objects page holds our
    extension's definition (a STIX 2.1 object with a ``version`` of its own)."""
    resource = collection_resource(US.organisation, JP.organisation)
    objects = list(published.expected.values())
    with medallion(tmp_path, objects, resource, {"jp": JP_KEY}) as other:
        theirs = f"{other}/{MEDALLION_ROOT}/collections/{published.jp_collection}/objects/"
        ours = f"{server}/taxii2/watchkeeper/collections/{published.jp_collection}/objects/"
        assert httpx.get(theirs, headers=basic(JP_KEY, "jp"), timeout=60).status_code == 500
        answer = httpx.get(ours, headers=basic(JP_KEY), timeout=60)
        assert {o["id"] for o in answer.json()["objects"]} == set(published.expected)


# -- share pull --------------------------------------------------------------------------------


def test_share_pull_from_medallion_is_incremental(published: Published, tmp_path: Path) -> None:
    resource = collection_resource(US.organisation, JP.organisation)
    objects = _servable(published)
    jp = Workspace(tmp_path / "jp", JP.organisation, "JPN")
    jp.run("org", "add", US.organisation, "--country", "USA")
    with medallion(tmp_path, objects, resource, {"jp": JP_KEY}) as other:
        args = ["share", "pull", f"{other}/{MEDALLION_ROOT}/", "--collection",
                resource["id"], "--from", US.organisation, "--user", "jp",
                "--password", JP_KEY]  # fmt: skip
        out = " ".join(jp.run(*args)[1].split())
        assert f"{len(objects)} objects fetched" in out and "(everything)" in out
        assert "0 unchanged" in out
        store = jp.store()
        try:
            version = store.version()
        finally:
            store.close()
        out = " ".join(jp.run(*args)[1].split())
        assert "0 objects fetched" in out and "added after" in out
        store = jp.store()
        try:
            assert store.version() == version  # nothing written
        finally:
            store.close()
        marks = json.loads((tmp_path / "jp" / "taxii-pull.json").read_text())
        assert list(marks) == [f"{other}/{MEDALLION_ROOT}/collections/{resource['id']}/"]
        assert (tmp_path / "jp" / "taxii-pull.json").stat().st_mode & 0o077 == 0
        # --full fetches all again; the import finds nothing new
        out = " ".join(jp.run(*args, "--full")[1].split())
        assert f"{len(objects)} objects fetched" in out and "0 new" in out
        code, _, err = jp.run(*args[:-1], "wrong", ok=False)
        assert code != 0 and "401" in err and len(err.strip().splitlines()) == 1


def test_share_pull_from_watchkeeper_with_an_api_key(
    published: Published, server: str, tmp_path: Path
) -> None:
    jp = Workspace(tmp_path / "jp", JP.organisation, "JPN")
    jp.run("org", "add", US.organisation, "--country", "USA")
    out = " ".join(jp.run("share", "pull", f"{server}/taxii2/", "--collection",
                          published.jp_collection, "--from", US.organisation,
                          "--api-key", JP_KEY)[1].split())  # fmt: skip
    assert f"{len(published.expected)} objects fetched" in out
    store = jp.store()
    try:
        found = store.read(JP).entity("v-star")
        assert found is None  # partners' objects keep their STIX ids
        assert store.read(JP).stats()
    finally:
        store.close()


def test_a_write_reaches_the_next_page_and_the_publisher_has_no_collection(
    tmp_path: Path,
) -> None:
    from tests.helpers import entity
    from tests.sharing.common import report_source

    published = Published(tmp_path / "home")
    mine = f"/taxii2/watchkeeper/collections/{published.jp_collection}/manifest/"
    with TestClient(create_app(load_settings(published.env))) as api:
        before = api.get(mine, headers=basic(JP_KEY)).json()["objects"]
        store = open_store(load_settings(published.env))
        try:
            with store.write(report_source(), full_release=False) as writer:
                writer.add_entity(entity("Vessel", "v-new", "reports", name="NEW STAR"), None, 2)
            token = Accounts(store).create_token("kr-analyst", "again")
            Accounts(store).add_user("us-analyst", US.organisation, "viewer", "a long pass", "t")
            own = Accounts(store).create_token("us-analyst", "taxii")
        finally:
            store.close()
        after = api.get(mine, headers=basic(JP_KEY)).json()["objects"]
        assert len(after) == len(before) + 1  # the prepared collection follows the store
        kr = api.get("/taxii2/watchkeeper/collections/", headers=basic(token)).json()
        assert len(kr["collections"]) == 1
        # the publisher's own users: nothing is released to oneself
        assert api.get("/taxii2/watchkeeper/collections/", headers=basic(own)).json() == {}


def test_share_pull_fetches_what_was_added_since(tmp_path: Path) -> None:
    """An object dated after the last pull comes alone, with what it refers to; one whose
    values link to objects outside the increment makes the pull read the whole collection
    (the import skips what it holds)."""
    from tests.helpers import entity
    from tests.sharing.common import report_source

    published = Published(tmp_path / "us")
    jp = Workspace(tmp_path / "jp", JP.organisation, "JPN")
    jp.run("org", "add", US.organisation, "--country", "USA")

    def add(schema: str, ref: str, day: str, **props: str) -> None:
        store = open_store(load_settings(published.env))
        try:
            with store.write(report_source(), full_release=False) as writer:
                made = entity(schema, ref, "reports", **props)
                for stmt in made.statements:
                    stmt.first_seen = stmt.last_seen = day
                writer.add_entity(made, None, 2)
        finally:
            store.close()

    with serving(published.env) as base:
        args = ["share", "pull", f"{base}/taxii2/watchkeeper/", "--collection",
                published.jp_collection, "--from", US.organisation, "--api-key", JP_KEY]  # fmt: skip
        out = " ".join(jp.run(*args)[1].split())
        assert f"{len(published.expected)} objects fetched" in out
        add("Person", "p-new", "2026-11-30", name="PAK NEW")
        out = " ".join(jp.run(*args)[1].split())
        fetched = int(out.split(" objects fetched")[0].split()[-1])
        assert 1 < fetched < len(published.expected) and "1 new" in out, out
        add("Sanction", "s-new", "2026-12-01", entity="v-star", authority="UN Security Council")
        out = " ".join(jp.run(*args)[1].split())
        assert f"{len(published.expected) + 2} objects fetched" in out and "1 new" in out, out
        out = " ".join(jp.run(*args)[1].split())
        assert "0 objects fetched" in out
