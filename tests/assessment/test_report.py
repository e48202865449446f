"""The monitoring report: it renders (pages turned into PNG and checked for their
sections), every fact carries its citation, the same store and date give the same bytes,
and a partner's report from the full store equals its report from a store holding only
what it may see."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest

from tests.assessment.helpers import estimate, write_file
from watchkeeper.assessment import report
from watchkeeper.assessment.dataset import Bundle, load_bundle
from watchkeeper.assessment.loader import import_assessment, load_assessment, write_bundle
from watchkeeper.assessment.periods import parse_period
from watchkeeper.assessment.sources import shown_marking
from watchkeeper.model.marking import Marking, Viewer, may_see
from watchkeeper.store import Store, open_store
from watchkeeper.theater import Theater, load_dataset, load_theater

SECTIONS = (
    "key-judgments",
    "timeline",
    "sectors",
    "estimates",
    "capabilities",
    "map",
    "network",
    "futures",
    "questions",
    "references",
)
HEADINGS = ("Key judgments", "Timeline", "Sectors", "Estimates", "capabilities and Russian help", "Map",
            "Network excerpt", "Futures", "Indicator board", "Analysis of competing hypotheses", "Open questions", "References")  # fmt: skip
PARTNER = Viewer("org-b", "KOR")
CLEARED = Viewer("org-a", "USA")
VOID = {"br", "col", "meta", "img", "hr", "input", "link"}


class Facts(HTMLParser):
    """Every element of class "fact", with the citation links inside it; and the ids."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.facts: list[list[str]] = []
        self.open: list[list[str]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        if tag == "a" and self.open and found.get("href", "").startswith("#ref-"):  # type: ignore[union-attr]
            for links in self.open:
                links.append(str(found["href"])[1:])
        if tag in VOID:
            return
        is_fact = "fact" in (found.get("class") or "").split()
        if is_fact:
            self.open.append([])
        self.stack.append((tag, is_fact))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            name, is_fact = self.stack.pop()
            if is_fact:
                self.facts.append(self.open.pop())
            if name == tag:
                break


YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
LABELS = ("Judgment", "Assumption", "Open question")
KINDS = ("fact", "judgment", "note")
SKIPPED = {"style", "svg", "title", "h1", "h2", "h3", "th"}


@dataclass
class Claim:
    kind: str
    prose: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.prose).split())


