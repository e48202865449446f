"""The Sharing page (issue 23, item 7): partners and which markings reach them, the
release preview (the gate's computation: what would go, what stays home and why), the
release behind the analyst role, a confirmation and the CSRF token, and the log of what
left, which only the releasing organisation sees."""

from __future__ import annotations

import hashlib
import html
import json
import re
from typing import Any

from tests.sharing.common import validate
from tests.web.workspace import Browser
from watchkeeper.model.marking import Viewer
from watchkeeper.settings import Settings
from watchkeeper.sharing.gate import Selection, build_bundle
from watchkeeper.sharing.package import public_text, signing_key, trust, verify
from watchkeeper.store import open_store

EXERCISE = {"to": "jp-mofa", "dataset": "wk_sharing_exercise"}
LOCAL = Viewer("local")


def ok(response: Any) -> str:
    assert response.status_code == 200, (response.status_code, response.text[:500])
    return str(response.text)


def _text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def summary(page: str) -> str:
    found = re.search(r'<p id="preview-summary">(.*?)</p>', page, re.S)
    assert found is not None, page[-2000:]
    return " ".join(_text(found.group(1)).split())


def test_the_page_shows_partners_audiences_and_a_preview(shared: Settings) -> None:
    browser = Browser(shared, "viewer")
    page = ok(browser.get("/sharing"))
    # the MSMT states' ministries and NATO are partners; the marking matrix says who
    # may receive the exercise's GREEN REL TO KOR,USA notes
    for org in ("au-dfat", "jp-mofa", "kr-mofa", "uk-fcdo", "us-dos", "nato"):
        assert f">{org}</a>" in page, org
    row = re.search(r"TLP:GREEN \| REL TO KOR,USA \| ORIG local</th>(.*?)</tr>", page, re.S)
    assert row is not None
    cells = re.findall(r'<td class="reach">(.*?)</td>', row.group(1))
    reach = dict(zip(re.findall(r">([a-z-]+)</a><br>", page), cells, strict=False))
    assert "yes" in reach["kr-mofa"] and "yes" in reach["us-dos"] and "no" in reach["jp-mofa"]
    assert "no" in reach["nato"]
    # what would go to jp-mofa of the exercise, and what stays home and why
    page = ok(browser.get("/sharing", params=EXERCISE))
    said = " ".join(_text(page).split())
    assert "3 objects (15 values) would go to jp-mofa (JPN); 10 values stay home." in said
    assert "REL TO: the partner's country is not among the countries named" in said
    assert "TLP:AMBER and up: the partner is not among its recipients" in said
    withheld = page.split('id="withheld"')[1].split("</table>")[0]
    assert "wk-exercise-green-kor-usa" in withheld and "wk-exercise-red" in withheld
    assert "wk-exercise-amber-msmt" not in withheld
    # the same computation as the gate's: the same bytes' digest
    store = open_store(shared)
    data, _ = build_bundle(
        store, LOCAL, store.organisation("jp-mofa"), Selection(dataset="wk_sharing_exercise")
    )
    store.close()
    assert hashlib.sha256(data).hexdigest()[:16] in page
    # NATO, without a country, gets only the CLEAR note
    page = ok(browser.get("/sharing", params={**EXERCISE, "to": "nato"}))
    assert summary(page).startswith(
        "1 objects (5 values) would go to nato; 20 values stay home."
    ), summary(page)
    # a viewer previews but may not release
    assert 'id="release-link"' not in page
    assert browser.get("/sharing/confirm", params=EXERCISE).status_code == 403


def test_an_entity_page_offers_share_with(shared: Settings) -> None:
    browser = Browser(shared, "analyst")
    page = ok(browser.get("/entity/wk-vessel-angara"))
    link = re.search(r'href="([^"]+)" id="share-with"', page)
    assert link is not None
    target = html.unescape(link.group(1))
    assert target.startswith("/sharing?entity=wk-vessel-angara")
    page = ok(browser.get(target.split("#")[0] + "&to=kr-mofa"))
    assert 'value="wk-vessel-angara"' in page
    released = page.split('id="released"')[1].split("</table>")[0]
    assert "ANGARA" in released
    # hidden and unknown entities preview alike: nothing goes
    for ref in ("wk-us-nightjar", "no-such-entity"):
        other = Browser(shared, "kr-liaison")
        page = ok(other.get("/sharing", params={"to": "jp-mofa", "entity": ref}))
        assert "Nothing: the partner may see none of it." in page
        assert "0 objects (0 values) would go to jp-mofa (JPN); 0 values stay home." in " ".join(
            _text(page).split()
        )


def test_a_release_needs_the_role_a_confirmation_and_the_csrf_token(fresh: Settings) -> None:
    analyst = Browser(fresh, "analyst")
    page = ok(analyst.get("/sharing", params=EXERCISE))
    assert 'id="release-link"' in page
    confirm = ok(analyst.get("/sharing/confirm", params=EXERCISE))
    assert "I release this to jp-mofa." in confirm
    form = {"to": "jp-mofa", "dataset": "wk_sharing_exercise", "format": "stix"}
    # no confirmation, no CSRF token, not an analyst: refused, nothing logged
    assert analyst.post("/sharing/release", form).status_code == 400  # type: ignore[attr-defined]
    refused = analyst.client.post("/sharing/release", data={**form, "confirm": "yes"})
    assert refused.status_code == 403
    viewer = Browser(fresh, "viewer")
    assert viewer.post("/sharing/release", {**form, "confirm": "yes"}).status_code == 403  # type: ignore[attr-defined]
    assert "Nothing released yet." in ok(analyst.get("/sharing"))
    # released: the file is the gate's bundle, valid, and the log says what left
    done: Any = analyst.post("/sharing/release", {**form, "confirm": "yes"})
    assert done.status_code == 200, done.text
    assert "attachment" in done.headers["content-disposition"]
    digest = hashlib.sha256(done.content).hexdigest()
    assert done.headers["x-watchkeeper-sha256"] == digest
    validate(done.content)
    names = {o.get("name") for o in json.loads(done.content)["objects"]}
    assert not any("REL TO KOR, USA" in str(n) for n in names)
    log = ok(analyst.get("/sharing")).split('id="release-log"')[1]
    assert f'title="{digest}"' in log and ">jp-mofa<" in log and ">analyst<" in log
    # the log is the releasing organisation's alone
    partner = ok(Browser(fresh, "kr-liaison").get("/sharing"))
    assert digest not in partner and "Nothing released yet." in partner
    # a signed package verifies with the workspace's key at the recipient
    done = analyst.post("/sharing/release", {**form, "confirm": "yes", "format": "package"})
    assert done.status_code == 200 and done.headers["content-type"] == "application/zip"
    store = open_store(fresh)
    trust(store, "local", public_text(signing_key(fresh.home)), "test")
    found = verify(store, done.content, "release.wkpkg", "jp-mofa")
    assert found.sender == "local" and found.recipient == "jp-mofa"
    store.close()
    # the audit trail has both
    audit = ok(Browser(fresh, "admin").get("/admin/audit"))
    assert audit.count("share") >= 2


def test_the_page_in_korean(shared: Settings) -> None:
    browser = Browser(shared, "analyst")
    page = ok(browser.get("/sharing", params=EXERCISE, headers={"accept-language": "ko"}))
    assert "공유" in page
    assert "Release preview" not in page
