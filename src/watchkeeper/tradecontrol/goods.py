"""Goods: a description and a declared HS code -> the CHPL finding, explained.

The code decides at the precision given: an HS-6 or a national line names its
subheading, a heading (four digits) the subheadings under it. The description is read
by the keyword rules (``rules.KeywordRule``) always, so that a missing or doubtful code
is made up for, a heading is narrowed, and a code the description contradicts is
flagged as a mismatch. Words are matched as stems, with one slip allowed in longer
ones, so that "intergrated circuits" and "микросхемы" are read as "integrated circuit"
and "микросхем".
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from rapidfuzz.distance import OSA

from watchkeeper.tradecontrol.codes import Code, read_code
from watchkeeper.tradecontrol.rules import KeywordRule, Rules, Term, load_rules
from watchkeeper.tradecontrol.text import fold, words

SHORT = 4  # Latin stems of this length or less (Cyrillic: one less) match whole words only
TYPO_FROM = 6  # stems this long or longer match a word with one slip
NEGATION = re.compile(r"other than|except|кроме|除外|以外|제외")
WIDE = "\u2e80"  # from here on: CJK, Hangul and other scripts written without spaces


def whole_word(stem: str) -> bool:
    """Short stems ("ic", "pcb", "ис") stand for whole words, not beginnings."""
    return len(stem) <= (SHORT if stem.isascii() else SHORT - 1)


def distinct(shown: list[str]) -> tuple[str, ...]:
    """The matched words once each, leaving out those inside a longer match."""
    unique = list(dict.fromkeys(shown))
    return tuple(w for w in unique if not any(w != o and w in o for o in unique))


@dataclass(frozen=True)
class DescriptionMatch:
    hs6: str
    rule: KeywordRule
    terms: tuple[Term, ...]
    matched: tuple[str, ...]  # the description's words (or phrases) that matched
    score: int


@dataclass(frozen=True)
class GoodsFinding:
    hs6: str | None  # the subheading we read the line as
    tier: str | None  # its CHPL tier; None when not listed
    basis: str  # code, description, code+description, heading, none
    code: Code
    matched: tuple[str, ...]
    rule: str  # the rule that decided, in words
    sources: tuple[str, ...]
    mismatch: str  # "" or why the code and the description disagree

    @property
    def flagged(self) -> bool:
        return self.tier is not None


class Matcher:
    """The keyword rules compiled for lookup: stems by their first word."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self._long: dict[str, set[str]] = defaultdict(set)  # first letter -> stems
        self._stems: set[str] = set()
        self._by_first: dict[str, list[tuple[int, Term]]] = defaultdict(list)
        self._compact: list[tuple[int, Term]] = []
        for index, rule in enumerate(rules.keywords):
            for term in (*rule.terms, *rule.excludes):
                if term.compact:
                    continue
                for stem in term.words:
                    self._stems.add(stem)
                    if not whole_word(stem):
                        self._long[stem[0]].add(stem)
            for term in rule.terms:
                if term.compact:
                    self._compact.append((index, term))
                else:
                    self._by_first[term.words[0]].append((index, term))
        self._token_cache: dict[str, frozenset[str]] = {}
        self._cache: dict[str, DescriptionMatch | None] = {}

    def stems_of(self, token: str) -> frozenset[str]:
        found = self._token_cache.get(token)
        if found is not None:
            return found
        # a whole-word stem matches its plural too ("chips", "ics")
        out = {token, token[:-1] if token.endswith("s") else token} & self._stems
        for stem in self._long.get(token[:1], ()):
            size = len(stem)
            if token.startswith(stem) or (
                size >= TYPO_FROM
                and any(
                    OSA.distance(token[:n], stem, score_cutoff=1) <= 1
                    for n in (size - 1, size, size + 1)
                    if n <= len(token)
                )
            ):
                out.add(stem)
        result = frozenset(out)
        if len(self._token_cache) < 200_000:
            self._token_cache[token] = result
        return result

    def _term_found(self, term: Term, stems: list[frozenset[str]], compact: str) -> int:
        """Where ``term`` begins in the description (-1: nowhere)."""
        if term.compact:
            return 0 if term.compact in compact else -1
        size = len(term.words)
        for start in range(len(stems) - size + 1):
            if all(term.words[k] in stems[start + k] for k in range(size)):
                return start
        return -1

    def match(self, description: str) -> DescriptionMatch | None:
        if description in self._cache:
            return self._cache[description]
        found = self._match(description)
        if len(self._cache) < 100_000:
            self._cache[description] = found
        return found

    def _match(self, description: str) -> DescriptionMatch | None:
        tokens = words(description)
        stems = [self.stems_of(t) for t in tokens]
        wide = any(ch >= WIDE for ch in description)
        compact = "".join(fold(description).split()) if wide else ""
        scores: dict[int, tuple[int, list[Term], list[str]]] = {}
        candidates: list[tuple[int, Term]] = []
        for options in stems:
            for stem in options:
                candidates.extend(self._by_first.get(stem, ()))
        if wide:
            candidates.extend(self._compact)
        for index, term in candidates:
            start = self._term_found(term, stems, compact)
            if start < 0:
                continue
            if term.compact:
                shown, weight = term.compact, 2 * len(term.compact)
            else:
                shown = " ".join(tokens[start : start + len(term.words)])
                weight = sum(len(w) for w in term.words)
            score, terms, shown_all = scores.get(index, (0, [], []))
            if term in terms:
                continue
            scores[index] = (max(score, weight), [*terms, term], [*shown_all, shown])
        best: DescriptionMatch | None = None
        negated = NEGATION.search(fold(description)) is not None
        for index, (score, terms, shown_all) in scores.items():
            rule = self.rules.keywords[index]
            if (
                rule.excludes
                and not negated
                and any(
                    self._term_found(t, stems, compact or fold(description)) >= 0
                    for t in rule.excludes
                )
            ):
                continue
            if best is None or score > best.score:
                best = DescriptionMatch(rule.hs6, rule, tuple(terms), distinct(shown_all), score)
        return best