class Sentences(HTMLParser):
    """Every piece of text in the report's sections (References aside), with the
    innermost element of class fact, judgment or note that holds it: its prose, its
    label(s) and the citation links inside it. Text held by none is an orphan."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, set[str], Claim | None]] = []
        self.claims: list[Claim] = []
        self.orphans: list[str] = []

    def _inside(self, cls: str) -> bool:
        return any(cls in classes for _, classes, _ in self.stack)

    def _claim(self) -> Claim | None:
        return next((c for _, _, c in reversed(self.stack) if c is not None), None)

    def _skipped(self) -> bool:
        tags = [tag for tag, _, _ in self.stack]
        # References, and what was left out as known only since (named, never cited).
        in_refs = any(
            tag == "section" and {"references", "known-since"} & cl for tag, cl, _ in self.stack
        )
        return "section" not in tags or in_refs or bool(SKIPPED & set(tags))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        classes = set((found.get("class") or "").split())
        if tag == "section":
            classes.add(str(found.get("id")))
        claim = self._claim()
        if tag == "a" and claim is not None and str(found.get("href", "")).startswith("#ref-"):
            claim.links.append(str(found["href"])[1:])
        if tag in VOID:
            return
        kind = next((k for k in KINDS if k in classes), None)
        own = Claim(kind) if kind and not self._skipped() else None
        self.stack.append((tag, classes, own))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            name, _, claim = self.stack.pop()
            if claim is not None:
                self.claims.append(claim)
            if name == tag:
                break

    def handle_data(self, data: str) -> None:
        if not data.strip() or self._skipped() or self._inside("cite"):
            return
        claim = self._claim()
        if claim is None:
            self.orphans.append(data.strip())
        elif claim.kind == "judgment" and self._inside("label"):
            claim.labels.append(" ".join(data.split()))
        else:
            claim.prose.append(data)


def _demo(store: Store) -> Store:
    load_theater(store)
    load_assessment(store)
    return store


def test_the_report_has_its_sections_and_every_fact_its_citation(store: Store) -> None:
    built = report.build(_demo(store).read(PARTNER), parse_period("2024"))
    html = report.render_html(built)
    parser = Facts()
    parser.feed(html)
    for section in SECTIONS:
        assert f'<section id="{section}">' in html
    assert len(parser.facts) > 100
    uncited = [i for i, links in enumerate(parser.facts) if not links]
    assert uncited == []
    cited = {link for links in parser.facts for link in links}
    assert cited <= parser.ids
    assert len(built.references) == len(re.findall(r'<li id="ref-\d+"', html))
    # The period's events are all there, and nothing after the period.
    assert built.data["events_total"] == len(built.data["timeline"]) > 40
    assert all(row["date"].startswith("2024") for row in built.data["timeline"])
    assert "Every estimate of rounds supplied" in html and html.count("<svg") == 5


def test_every_sentence_is_cited_or_labelled_a_judgment(store: Store) -> None:
    """The rule, over the rendered HTML of every section but References: headings, table
    headers, figures (SVG, drawn from the cited rows) and the masthead above the first
    section are structure, not statements. Every other piece of text lies in an element
    of class
    - "fact": it carries at least one citation link to an entry of References;
    - "judgment": it carries a visible label beginning "Judgment", "Assumption" or "Open
      question", and if its own text (label and citation numbers
      aside) names a year it states a dated fact, so it carries a citation link too;
    - "note": how the report is made and what it counts; a note names no year (a dated
      statement about the world is a fact, and must be cited).
    Citations that a viewer may not see are withheld (see the differential tests). The
    period is 2025: the scenarios rest on the essay of March 2025, so a report as of the
    end of 2024 has none (issue 24)."""
    built = report.build(_demo(store).read(PARTNER), parse_period("2025"))
    html = report.render_html(built)
    parser = Sentences()
    parser.feed(html)
    refs = Facts()
    refs.feed(html)
    assert parser.orphans == []
    kinds = Counter(c.kind for c in parser.claims)
    assert kinds["fact"] > 100 and kinds["judgment"] > 15 and kinds["note"] > 3
    for claim in parser.claims:
        assert set(claim.links) <= refs.ids, claim
        if claim.kind == "fact":
            assert claim.links, claim.text
        elif claim.kind == "judgment":
            assert claim.labels and all(x.startswith(LABELS) for x in claim.labels), claim
            if YEAR.search(claim.text):
                assert claim.links, claim.text
        else:
            assert not YEAR.search(claim.text), claim.text
    # The analysts' reasons that state facts carry their citations beside them.
    texts = {c.text: c for c in parser.claims if c.kind == "judgment"}
    seoul = next(
        c for t, c in texts.items() if "recognition of Seoul came with the end of aid" in t
    )
    cited = {built.references[int(n.removeprefix("ref-")) - 1].title for n in seoul.links}
    assert {"Soviets set S. Korean, Israeli ties",
            "Putting the Screws on the Partnership Between North Korea and Russia"} <= cited  # fmt: skip
    downgrade = next(c for t, c in texts.items() if "Once the war in Ukraine winds down" in t)
    assert len(downgrade.links) == 2 and "in 1990" in downgrade.text


def test_pages_render_to_png_with_every_section(tmp_path: Path) -> None:
    store = _demo(open_store(f"sqlite:///{tmp_path / 's.db'}"))
    html = report.render_html(report.build(store.read(PARTNER), parse_period("2025-Q2")))
    pdf_bytes = report.render_pdf(html)
    assert pdf_bytes.startswith(b"%PDF")
    pdf = pdfium.PdfDocument(pdf_bytes)
    assert len(pdf) >= 4
    text = ""
    for index in range(len(pdf)):
        page = pdf[index]
        text += page.get_textpage().get_text_range()
        image = page.render(scale=0.5).to_pil().convert("L")
        assert image.width > 250 and image.height > 350
        # Not a blank page: some ink.
        assert sum(image.histogram()[:200]) > 300, index
    pdf.close()
    flat = " ".join(text.split())
    for heading in HEADINGS:
        assert heading in flat, heading
    assert "TLP:CLEAR" in flat and "page 1 of" in flat
    # In the PDF too an analyst's reason stating a fact has its citations beside it, and
    # then its label.
    assert re.search(r"clearest sign of a downgrade\.\[\d+\]\[\d+\] Judgment — ", flat)


def test_the_same_store_and_date_give_the_same_report(tmp_path: Path) -> None:
    store = _demo(open_store(f"sqlite:///{tmp_path / 's.db'}"))
    period = parse_period("2024-06")
    first = report.render_html(report.build(store.read(PARTNER), period, date(2025, 1, 1)))
    again = report.render_html(report.build(store.read(PARTNER), period, date(2025, 1, 1)))
    assert first == again
    assert report.render_pdf(first) == report.render_pdf(again)
    # A later date sees later evidence: the report is a function of the date too.
    later = report.render_html(report.build(store.read(PARTNER), period, date(2025, 9, 30)))
    assert later != first


# -- the differential releasability test ---------------------------------------------------------

HIDDEN_EVENT = "ev-2024-06-19-putin-and-kim-sign-partnership-treaty"
REL_USA_EVENT = "ev-2024-10-31-blinken-up-to-8-000-dprk-troops-in-kursk"
HIDDEN_ENTITY = "person-shoigu"
MARKS = {
    HIDDEN_EVENT: {"tlp": "AMBER", "recipients": ["org-a"]},
    REL_USA_EVENT: {"tlp": "GREEN", "rel_to": ["USA"]},
    HIDDEN_ENTITY: {"tlp": "RED", "originator": "org-c"},
}


def _theater(viewer: Viewer | None) -> Theater:
    """The theater with some items restricted; for ``viewer``, only what it may see."""
    base = load_dataset()

    def mark(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for item in items:
            item = dict(item) | ({"marking": MARKS[item["id"]]} if item["id"] in MARKS else {})
            marking = Marking.from_dict(item.get("marking")) or Marking()
            if viewer is None or may_see(viewer, marking):
                out.append(item)
        return out

    entities = mark(base.entities)
    kept = {e["id"] for e in entities}
    # A link to an entity the viewer may not see is dropped by the read path; the store
    # of the viewer's own view simply does not have it.
    for item in entities:
        item["links"] = [link for link in item.get("links", []) if link["target"] in kept]
    events = [
        dict(e, involved=[i for i in e.get("involved", []) if i in kept]) for e in mark(base.events)
    ]
    # A source cited only by restricted items carries a restriction too (the dataset's
    # rule); one no longer cited by anything the viewer's copy holds is not in that copy.
    citers: dict[str, list[dict[str, Any]]] = {}
    for item in [*base.entities, *base.events, *base.ports]:
        for ident in _cited(item):
            citers.setdefault(ident, []).append(item)
    left = set().union(*(_cited(i) for i in [*entities, *events, *base.ports]))
    sources = []
    for src in base.sources:
        owners = citers.get(src["id"], [])
        marks = [MARKS[o["id"]] for o in owners if o.get("id") in MARKS]
        if owners and len(marks) == len(owners):
            src = dict(src, marking=marks[0])
        if viewer is None or src["id"] in left or not owners:
            sources.append(src)
    return dataclasses.replace(
        base, entities=entities, events=events, sources=sources, checksum="t" * 64
    )


def _cited(item: Any) -> set[str]:
    """Every source id an item cites, at any depth."""
    found: set[str] = set()
    if isinstance(item, dict):
        for key, value in item.items():
            if key == "source" and isinstance(value, str):
                found.add(value)
            else:
                found |= _cited(value)
    elif isinstance(item, list):
        for value in item:
            found |= _cited(value)
    return found


def _analyst_items() -> list[dict[str, Any]]:
    return [
        estimate("public-estimate", reported="2024-05-01"),
        estimate("amber-estimate", reported="2024-05-02", best=7777777, marking={"tlp": "AMBER", "recipients": ["org-a"]}),
        estimate("usa-estimate", reported="2024-05-03", best=8888888, marking={"tlp": "GREEN", "rel_to": ["USA"]}),
        estimate("b-own", reported="2024-05-04", best=4444444, marking={"tlp": "RED", "originator": "org-b"}),
    ]  # fmt: skip


def _analyst_judgments() -> dict[str, list[dict[str, Any]]]:
    secret = {"tlp": "AMBER", "recipients": ["org-a"]}
    return {
        "scenarios": [
            {"id": "collapse", "title": "Regime collapse", "description": "A restricted scenario.", "prior": 0.1,
             "reason": "restricted reasoning", "made_on": "2023-07-01", "marking": secret},
            # Public, but resting on an event the partner may not see: no link for it.
            {"id": "reset", "title": "Reset by treaty", "description": "A public scenario.", "prior": 0.05,
             "reason": "The June 2024 treaty, as reported.", "made_on": "2023-07-01", "events": [HIDDEN_EVENT]},
        ],
        "likelihoods": [
            {"indicator": "strategic-transfers", "scenario": "collapse", "ratio": 0.5, "reason": "hidden", "marking": secret, "made_on": "2023-07-01"},
        ],
        "questions": [{"id": "q-secret", "text": "Is the secret source right?", "marking": secret}],
    }  # fmt: skip


def _build(tmp_path: Path, name: str, viewer: Viewer | None) -> Store:
    store = open_store(f"sqlite:///{tmp_path / name}")
    load_theater(store, _theater(viewer))
    load_assessment(store)

    def keep(item: dict[str, Any]) -> bool:
        return viewer is None or may_see(
            viewer, Marking.from_dict(item.get("marking")) or Marking()
        )

    sections = {k: [i for i in v if keep(i)] for k, v in _analyst_judgments().items()}
    import_assessment(
        store,
        write_file(
            tmp_path / f"{name}.yaml",
            estimates=[i for i in _analyst_items() if keep(i)],
            **sections,
        ),
    )
    return store


@pytest.mark.parametrize(
    "viewer", [PARTNER, CLEARED, Viewer("org-c", None)], ids=lambda v: v.organisation
)
def test_a_partner_gets_the_same_report_from_the_full_store_as_from_its_own_view(
    tmp_path: Path, viewer: Viewer
) -> None:
    full = _build(tmp_path, "full.db", None)
    partial = _build(tmp_path, "partial.db", viewer)
    period = parse_period("2024-06..2025-06")
    from_full = report.render_html(report.build(full.read(viewer), period))
    from_own = report.render_html(report.build(partial.read(viewer), period))
    assert from_full == from_own


def test_the_differential_test_can_fail(tmp_path: Path) -> None:
    """The restricted items do reach the viewers cleared for them, and not the others."""
    full = _build(tmp_path, "full.db", None)
    as_partner = report.render_html(report.build(full.read(PARTNER), parse_period("2024")))
    as_cleared = report.render_html(report.build(full.read(CLEARED), parse_period("2024")))
    for text in (
        "Putin and Kim sign partnership treaty",
        "7,777,777",
        "8,888,888",
        "Regime collapse",
        "Is the secret source right?",
    ):
        assert text in as_cleared and text not in as_partner, text
    assert "4,444,444" in as_partner and "4,444,444" not in as_cleared
    # The public scenario's citation of the hidden event: a link for org-a, none for org-b.
    for html, links in ((as_cleared, 1), (as_partner, 0)):
        parser = Sentences()
        parser.feed(html)
        reset = next(c for c in parser.claims if c.text.startswith("Reset by treaty :"))
        assert len(reset.links) == links, reset
    assert "Sergei Shoigu" not in as_partner and "Sergei Shoigu" not in as_cleared
    assert "TLP:AMBER" in as_cleared and "TLP:RED" in as_partner
    # A recipient learns it is cleared, not who else is.
    assert "Markings of the content" in as_cleared and "TO org-a" not in as_cleared


def test_recipients_are_shown_to_the_originator_only() -> None:
    key = "TLP:AMBER | ORIG org-a | TO org-b,org-c"
    assert shown_marking(key, Viewer("org-a")) == key
    assert shown_marking(key, Viewer("org-b")) == "TLP:AMBER | ORIG org-a"


def test_the_bundled_data_as_a_bundle_can_be_written_again(tmp_path: Path) -> None:
    """write_bundle is the one path for the bundle and analyst files alike."""
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    bundle: Bundle = load_bundle()
    assert write_bundle(store, bundle, bundled=True).estimates == 70
