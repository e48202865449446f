"""A workbench workspace for tests: the demo (theater dataset, simulated shuttle, the
sharing exercise), partner organisations and their users, and restricted items a Korean
partner must never reach.

``build(home, keep)`` writes only the items whose marking ``keep`` accepts, so the same
builder makes the full workspace and the one holding only what a viewer may see (the
differential test's two stores).
"""

from __future__ import annotations

import io
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from fastapi.testclient import TestClient
from rich.console import Console

from tests.helpers import entity, source, write
from watchkeeper.assessment.loader import import_assessment, load_assessment
from watchkeeper.maritime.demo import run_demo
from watchkeeper.model.marking import TLP, Marking, Viewer, may_see
from watchkeeper.screening.index import load_or_build
from watchkeeper.settings import Settings, load_settings
from watchkeeper.sharing.exercise import load_exercise, register_partners
from watchkeeper.sharing.exercise import notes as exercise_notes
from watchkeeper.store import open_store
from watchkeeper.store.accounts import Accounts
from watchkeeper.theater import load_theater
from watchkeeper.web.app import create_app

PASSWORD = "correct horse battery"
ORGS = {"local": None, "kr-mofa": "KOR", "us-dia": "USA", "jp-mofa": "JPN"}
USERS = {
    "admin": ("local", "admin"),
    "analyst": ("local", "analyst"),
    "viewer": ("local", "viewer"),
    "kr-liaison": ("kr-mofa", "analyst"),
    "kr-viewer": ("kr-mofa", "viewer"),
    "kr-admin": ("kr-mofa", "admin"),
    "us-analyst": ("us-dia", "analyst"),
}
KOREA = Viewer("kr-mofa", "KOR")
USA_ONLY = Marking(TLP.GREEN, frozenset({"USA"}), "us-dia")
KOR_USA = Marking(TLP.GREEN, frozenset({"KOR", "USA"}), "us-dia")
# Words that appear only in values marked REL TO USA: a Korean user must never see them.
SECRETS = ("SECRETALIAS", "Pyongsecret", "Covert lighter transfer", "NIGHTJAR", "9999991")


def restricted_items() -> list[tuple[str, list[object], Marking]]:
    """(dataset, entities, marking) written after the demo."""
    person = entity(
        "Person", "wk-us-pyongsecret", "us_notes", name="Ri Pyongsecret", nationality="kp"
    )
    sanction = entity(
        "Sanction",
        "wk-us-pyongsecret-sanction",
        "us_notes",
        entity="wk-us-pyongsecret",
        authority="US OFAC (DPRK3)",
        program="DPRK3",
        startDate="2025-02-01",
    )
    alias = entity("Person", "wk-person-kim-jong-un", "us_notes", alias="KIM SECRETALIAS")
    vessel = entity("Vessel", "wk-us-nightjar", "us_notes", name="NIGHTJAR", imoNumber="9999991")
    event = entity(
        "Event",
        "wk-us-covert-transfer",
        "us_notes",
        name="Covert lighter transfer at Rajin",
        date="2025-03-04",
        keywords="shipping",
        involved=["wk-vessel-angara", "wk-us-nightjar"],
        summary="A lighter met ANGARA off Rajin (US reporting).",
    )
    # A link only the US may see: the network explorer of ANGARA must not show it (nor
    # NIGHTJAR at its end) to the Korean partner.
    tender = entity(
        "UnknownLink",
        "wk-us-angara-nightjar",
        "us_notes",
        subject="wk-vessel-angara",
        object="wk-us-nightjar",
        role="lighter tender",
    )
    shared = entity(
        "Event",
        "wk-shared-kor-usa",
        "shared_notes",
        name="Shared assessment of Vostochny traffic",
        date="2025-01-15",
        keywords="shipping",
        involved=["wk-vessel-angara"],
    )
    return [
        ("us_notes", [person, sanction, alias, vessel, event, tender], USA_ONLY),
        ("shared_notes", [shared], KOR_USA),
    ]


# An assessment release only the US may see: an estimate, a scenario with its prior and an
# observation, whose words (SECRETS) a Korean user must never see either.
US_ASSESSMENT = {
    "meta": {
        "name": "us_assessment",
        "title": "US assessment notes",
        "version": 1,
        "published": "2025-03-05",
        "publisher": "US DIA",
        "analyst": "US analyst",
        "marking": {"tlp": "GREEN", "rel_to": ["USA"], "originator": "us-dia"},
    },
    "estimates": [
        {
            "id": "est-us-nightjar-rounds",
            "reported": "2025-03-01",
            "estimator": "NIGHTJAR cell",
            "measure": "artillery_rounds_supplied",
            "subject": "artillery rounds, North Korea to Russia",
            "bound": "range",
            "low": 9999991,
            "high": 12000000,
            "period": {"end": "2025-02"},
            "method": "counted on imagery",
            "statement": "The NIGHTJAR cell counted rounds on imagery.",
            "credibility": 2,
            "citation": {
                "publisher": "US DIA",
                "title": "NIGHTJAR imagery count",
                "date": "2025-03-01",
                "url": "https://example.org/us/nightjar",
                "reliability": "B",
            },
        }
    ],
    "scenarios": [
        {
            "id": "pyongsecret-collapse",
            "title": "Pyongsecret collapse",
            "description": "A scenario only the US may see.",
            "prior": 0.1,
            "reason": "US reporting.",
            "confidence": "low",
        }
    ],
}