@dataclass
class GoodsScreen:
    """``classify`` with the rules and a matcher made once."""

    rules: Rules
    _findings: dict[tuple[str, str], GoodsFinding] = field(default_factory=dict)

    @cached_property
    def matcher(self) -> Matcher:
        return Matcher(self.rules)

    def classify(self, description: str, raw_code: str) -> GoodsFinding:
        key = (description, raw_code)
        found = self._findings.get(key)
        if found is None:
            found = classify(self.rules, self.matcher, description, raw_code)
            if len(self._findings) < 200_000:
                self._findings[key] = found
        return found


def _code_rule(rules: Rules, hs6: str) -> str:
    item = rules.chpl[hs6]
    return f"CHPL tier {item.tier}: HS {hs6[:4]}.{hs6[4:]} {item.label}"


def classify(rules: Rules, matcher: Matcher, description: str, raw_code: str) -> GoodsFinding:
    code = read_code(raw_code)
    found = matcher.match(description) if description else None
    chpl_src = rules.chpl_source.id
    words_src = rules.keyword_source.id
    matched = found.matched if found else ()
    by_words = (
        f"{_code_rule(rules, found.hs6)} (description: {', '.join(found.matched)})" if found else ""
    )
    if code.hs6 is not None:
        code_tier = rules.tier(code.hs6)
        mismatch = ""
        if found and found.hs6[:4] != code.hs6[:4]:
            mismatch = (
                f"the code {code.raw.strip()} is heading {code.hs6[:4]}; the description reads "
                f"as {found.hs6[:4]}.{found.hs6[4:]}"
            )
        elif found and found.hs6 != code.hs6 and code_tier is None:
            mismatch = (
                f"the code {code.raw.strip()} is subheading {code.hs6}, off the list; the "
                f"description reads as {found.hs6[:4]}.{found.hs6[4:]}"
            )
        if code_tier is not None:
            agree = found is not None and found.hs6 == code.hs6
            return GoodsFinding(
                code.hs6,
                code_tier,
                "code+description" if agree else "code",
                code,
                matched,
                _code_rule(rules, code.hs6),
                (chpl_src, words_src) if agree else (chpl_src,),
                mismatch,
            )
        if found is not None and mismatch:
            return GoodsFinding(
                found.hs6,
                rules.tier(found.hs6),
                "description",
                code,
                matched,
                by_words,
                (chpl_src, words_src),
                mismatch,
            )
        return GoodsFinding(code.hs6, None, "code", code, matched, "not on the CHPL", (), "")
    if code.status == "heading" and code.heading is not None:
        listed = rules.in_heading(code.heading)
        if found is not None:
            mismatch = (
                ""
                if found.hs6.startswith(code.heading)
                else f"the heading {code.heading} does not cover {found.hs6[:4]}.{found.hs6[4:]}, "
                "which the description reads as"
            )
            return GoodsFinding(
                found.hs6,
                rules.tier(found.hs6),
                "description" if mismatch else "heading+description",
                code,
                matched,
                by_words,
                (chpl_src, words_src),
                mismatch,
            )
        if listed:
            tiers = sorted({item.tier for item in listed})
            return GoodsFinding(
                None,
                tiers[0],
                "heading",
                code,
                (),
                f"heading {code.heading} holds CHPL subheadings "
                f"({', '.join(i.hs6 for i in listed)}; tier {', '.join(tiers)}); "
                "the description does not say which",
                (chpl_src,),
                "",
            )
        return GoodsFinding(None, None, "heading", code, (), "not on the CHPL", (), "")
    if found is not None:
        return GoodsFinding(
            found.hs6,
            rules.tier(found.hs6),
            "description",
            code,
            matched,
            by_words,
            (chpl_src, words_src),
            "",
        )
    return GoodsFinding(None, None, "none", code, (), "no rule matched", (), "")


def default_screen() -> GoodsScreen:
    return GoodsScreen(load_rules())
