"""Comparing two readings of names, with the reasons.

The result is a similarity in [0, 1] and the token pairs that produced it. Tokens are
weighted by how rare their folded key is in the index (``weight``), so that generic
words (KOREA, TRADING, KIM) count for less than distinctive ones.

The rules, in the order they apply:

1. Two names written in the same CJK script are compared character by character: in
   Hangul or Hanja one different character is a different name (김정은 is not 김종은).
2. Two names that both read as Korean are compared syllable by syllable (family name
   first or last): all syllables equal is a match; one different syllable is another
   person (KIM KYONG IL is not KIM KYONG MIN), whatever the letters share, unless it is
   the same syllable written without its w or y (HWANG SOK HA for HWANG SOK-HWA).
3. Otherwise tokens are aligned: same text, same folded key (a spelling variant), the
   same Chinese syllables in Wade–Giles and pinyin, a familiar form of a given name
   (Zhenya / Yevgeny), typing errors (optimal string alignment distance, at most 1 or 2
   by word length; none in a short word written in Arabic script; not two changed
   Korean syllables in a company's word), an initial against a word it begins (V.,
   JC for JEAN-CLAUDE), one token written as two or three on the other side, or a long
   name's last word cut short. The better-covered name's weighted share that found a
   partner is the score, less a cost for the share of the other name's words left
   without one; tokens left over on *both* sides are a conflict (a different given
   name, a different clan name) and cost more; so do different numbers (FUND VIII /
   FUND IX), an organisation's number on one side only (FUND II / FUND), one word of a
   longer person name (JOHN / JOHN SOLHEIM), initials alone, a reordering that is not a
   rotation, and for organisations: a place on one side only or different places
   (BANCO SANTANDER CHILE), a place as the only word in common, a common word for a
   name, and legal forms of different kinds (AG / GMBH).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA, Levenshtein

from watchkeeper.screening.names import (
    ROMAN_NUMERALS,
    Name,
    Token,
    chinese_classes,
    equivalent_words,
    familiar_forms,
    fold,
    generic_keys,
    is_place,
    korean_syllables,
    nickname_groups,
    particles,
)

# How much the longer name's unmatched share costs: persons carry patronymics and
# middle names that the other side leaves out; organisations' extra words distinguish
# more, but a short form wholly inside the listed name (Strategic Rocket Force, Ryonha
# Machinery) is how lists and counterparties most often shorten a name. Measured on the
# UN's DPRK entity aliases and nomenklatura's pairs (bench/screening/README.md).
EXTRA_COST = {"person": 0.3, "org": 0.4}
# Tokens left unmatched on both sides.
CONFLICT = 0.75
NUMBER_CONFLICT = 0.5
# An organisation's number that the other name lacks.
NUMBER_EXTRA = 0.75
# A person's one-word name against a longer one, the rest unmatched.
ONE_WORD = 0.8
# Letters changed in one run that make another syllable or ending, not a typing error.
MORPHEME = 3
# An organisation's two names of different kinds of company (AG / GmbH, LLC / non-profit):
# most often sister companies.
OTHER_KIND = 0.8
OTHER_KIND_GENERIC = 0.65
# A word at least this distinctive (its weight, see COMMON) names something in particular.
DISTINCTIVE = 0.8
# A place named in one organisation's name and not the other's (BANCO SANTANDER CHILE /
# BANCO SANTANDER): a branch or subsidiary, another legal entity; a different place on
# each side costs more.
PLACE_EXTRA = 0.75
PLACE_CONFLICT = 0.6
# Names at least this long may have been cut short by a field's end (SWIFT lines hold 35
# characters, many registries' fields 30 or 40).
CUT_AT = 30
# A word this common or more (its weight: inverse document frequency, scaled to [0.2, 1])
# says little alone; a one-word name made of one, inside a longer name, is weak.
COMMON = 0.65
COMMON_ONLY = 0.8
TYPING = "typing error"
# Words shorter than this, both written in Arabic script, must agree letter for letter.
ABJAD_SHORT = 5
# A Korean name with one syllable written without its w or y (HWANG SOK HA / HWANG SOK-HWA).
GLIDE_SLIP = 0.8
# A Korean name read in order inside a longer one (KIM Jong in KIM Jong Un): another
# name, the closest of them.
KOREAN_PART = 0.65
# The most ways of splitting one Korean name's tokens into syllables that are compared.
KOREAN_SPLITS = 6
CHINESE_PART = 0.65
# X BIN Y against Y BIN X: another person.
# A name's first given name left over while the other's stands for a later one.
OTHER_FIRST_NAME = 0.7
# Two words of a company's name in the other order.
ORG_SWAPPED = 0.75
# The weight of a word found in one listed name only.
UNIQUE = 0.99
# Ordinal words, which number a body (SECOND ACADEMY) rather than name it.
ORDINALS = frozenset({"first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth"})
# A name of common words only against one with a distinctive word it lacks.
DISTINCTIVE_MISSING = 0.6
# A company's name of generic words only inside a longer one.
GENERIC_ONLY = 0.75

LINEAGE_SWAPPED = 0.5
REORDERED = 0.8
MERGE_FLOOR = 0.85
FUZZY_FLOOR = 0.6
CHINESE = 0.85
FAMILIAR = 0.85
# An initial against the word it begins (V. / VLADIMIR; JC / JEAN CLAUDE).
INITIAL = 0.7
# Typing errors a word of a given length can carry and still be the same word: one up to
# 4 letters, two beyond. Three is another word (MAROGHASHVILI / MARGOSHVILI: none of
# nomenklatura's labelled pairs that differ by three is a match); two may be a misspelling
# (SCHULZE / SCHOLZ) or another name (CASTILLO / CASTRO), about 2:1 in those pairs.
MAX_EDITS = ((4, 1),)

Weight = Callable[[str], float]


@dataclass(frozen=True)
class NameComparison:
    score: float
    query: str
    candidate: str
    pairs: tuple[tuple[str, str, str], ...]  # (query token, candidate token, how)

    def explain(self) -> str:
        how = ", ".join(f"{a}={b} ({kind})" if a else kind for a, b, kind in self.pairs)
        return f"name {self.score:.2f}: {self.query!r} ~ {self.candidate!r}" + (
            f" [{how}]" if how else ""
        )


def token_similarity(
    a: Token, b: Token, abjad: bool = False, both_abjad: bool = False
) -> tuple[float, str]:
    if a.text == b.text:
        return 1.0, "same"
    if a.pinyin or b.pinyin:
        # One side a Chinese name: the same syllables (in pinyin or Wade–Giles) or other
        # ones, never a typing error of them (WANG is not ZHANG, YONG not YANG, HONGMEI not
        # HONGBO), nor Russian folds (ZHANG is not YANG) or an Arabic root's consonants.
        if a.chinese and b.chinese and a.chinese & b.chinese:
            return CHINESE, "Wade–Giles/pinyin"
        return 0.0, ""
    if a.key == b.key and (
        min(len(a.text), len(b.text)) >= 4
        or a.text in equivalent_words()
        or b.text in equivalent_words()
    ):
        # (a short word is judged as written, unless the lists' equivalents say
        # otherwise: REED is not RID, BALL not BAL, JTI not JTJ; EL is AL, 2ND SECOND)
        return 0.95, "variant"
    if (a.alternatives and b.key in a.alternatives) or (b.alternatives and a.key in b.alternatives):
        # Patrouchev / PATRUSHEV: the French (German, Spanish, Italian) spelling
        return 0.95, "transliteration"
    if abjad and a.consonants and a.consonants == b.consonants:
        # Arabic and Persian script leave short vowels out: compare the consonants.
        return 0.9, "same consonants"
    if a.korean is not None and (a.korean == b.korean or a.korean == b.syllables):
        # (a word of a name not read as Korean may still be Korean syllables: 해성 read
        # HAESONG, the listed HESONG)
        return 0.95, "korean"
    if b.korean is not None and b.korean == a.syllables:
        return 0.95, "korean"
    # (_is_number inline: this is the hottest function of a screening run)
    a_number = a.text.isdigit() or a.text in ROMAN_NUMERALS
    b_number = b.text.isdigit() or b.text in ROMAN_NUMERALS
    if a_number or b_number:
        # V. Putin: a one-letter Roman numeral against a word is an initial.
        short, other = (a, b) if a_number else (b, a)
        if len(short.text) == 1 and not (a_number and b_number) and other.text[0] == short.text:
            return INITIAL, "initial"
        return 0.0, ""
    if a.chinese and b.chinese and a.chinese & b.chinese:
        # Chou/Zhou, Tse-tung/Zedong: the same Chinese syllables in Wade–Giles and pinyin
        # (or aspirated and not, which Wade–Giles without apostrophes cannot tell apart).
        return CHINESE, "Wade–Giles/pinyin"
    nicknames = nickname_groups()
    if a.key in nicknames and familiar_forms(a.key, b.key):
        return FAMILIAR, "familiar form"
    if len(a.text) == 1 or len(b.text) == 1:
        short, other = (a, b) if len(a.text) == 1 else (b, a)
        if len(other.text) > 1 and other.text[0] == short.text:
            return INITIAL, "initial"
        return 0.0, ""
    if both_abjad and min(len(a.text), len(b.text)) < ABJAD_SHORT:
        # Both written in Arabic script: a short word is its root's three or four
        # consonants, and one letter more or less is another root (عارف Arif, آصف Asif).
        return 0.0, ""
    if min(len(a.text), len(b.text)) < 4:
        # Short words (as written: folding shortens BENN to BEN, it does not make it
        # short): one wrong letter (COOK/COCK) is a possible misspelling, no more.
        if len(a.key) == len(b.key) == 3 and Levenshtein.distance(a.key, b.key) == 1:
            return 0.6, "1 typing error"
        return 0.0, ""
    # Partial credit for a spelling that differs by typing errors (transpositions count
    # once): SCHULZE/SCHOLZ is probably a misspelling; below FUZZY_FLOOR it is another word.
    # The folded form is tried first, then the written one: folding can bring two
    # spellings closer (HEUNGJIN/Hungjin) or, less often, move a misspelling further
    # (Henjin). The distance stops counting past the word's allowance.
    best: tuple[float, int] | None = None
    forms = [(a.key, b.key)]
    if a.key != a.text or b.key != b.text:
        forms.append((a.text, b.text))
    if a.alternatives or b.alternatives:
        forms.extend((x, b.key) for x in a.alternatives)
        forms.extend((a.key, y) for y in b.alternatives)
    for x, y in forms:
        longest = max(len(x), len(y))
        allowed = _max_edits(longest)
        if longest - min(len(x), len(y)) > allowed:
            continue
        edits = OSA.distance(x, y, score_cutoff=allowed)
        if edits == 2 and not _two_edits_possible(x, y):
            continue
        ratio = 1.0 - edits / longest
        if edits <= allowed and ratio >= FUZZY_FLOOR and (best is None or ratio > best[0]):
            best = (ratio, edits)
        if best is not None and best[1] <= 1:
            break
    if best is not None:
        ratio, edits = best
        if (
            edits >= 2
            and _changed_block(a.key, b.key) >= MORPHEME
            and _changed_block(a.text, b.text) >= MORPHEME
        ):
            # Three or more letters changed in one place is another syllable or ending,
            # not a slip of the keyboard: SHAMSUDDIN/SHAHABUDDIN, LUKASHEVICH/LUKASHENKO.
            return 0.0, ""
        return 0.95 * ratio, f"{edits} {TYPING}" + ("s" if edits > 1 else "")
    return 0.0, ""


def _other_korean_word(a: str, b: str) -> bool:
    """Do two words that read as Korean syllables differ in two syllables or more?"""
    x, y = korean_syllables(a), korean_syllables(b)
    if x is None or y is None or len(x) != len(y) or len(x) < 2:
        return False
    return sum(1 for p, q in zip(x, y, strict=True) if p != q) >= 2


def _changed_block(a: str, b: str) -> int:
    """The longest run of letters changed in one place between ``a`` and ``b``."""
    longest = 0
    run_src = run_dest = 0
    last_src = last_dest = -1
    for op in Levenshtein.opcodes(a, b):
        if op.tag == "equal":
            continue
        if op.src_start == last_src and op.dest_start == last_dest:
            run_src += op.src_end - op.src_start
            run_dest += op.dest_end - op.dest_start
        else:
            run_src, run_dest = op.src_end - op.src_start, op.dest_end - op.dest_start
        last_src, last_dest = op.src_end, op.dest_end
        longest = max(longest, run_src, run_dest)
    return longest


def _max_edits(length: int) -> int:
    # a hot path: no loop over MAX_EDITS
    return 1 if length <= MAX_EDITS[0][0] else 2


def _two_edits_possible(x: str, y: str) -> bool:
    """Two typing errors make a misspelling of a word that keeps its first letter
    (SCHULZE / SCHOLZ, MERKEL / MERKUR); with the first letter changed too they make
    another name (PERRY / HENRY, MORENO / LORENA, MIRONOV / NIKONOV) unless it is an
    initial R or L that Korean romanisations drop (RYONHA / YUNHA)."""
    return (
        x[:1] == y[:1] or (x[:1] in "rl" and x[1:2] == y[:1]) or (y[:1] in "rl" and y[1:2] == x[:1])
    )


def _is_number(text: str) -> bool:
    return text.isdigit() or text in ROMAN_NUMERALS


def _near_length(joined: int, single: int) -> bool:
    """Could a join of this length be that word? Romanisations of one word differ by a
    few letters (Ch'ŏnmasan / Cheonmasan / Chonmasan), not by a third of it."""
    return abs(joined - single) <= max(3, single // 3)


def _merged(tokens: tuple[Token, ...], start: int, size: int) -> Token:
    parts = tokens[start : start + size]
    return _joined(
        tuple(t.text for t in parts),
        parts[0].korean is not None,
        all(t.chinese for t in parts),
    )


@lru_cache(maxsize=200_000)
def _joined(texts: tuple[str, ...], korean: bool, chinese: bool) -> Token:
    """Words written as one (cached: the same joins are tried for candidate after
    candidate, and folding a new word runs every fold rule)."""
    text = "".join(texts)
    syllables = korean_syllables(text) if korean else None
    # Only words that are each Chinese syllables can join into Chinese syllables: this
    # spares the syllable parse for the many joins tried on other names.
    return Token(
        text,
        fold(text),
        "-".join(syllables) if syllables else None,
        chinese=chinese_classes(text) if chinese else frozenset(),
    )


def _korean_sequence(name: Name) -> list[str] | None:
    if not name.tokens or any(t.korean is None for t in name.tokens):
        return None
    return [s for t in name.tokens for s in (t.korean or "").split("-")]


def _korean_sequences(name: Name) -> list[tuple[list[str], list[str]]]:
    """The name's syllables with the vowels each may be, and the syllables of its
    tokens' other splits (a given name written as one word: CHUNYEONG, chun-yeong or
    chu-nyeong; their vowels unknown), at most a few."""
    first = _korean_sequence(name)
    if first is None:
        return []
    vowels = [v for t in name.tokens for v in _token_vowels(t)]
    if len(vowels) != len(first):
        vowels = [""] * len(first)
    sequences = [(first, vowels)]
    if not any(t.korean_alts for t in name.tokens):
        return sequences
    options = [(t.korean or "", *t.korean_alts) for t in name.tokens]
    for combo in itertools.islice(itertools.product(*options), 1, KOREAN_SPLITS):
        syllables = [s for part in combo for s in part.split("-")]
        sequences.append((syllables, [""] * len(syllables)))
    return sequences


def _token_vowels(token: Token) -> tuple[str, ...]:
    count = (token.korean or "").count("-") + 1
    return token.vowels if len(token.vowels) == count else ("",) * count


def _same_vowels(a: list[str], b: list[str]) -> bool:
    """Could every syllable's vowel be the same (SEO 서 and SU 수 cannot)?"""
    return all(not x or not y or not set(x).isdisjoint(y) for x, y in zip(a, b, strict=True))


def _same_script(q: Name, c: Name) -> NameComparison | None:
    """Hangul against Hangul, Han against Han: the characters themselves decide."""
    if q.script != c.script or q.script not in ("hangul", "han"):
        return None
    a = "".join(q.original.split())
    b = "".join(c.original.split())
    if a == b:
        return NameComparison(1.0, q.original, c.original, (("", "", "same characters"),))
    if len(a) == len(b) and sorted(a) == sorted(b):
        return None  # the same characters in another order: let the readings decide
    similarity = Levenshtein.normalized_similarity(a, b)
    return NameComparison(
        round(0.6 * similarity, 4), q.original, c.original, (("", "", "different characters"),)
    )


def _compare_korean(q: Name, c: Name, org: bool) -> NameComparison | None:
    """Korean names compared syllable by syllable, family name first or last; where a
    token splits into syllables more than one way, the split that agrees best."""
    q_options, c_options = _korean_sequences(q), _korean_sequences(c)
    if not q_options or not c_options:
        return None
    best: NameComparison | None = None
    for qs, qv in q_options:
        for cs, cv in c_options:
            found = _compare_korean_sequences(q, c, qs, cs, org, qv, cv)
            if found is not None and (best is None or found.score > best.score):
                best = found
            if best is not None and best.score >= GLIDE_SLIP:
                return best
    return best


def _compare_korean_sequences(
    q: Name,
    c: Name,
    qs: list[str],
    cs: list[str],
    org: bool,
    qv: list[str],
    cv: list[str],
) -> NameComparison | None:
    if len(qs) < 2 or len(cs) < 2:
        return None
    if len(qs) != len(cs):
        return None if org else _part_of_korean_name(q, c, qs, cs)
    rotations = [cs, cs[1:] + cs[:1], cs[-1:] + cs[:-1]]
    vowel_rotations = [cv, cv[1:] + cv[:1], cv[-1:] + cv[:-1]]
    shared = sum((Counter(qs) & Counter(cs)).values())
    best = 0.6 * shared / len(qs)
    for rot, vowels in zip(rotations, vowel_rotations, strict=True):
        same = sum(1 for a, b in zip(qs, rot, strict=True) if a == b)
        if same == len(qs) and _same_vowels(qv, vowels):
            exact = [t.text for t in q.tokens] == [t.text for t in c.tokens]
            return NameComparison(
                1.0 if exact else 0.97, q.original, c.original, (("", "", "same Korean syllables"),)
            )
    romanised = q.script == c.script == "latin"  # Hangul and Cyrillic say it exactly
    for rot, vowels in zip(rotations, vowel_rotations, strict=True) if romanised else ():
        slips = [(a, b) for a, b in zip(qs, rot, strict=True) if a != b]
        agree = [(x, y) for x, y, a, b in zip(qv, vowels, qs, rot, strict=True) if a == b]
        if (
            len(slips) == 1
            and _glide_dropped(*slips[0])
            and _same_vowels([x for x, _ in agree], [y for _, y in agree])
        ):
            # HWANG SOK HA for HWANG SOK-HWA, Pong for Pyong: a w or y left out of one
            # syllable is a slip of the romanisation, not another given name.
            return NameComparison(
                GLIDE_SLIP, q.original, c.original, (("", "", "a Korean syllable without its w/y"),)
            )
    return NameComparison(
        round(best, 4), q.original, c.original, (("", "", "different Korean syllables"),)
    )


def _part_of_korean_name(q: Name, c: Name, qs: list[str], cs: list[str]) -> NameComparison:
    """Korean names of different lengths are different names: a given name of one
    syllable is not one of two (KIM Chol is not KIM Chol Su, KIM Jong not KIM Jong Un),
    nor is a name cut short the whole. The shorter name read in order from the family
    name inside the longer is the closer (KIM Jong in KIM Jong Un, not KIM Yo Jong)."""
    q_text = "".join(t.text for t in q.tokens)
    c_text = "".join(t.text for t in c.tokens)
    longest = max(len(q_text), len(c_text))
    romanised = q.script == c.script == "latin"  # Hangul and Cyrillic say it exactly
    if romanised and longest >= 8 and OSA.distance(q_text, c_text, score_cutoff=1) <= 1:
        # KIM JONG-UUN: a doubled letter made a syllable; a typing error, not a name
        return NameComparison(
            round(0.95 * (1 - 1 / longest), 4),
            q.original,
            c.original,
            (("", "", "1 typing error"),),
        )
    short, long_ = (qs, cs) if len(qs) < len(cs) else (cs, qs)
    rotations = [long_, long_[1:] + long_[:1], long_[-1:] + long_[:-1]]
    missing = " ".join(t.text for t in (c if short is qs else q).tokens)
    if any(rot[: len(short)] == short for rot in rotations):
        return NameComparison(
            KOREAN_PART, q.original, c.original, (("", "", f"a part of the Korean name {missing}"),)
        )
    shared = sum((Counter(short) & Counter(long_)).values())
    return NameComparison(
        round(0.6 * shared / len(long_), 4),
        q.original,
        c.original,
        (("", "", "different Korean names"),),
    )


def _glide_dropped(a: str, b: str) -> bool:
    """Is one syllable class the other with a w or y glide left out (HWA/HA, PYONG/PONG)?"""
    if len(a) == len(b):
        return False
    long_, short = (a, b) if len(a) > len(b) else (b, a)
    if len(long_) != len(short) + 1:
        return False
    return any(
        long_[k] in "WY" and long_[:k] + long_[k + 1 :] == short for k in range(1, len(long_))
    )


ACRONYM_SKIP = frozenset({"of", "the", "for", "and", "de", "des", "du"})


def _acronym(q: Name, c: Name) -> NameComparison | None:
    """KCST is KOREAN COMMITTEE FOR SPACE TECHNOLOGY; RGB, RECONNAISSANCE GENERAL BUREAU
    (organisations only: a person's initials are no acronym, PA is not PAK ARUM)."""
    for short, long_ in ((q, c), (c, q)):
        if len(short.tokens) != 1 or len(long_.tokens) < 2:
            continue
        letters = short.tokens[0].text
        if not 2 <= len(letters) <= 8 or not letters.isalpha():
            continue
        initials = "".join(t.text[0] for t in long_.tokens if t.text not in ACRONYM_SKIP)
        if letters == initials:
            return NameComparison(0.9, q.original, c.original, (("", "", "acronym"),))
    return None


def compare(q: Name, c: Name, weight: Weight, org: bool = False) -> NameComparison:
    result = _compare(q, c, weight, org)
    if org and q.legal_kind != c.legal_kind and q.legal_kind and c.legal_kind:
        # A name of common words only (GLOBAL ENERGY) says little of which company it
        # is; then the legal form is most of what does.
        generic = all(weight(t.key) < DISTINCTIVE for t in q.tokens)
        factor = OTHER_KIND_GENERIC if generic else OTHER_KIND
        return NameComparison(
            round(result.score * factor, 4),
            result.query,
            result.candidate,
            (*result.pairs, ("", "", f"{q.legal_kind} / {c.legal_kind} company")),
        )
    return result


def _compare(q: Name, c: Name, weight: Weight, org: bool) -> NameComparison:
    decided = _same_script(q, c) or _compare_korean(q, c, org) or (_acronym(q, c) if org else None)
    if decided is not None:
        return decided
    if (
        q.joined
        and (q.joined == c.joined or _with_form(q) == _with_form(c))
        and _same_letters_as_written(q, c)
    ):
        return _same_letters(q, c)
    return _align(q, c, weight, org)


def _same_letters_as_written(q: Name, c: Name) -> bool:
    """Folded alike, but is it the same name? Chinese syllables and short words are
    judged as written (ZHANG JIANPING is not YANG JIANPING, VII not VIII)."""
    tokens = (*q.tokens, *c.tokens)
    if not any(t.pinyin or len(t.text) < 4 for t in tokens):
        return True
    q_text = "".join(t.text for t in q.tokens)
    return q_text == "".join(t.text for t in c.tokens) or _with_form(q) == _with_form(c)


def _same_letters(q: Name, c: Name) -> NameComparison:
    """Two names of the same letters: the same name as written, spelled as a variant
    word for word, or split into words differently (CHONMASAN / CHON MA SAN)."""
    q_texts, c_texts = [t.text for t in q.tokens], [t.text for t in c.tokens]
    if q_texts == c_texts:
        how, value = "same name", 1.0
    elif len(q_texts) == len(c_texts):
        how, value = "same name, spelled as a variant", 0.97
    else:
        how, value = "same letters, split differently", 0.97
    return NameComparison(value, q.original, c.original, (("", "", how),))


def _with_form(name: Name) -> str:
    """The name's letters with its legal form: SIEMENSAG is SIEMENS AG (as written, since
    folding a word's end differs from folding the joined word's middle)."""
    return "".join(t.text for t in name.tokens) + (name.legal_form or "").replace(" ", "")


def _align(q: Name, c: Name, weight: Weight, org: bool) -> NameComparison:
    qt, ct = q.tokens, c.tokens
    abjad = "arabic" in (q.script, c.script)
    both_abjad = q.script == c.script == "arabic"
    pairs: list[tuple[float, int, int, int, int, str]] = []  # sim, qi, qsize, ci, csize, how
    for i, a in enumerate(qt):
        for j, b in enumerate(ct):
            sim, how = token_similarity(a, b, abjad, both_abjad)
            if sim and org and TYPING in how and _other_korean_word(a.text, b.text):
                # KWANGSONG / KANGBONG TRADING: in a company's name, two Korean syllables
                # changed is another word (one may be a misspelling: RYONHWA / RYONHA).
                continue
            if sim:
                pairs.append((sim, i, 1, j, 1, how))
    # A token on one side written as two or three on the other (CHONMASAN / CHON MA SAN):
    # only where the letters (nearly) agree, not as an initial, and only for
    # tokens that found no partner of their own (the common case costs nothing).
    q_alone = set(range(len(qt))).difference(p[1] for p in pairs if p[0] >= 0.95)
    c_alone = set(range(len(ct))).difference(p[3] for p in pairs if p[0] >= 0.95)
    # A family name that stands alone (宋岩 is SONG Yan) is joined with nothing: SONG YAN
    # is not JI Songyan.
    if q.family_first:
        q_alone.discard(0)
    if c.family_first:
        c_alone.discard(0)
    if q_alone and c_alone and (len(q_alone) > 1 or len(c_alone) > 1):
        for sim, i, size, j, how in _joins(qt, q_alone, ct, c_alone):
            pairs.append((sim, i, size, j, 1, how))
        for sim, j, size, i, how in _joins(ct, c_alone, qt, q_alone):
            pairs.append((sim, i, 1, j, size, how))
    pairs.sort(key=lambda p: (-p[0], -(p[2] + p[4]), p[1], p[3]))
    q_used = [0.0] * len(qt)
    c_used = [0.0] * len(ct)
    order: list[tuple[int, int]] = []
    explained: list[tuple[str, str, str]] = []
    for sim, i, qsize, j, csize, how in pairs:
        if any(q_used[i : i + qsize]) or any(c_used[j : j + csize]):
            continue
        q_used[i : i + qsize] = [sim] * qsize
        c_used[j : j + csize] = [sim] * csize
        order.append((i, j))
        explained.append(
            (
                qt[i].text if qsize == 1 else " ".join(t.text for t in qt[i : i + qsize]),
                ct[j].text if csize == 1 else " ".join(t.text for t in ct[j : j + csize]),
                how,
            )
        )
    cut = (
        _cut_short(qt, q_used, _may_be_cut(q), ct, c_used, _may_be_cut(c))
        if not (all(q_used) or all(c_used))
        else None
    )
    if cut is not None:
        i, j = cut
        q_used[i] = c_used[j] = INITIAL
        order.append((i, j))
        explained.append((qt[i].text, ct[j].text, "cut short"))
    qw = [weight(t.key) for t in qt]
    cw = [weight(t.key) for t in ct]
    q_cov = sum(s * w for s, w in zip(q_used, qw, strict=True)) / (sum(qw) or 1.0)
    c_cov = sum(s * w for s, w in zip(c_used, cw, strict=True)) / (sum(cw) or 1.0)
    # The name contained in the other (the better covered: with joins, not always the one
    # with fewer words) decides. What costs is the share of the other name's words left
    # without a partner; how well the partnered ones agree is already in its coverage.
    covered, l_used, l_w = (q_cov, c_used, cw) if q_cov >= c_cov else (c_cov, q_used, qw)
    extra = sum(w for u, w in zip(l_used, l_w, strict=True) if not u) / (sum(l_w) or 1.0)
    score = covered * (1.0 - EXTRA_COST["org" if org else "person"] * extra)

    q_left = [t.text for t, used in zip(qt, q_used, strict=True) if not used]
    c_left = [t.text for t, used in zip(ct, c_used, strict=True) if not used]
    if q_left and c_left and _not_particles(qt, q_used) and _not_particles(ct, c_used):
        score *= CONFLICT
        explained.append(("", "", f"unmatched {' '.join(q_left)} / {' '.join(c_left)}"))
        if any(map(_is_number, q_left)) and any(map(_is_number, c_left)):
            score *= NUMBER_CONFLICT
    elif (
        (len(qt) == 1 or len(ct) == 1)
        and not all(map(_is_number, q_left or c_left or ["1"]))  # VICTORY / VICTORY 3
        and (not org or _weak_one_word(q, c, qw, cw))
    ):
        # One word of a longer name (JOHN in JOHN SOLHEIM, a one-word alias; a company's
        # one-word name in a longer one, KORYO in KORYO BANK, KEY in GLOBAL KEY): weak.
        score *= ONE_WORD
        explained.append(("", "", f"one word of a longer name: {' '.join(q_left or c_left)}"))
    elif org and any(map(_is_number, q_left or c_left)):
        # FUND II is not FUND, nor MANAGEMENT COMPANY 23 the MANAGEMENT COMPANY.
        score *= NUMBER_EXTRA
        explained.append(("", "", f"number on one side only: {' '.join(q_left or c_left)}"))
    if org and (q_left or c_left):
        q_places, c_places = _places(qt, q_used), _places(ct, c_used)
        if q_places and c_places:
            score *= PLACE_CONFLICT
            explained.append(("", "", f"different places: {q_places} / {c_places}"))
        elif q_places or c_places:
            score *= PLACE_EXTRA
            explained.append(("", "", f"a place on one side only: {q_places or c_places}"))
        short_side, short_w, other_left = (qt, qw, c_left) if q_cov >= c_cov else (ct, cw, q_left)
        if other_left and len(short_side) == 1 and short_w[0] < COMMON:
            # MANAGEMENT COMPANY inside WESTMINISTER MANAGEMENT COMPANY: a common word
            # for a name names no one in particular.
            score *= COMMON_ONLY
            explained.append(("", "", f"a common word for a name: {short_side[0].text}"))
        if c_left and q_cov >= c_cov and len(qt) > 1 and max(qw) < DISTINCTIVE:
            # KOREA MINING inside KOREA <word> MINING CORPORATION: a name of common words
            # only names no company in particular, and a word of the other's that is no
            # generic word of company names is what names it: strong evidence of another
            # company (KOREA TRADING is not KOREA MINING DEVELOPMENT TRADING).
            distinctive = [
                t.text
                for t, used, w in zip(ct, c_used, cw, strict=True)
                if not used
                and w >= COMMON
                and t.key not in generic_keys()
                and t.key not in ORDINALS
                and t.key not in particles()
                and not _is_number(t.text)
                and not is_place(t.text)
            ]
            if distinctive:
                score *= DISTINCTIVE_MISSING
                explained.append(("", "", f"a distinctive word it lacks: {' '.join(distinctive)}"))
            elif all(t.key in generic_keys() for t in qt):
                # INVESTMENT BANK inside INTERNATIONAL INVESTMENT BANK: generic words only
                score *= GENERIC_ONLY
                explained.append(("", "", "generic words only"))
        shared = [t.text for t, used in zip(qt, q_used, strict=True) if used]
        if shared and is_place(" ".join(shared)):
            # SINGAPORE against P.C.C. (SINGAPORE) PRIVATE LIMITED: where, not who.
            score *= PLACE_CONFLICT
            explained.append(("", "", "only a place in common"))
    if not org and any(
        len(side[0].text) == 1 and all(len(t.text) == 1 for t in side) for side in (qt, ct)
    ):
        # N.N. against NURSULTAN NAZARBAYEV: initials alone name no one.
        score *= ONE_WORD
        explained.append(("", "", "initials only"))
    if (
        not org
        and (q_left or c_left)
        and score > CHINESE_PART
        and any(t.pinyin for t in (*qt, *ct))
    ):
        # A Chinese given name is one name, whatever its spacing: WEN is not WEN-FU, nor
        # LI HONG LI HONG RI; the closest of the names, like a part of a Korean name.
        score = CHINESE_PART
        explained.append(("", "", f"a part of the Chinese name: {' '.join(q_left or c_left)}"))
    if not org:
        other = _another_first_name(q, c, q_used, c_used, order)
        if other:
            score *= OTHER_FIRST_NAME
            explained.append(("", "", f"another first name: {other}"))
    if _lineage_swapped(qt, ct, order):
        score *= LINEAGE_SWAPPED
        explained.append(("", "", "father and son swapped around bin/ibn"))
    elif len(order) > 2 and not _rotation(
        [(i, j) for i, j in order if qt[i].key not in particles()]
    ):
        score *= REORDERED
        explained.append(("", "", "words in another order"))
    elif org and len(order) == 2 and sorted(order)[0][1] > sorted(order)[1][1]:
        # ENERGY GLOBAL against GLOBAL ENERGY: a company's name keeps its order.
        score *= ORG_SWAPPED
        explained.append(("", "", "words in another order"))
    return NameComparison(round(score, 4), q.original, c.original, tuple(explained))


def _weak_one_word(q: Name, c: Name, qw: list[float], cw: list[float]) -> bool:
    """Is a company's one-word name inside the other's longer name weak evidence? Yes,
    unless the word is found in no other listed name and both are written in one script
    (FABERLIC in FABERLIC EUROPE); a common word or brand (KORYO in KORYO BANK, KEY in
    GLOBAL KEY), or a word known only by its sound from another script (미래, MIRAE),
    names no company in particular."""
    word_weight = qw[0] if len(q.tokens) == 1 else cw[0]
    return word_weight < UNIQUE or q.script != c.script


def _another_first_name(
    q: Name, c: Name, q_used: list[float], c_used: list[float], order: list[tuple[int, int]]
) -> str:
    """Where one name's own name is left without a partner: '' if not, else the words.

    - An Arabic name (in Arabic script, or with bin/ibn) is the person's own name
      followed by the father's and forefathers': one whose first name is left over while
      the other's first name stands for its second is the son or the father (USAMA BIN
      LADEN is not HAMZA USAMA MUHAMMAD BIN LADEN).
    - A list's "FAMILY, Given" name of which neither the first family name nor the first
      given name has a partner is not named by its second names alone (PATRICIA RIVERA
      is not SANCHEZ RIVERA, Doris Patricia); nor one whose first given name is left
      over while the other's stands for its second (ANDREA GONZALEZ is not GONZALEZ
      MEDINA, Jaime Andres)."""
    if q.family_first or c.family_first:
        return ""
    lineage = "arabic" in (q.script, c.script) or any(
        t.key == "bin" for t in (*q.tokens, *c.tokens)
    )
    if not lineage and q.given_start is None and c.given_start is None:
        return ""
    if any(t.pinyin for t in (*q.tokens, *c.tokens)):
        return ""
    partner = dict(order)
    reverse = {j: i for i, j in order}
    for one, two, one_used, mapping in ((c, q, c_used, partner), (q, c, q_used, reverse)):
        tokens = one.tokens
        first = one.given_start or 0
        if one.given_start is not None:
            family = tokens[0]
            if not one_used[0] and not one_used[first] and any(one_used):
                return f"{family.text}, {tokens[first].text}"
            families = [i for i in range(first) if tokens[i].key not in particles()]
            if len(families) >= 2 and not one_used[families[0]] and any(one_used[:first]):
                return f"{tokens[families[0]].text} (the first family name)"
        elif not lineage:
            continue
        if len(tokens[first].text) < 2 or one_used[first] or tokens[first].key in particles():
            continue
        # the other's first given name stands for a later given name of this one
        found = mapping.get(two.given_start or 0)
        if found is not None and found > first:
            return tokens[first].text
    return ""


def _not_particles(tokens: tuple[Token, ...], used: list[float]) -> bool:
    """Is a word other than a particle left without a partner?"""
    joining = particles()
    return any(not u and t.key not in joining for t, u in zip(tokens, used, strict=True))


def _may_be_cut(name: Name) -> bool:
    """Is the name long enough to have met a field's end (THOMAS A. LIND is not), and
    does it end mid-word, without the closing quote or point a whole name would keep
    (OOO "BAI" is not BAIKAL cut short)?"""
    return len(name.original) >= CUT_AT and name.original[-1].isalnum()


def _cut_short(
    qt: tuple[Token, ...],
    q_used: list[float],
    q_cut: bool,
    ct: tuple[Token, ...],
    c_used: list[float],
    c_cut: bool,
) -> tuple[int, int] | None:
    """A name's last word cut short where a field ended (a SWIFT line holds 35
    characters: NOUREDDINE BEN ALI BEN BELKASSEM DR for ... DRISSI): the unpartnered last
    word, of two letters or more, of a name that ``_may_be_cut``, which begins an
    unpartnered word of the other name. (query word, candidate word), or None."""
    for short, s_used, long_, l_used, flip in (
        (qt if q_cut else (), q_used, ct, c_used, False),
        (ct if c_cut else (), c_used, qt, q_used, True),
    ):
        if not short or s_used[-1]:
            continue
        last = short[-1]
        if len(last.text) < 2 or last.text.isdigit():
            continue
        for j, word in enumerate(long_):
            if (
                not l_used[j]
                and len(word.text) > len(last.text)
                and word.text.startswith(last.text)
            ):
                return (j, len(short) - 1) if flip else (len(short) - 1, j)
    return None


def _places(tokens: tuple[Token, ...], used: list[float]) -> str:
    """Unpartnered words of an organisation's name that name a country or territory
    (one word or two: CHILE, HONG KONG), past its first word: a name that begins with its
    country (KOREA RYONBONG GENERAL CORPORATION) says where it is from, not which branch
    it is."""
    found: list[str] = []
    i = 1
    while i < len(tokens):
        if used[i]:
            i += 1
            continue
        if (
            i + 1 < len(tokens)
            and not used[i + 1]
            and is_place(tokens[i].text + " " + tokens[i + 1].text)
        ):
            found.append(tokens[i].text + " " + tokens[i + 1].text)
            i += 2
            continue
        if is_place(tokens[i].text):
            found.append(tokens[i].text)
        i += 1
    return " ".join(found)


def _lineage_swapped(
    qt: tuple[Token, ...], ct: tuple[Token, ...], order: list[tuple[int, int]]
) -> bool:
    """AHMAD BIN HASAN against HASAN BIN AHMAD: "X bin Y" is X son of Y, so "X bin Y" on
    one side and "Y bin X" on the other (bin/ibn folded alike) are two people."""
    partner = dict(order)
    for i in range(1, len(qt) - 1):
        if qt[i].key != "bin":
            continue
        father, son = partner.get(i + 1), partner.get(i - 1)
        if father is not None and son == father + 2 and ct[father + 1].key == "bin":
            return True
    return False


def _joins(
    side: tuple[Token, ...], alone: set[int], other: tuple[Token, ...], other_alone: set[int]
) -> Iterator[tuple[float, int, int, int, str]]:
    """Two or three unpartnered words of ``side`` written as one word of ``other``:
    (similarity, first word, words joined, other's word, how), where the letters nearly
    agree. Only words of a near length are compared, each join read once."""
    lengths = [(j, len(other[j].text)) for j in other_alone]
    short = [j for j, n in lengths if n <= 3]
    for size in (2, 3):
        # JC for JEAN-CLAUDE: initials written together, as often as apart.
        abbreviations = [j for j in short if len(other[j].text) == size] if short else short
        for i in range(len(side) - size + 1):
            if i not in alone or i + 1 not in alone or (size == 3 and i + 2 not in alone):
                continue
            if abbreviations:
                initials = "".join(t.text[0] for t in side[i : i + size])
                for j in abbreviations:
                    if other[j].text == initials:
                        yield INITIAL, i, size, j, "initials"
            length = sum(len(t.text) for t in side[i : i + size])
            near = [j for j, n in lengths if _near_length(length, n)]
            if not near:
                continue
            merged = _merged(side, i, size)
            for j in near:
                # token_similarity is symmetric: the joined word may stand on either side
                sim, how = _join_similarity(merged, other[j])
                if sim >= MERGE_FLOOR:
                    yield sim, i, size, j, "joined, " + how


def _join_similarity(a: Token, b: Token) -> tuple[float, str]:
    """``token_similarity`` where only MERGE_FLOOR or more counts: a join is tried against
    many words and nearly always fails, so the likenesses that cannot reach the floor
    are not computed. Below 10 letters, one typing error already falls short (0.95 × 8/9
    is 0.84); so do numbers, initials and short words."""
    if (
        a.text == b.text
        or a.key == b.key
        or (a.korean is not None and a.korean == b.korean)
        or (a.chinese and b.chinese and a.chinese & b.chinese)
        or a.key in nickname_groups()
        or max(len(a.text), len(b.text), len(a.key), len(b.key)) >= 10
    ):
        return token_similarity(a, b)
    return 0.0, ""


def _rotation(order: list[tuple[int, int]]) -> bool:
    """Is the alignment the same order, or the same order rotated (family name moved)?"""
    if len(order) < 3:
        return True
    seq = [j for _, j in sorted(order)]
    breaks = sum(1 for a, b in itertools.pairwise(seq) if b < a)
    return breaks == 0 or (breaks == 1 and seq[-1] < seq[0])