def add_assessment(store: Any, home: Path, keep: Callable[[Marking], bool]) -> None:
    """The bundled assessment dataset, and the US-only release when ``keep`` accepts it."""
    load_assessment(store)
    if keep(USA_ONLY):
        path = home / "us-assessment.yaml"
        path.write_text(yaml.safe_dump(US_ASSESSMENT, sort_keys=False), encoding="utf-8")
        import_assessment(store, path)


def build(home: Path, keep: Callable[[Marking], bool] = lambda _m: True) -> Settings:
    settings = load_settings({"WATCHKEEPER_HOME": str(home)})
    store = open_store(settings)
    load_theater(store)
    run_demo(Console(file=io.StringIO()), store, store.read(Viewer("local")), home / "ais-demo")
    for dataset, items, marking in restricted_items():
        if keep(marking):
            src = source(dataset, "2025-03-05", marking)
            write(store, [(item, None) for item in items], src, full_release=False)  # type: ignore[misc]
    add_assessment(store, home, keep)
    for org, country in ORGS.items():
        store.add_organisation(org, country)
    # the demo's sharing exercise: the MSMT states and NATO, and marked exercise notes
    register_partners(store)
    load_exercise(store, "local", [(e, m) for e, m in exercise_notes("local") if keep(m)])
    accounts = Accounts(store)
    for username, (org, role) in USERS.items():
        accounts.add_user(username, org, role, PASSWORD, "tests")
    load_or_build(store, settings.cache_dir)  # saved beside the store, as `watchkeeper` does
    store.close()
    return settings


def korean_view(marking: Marking) -> bool:
    return may_see(KOREA, marking)


class Browser:
    """A logged-in user talking to the app (FastAPI's test client over the real app)."""

    def __init__(self, settings: Settings, username: str | None = None) -> None:
        self.client = TestClient(create_app(settings), base_url="https://testserver")
        self.csrf = ""
        if username:
            self.login(username)

    def login(self, username: str, password: str = PASSWORD) -> object:
        page = self.client.get("/login")
        token = re.search(r'name="login_token" value="([^"]+)"', page.text)
        assert token, page.text
        response = self.client.post(
            "/login",
            data={"username": username, "password": password, "login_token": token.group(1)},
            follow_redirects=False,
        )
        if response.status_code == 303:
            home = self.client.get("/", headers={"accept": "text/html"})
            found = re.search(r'name="csrf-token" content="([^"]+)"', home.text)
            self.csrf = found.group(1) if found else ""
        return response

    def get(self, path: str, **kwargs: object) -> object:
        headers = {"accept": "text/html", **kwargs.pop("headers", {})}  # type: ignore[dict-item]
        return self.client.get(path, headers=headers, **kwargs)  # type: ignore[arg-type]

    def post(self, path: str, data: dict[str, object] | None = None, **kwargs: object) -> object:
        form = {"csrf_token": self.csrf, **(data or {})}
        return self.client.post(path, data=form, follow_redirects=False, **kwargs)  # type: ignore[arg-type]

    def xref(self, organisation: str) -> object:
        """ "Find new suggestions", then wait for the run (a thread of this app: joined,
        not polled) and say how it ended."""
        started = self.post("/resolve/xref")
        assert started.status_code == 303, started  # type: ignore[attr-defined]
        jobs = self.client.app.state.workbench.xref_jobs  # type: ignore[attr-defined]
        state = jobs.wait(organisation, timeout=600)
        assert state is not None and state.state == "done", state
        return state


def random_name() -> str:
    return "test-" + secrets.token_hex(4)


def add_duplicates(settings: Settings, keep: Callable[[Marking], bool] = lambda _m: True) -> None:
    """The resolution queue's cases: one man listed in two public datasets, and a third
    entry of him that only the US may see (written only when ``keep`` accepts it)."""
    store = open_store(settings)
    people = [
        ("un_test", "wk-test-un-ryom", "RYOM SONG IL", None),
        ("ofac_test", "wk-test-ofac-ryom", "RYOM, Song-il", None),
        ("us_ryom", "wk-us-ryom", "RYOM SONG IL", USA_ONLY),
    ]
    for dataset, entity_id, name, marking in people:
        if marking is not None and not keep(marking):
            continue
        person = entity("Person", entity_id, dataset, name=name, birthDate="1971-09-12")
        write(store, [person], source(dataset, "2025-02-01", marking), full_release=False)
    store.close()
