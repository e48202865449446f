"""Name analysis: any script in, comparable Latin tokens out.

A name is read into one or more *readings* (a Hanja name is read in Korean and in
pinyin), each a tuple of tokens. A token carries three forms:

- ``text``: lower-case ASCII (ICU transliteration, marks and apostrophes dropped);
- ``key``: ``text`` folded by the rules in ``data/names.yaml``, so that the spellings of
  one Cyrillic, Chinese or Korean sound in the usual romanisation systems come together;
- ``korean``: when every token of the name parses as romanised Korean syllables, the
  syllables' classes from ``data/korean.yaml`` (``Jong``/``Chong``/``Jeong``/정 → one key);
- ``chinese``: when the token is made of pinyin or Wade–Giles syllables, their classes
  from ``data/chinese.yaml`` (``Chou``/``Zhou`` → ``Jou``).

Before tokens are made, runs of words are rewritten (``data/names.yaml``: phrases such as
``J/V`` or ``joint operation`` for joint venture, number words, digits used for look-alike
letters), and a value holding two names (``AL-QA'IDA/ISLAMIC ARMY``) or a parenthesised
one (``DAEDONG CREDIT BANK (DCB)``) is read as each of them.

Transliteration is ICU's (PyICU), the well-kept implementation of the CLDR transforms.
Hangul is read out by our own jamo table instead of ICU's ``Hangul-Latin``, because ICU
joins the syllables of a name into one word (``gimjeong-eun``) and so loses the family
name; Hanja are read in Korean with the ``hanja`` package's dictionary.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import hanja
import icu
import yaml
from rigour.names import remove_person_prefixes
from rigour.territories import get_territories

HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3
SYLLABLE = "\u00b7"  # marks syllable boundaries in read-out Hangul
ABJAD_Z = str.maketrans({"ض": "ز", "ظ": "ز", "ذ": "ز"})


# Numbers written in Roman numerals in names (FUND XI, BRIGADE V).
ROMAN_NUMERALS = frozenset(
    [
        "i",
        "ii",
        "iii",
        "iv",
        "v",
        "vi",
        "vii",
        "viii",
        "ix",
        "x",
        "xi",
        "xii",
        "xiii",
        "xiv",
        "xv",
        "xx",
    ]
)


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    key: str
    korean: str | None = None
    consonants: str = ""
    chinese: frozenset[str] = frozenset()  # ``chinese_classes(text)``, read once
    # The token belongs to a name written in pinyin (or read from Han characters as
    # pinyin) that is not read as Korean: its syllables are Chinese syllables, compared as
    # such (no Russian folds, no typing errors between one syllable and another).
    pinyin: bool = False
    # Keys of the token in other transliterations of Russian (French, German, Spanish,
    # Italian: Patrouchev, Naryschkin), when the name shows that system's marks.
    alternatives: frozenset[str] = frozenset()
    # Other splits of a Korean token into syllables (``korean_alternatives``).
    korean_alts: tuple[str, ...] = ()
    # The vowels each syllable of ``korean`` may be (``korean_vowels``), "" for any.
    vowels: tuple[str, ...] = ()
    # The token's Korean syllables even where its name is not read as Korean
    # (``korean_word``): a company's or vessel's Korean word in any romanisation.
    syllables: str | None = None


@dataclass(frozen=True, slots=True)
class Name:
    """One reading of a name."""

    original: str
    tokens: tuple[Token, ...]
    script: str
    legal_form: str | None = None
    # The kind of company its legal forms make (``legal_form_kinds``), if they say.
    legal_kind: str | None = None
    # A name's parenthesised part (HONG KONG in BANK OF CHINA (HONG KONG)), on each of its
    # readings, and whether this reading is the name without it: two names qualified
    # differently must not be equal by what is left once their qualifiers are gone.
    qualifier: str | None = None
    unqualified: bool = False
    # The first token is a family name that stands alone (a person's name read from Han
    # characters or from Hangul: 宋岩 is SONG Yan): it is never joined with the given name.
    family_first: bool = False
    # Where the given names begin in a list's "FAMILY, Given" form (the token after the
    # comma), or None when the name is not written that way.
    given_start: int | None = None

    @property
    def joined(self) -> str:
        return "".join(t.key for t in self.tokens)


# -- declared data ------------------------------------------------------------------------


def _load(name: str) -> Any:
    return yaml.safe_load(resources.files(__package__).joinpath("data", name).read_text("utf-8"))


@cache
def rules_digest() -> str:
    """A fingerprint of the name rules: an index saved under other rules holds other keys
    and must be rebuilt, not read."""
    digest = hashlib.sha256()
    folder = resources.files(__package__).joinpath("data")
    for name in sorted(p.name for p in folder.iterdir() if p.name.endswith(".yaml")):
        digest.update(name.encode() + b"\0" + folder.joinpath(name).read_bytes())
    return digest.hexdigest()[:16]


@cache
def _korean() -> dict[str, Any]:
    data: dict[str, Any] = _load("korean.yaml")
    syl = data["syllable"]
    for part in ("initials", "vowels", "finals"):
        # spelling -> class, tried longest first
        table = {sp: cls for cls, spellings in syl[part].items() for sp in spellings}
        syl[part] = sorted(table.items(), key=lambda kv: -len(kv[0]))
    return data


@cache
def _names() -> dict[str, Any]:
    data: dict[str, Any] = _load("names.yaml")
    data["fold"] = [(re.compile(pat), rep) for pat, rep in data["fold"]]
    data["consonants"] = [(re.compile(pat), rep) for pat, rep in data["consonants"]]
    data["legal_forms"] = [tuple(form.split()) for form in data["legal_forms"]]
    # Each form under its first and its last word, in the list's order: a name is
    # checked against the few forms that could end or begin it, not all of them.
    for edge, end in (("legal_forms_by_last", -1), ("legal_forms_by_first", 0)):
        index: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
        for order, form in enumerate(data["legal_forms"]):
            index.setdefault(form[end], []).append((order, form))
        data[edge] = index
    data["legal_form_kinds"] = {
        form: kind for kind, forms in data["legal_form_kinds"].items() for form in forms
    }
    data["vessel_prefixes"] = frozenset(data["vessel_prefixes"])
    data["titles"] = frozenset(data["titles"])
    glosses = dict(data["glosses"])
    for words in _load("dprk_organisations.yaml")["words"].values():
        for written, english in words.items():
            glosses.setdefault(written, f" {english} ")
    data["glosses"] = sorted(glosses.items(), key=lambda kv: -len(kv[0]))
    data["phrases"] = sorted(
        ((tuple(k.split()), tuple(v.split())) for k, v in data["phrases"].items()),
        key=lambda kv: -len(kv[0]),
    )
    phrases_by_first: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
    for phrase, replacement in data["phrases"]:
        phrases_by_first.setdefault(phrase[0], []).append((phrase, replacement))
    data["phrases_by_first"] = phrases_by_first
    return data


DIGITS = frozenset("123456789")
# Digits written for the letters they look like inside a word (Ig0r Sech1n), a common way
# of slipping a name past a screening filter.
LOOKALIKE = str.maketrans("0134579", "oieastg")
# single digits, each between letters (not A320NEO, R2D2, AR16)
LEET_WORD = re.compile(r"(?:[a-z]+[0134579])+[a-z]+")


def _letters_for_digits(word: str) -> str:
    if word.isalpha() or not LEET_WORD.fullmatch(word):
        return word
    return word.translate(LOOKALIKE)


def _rewrite_phrases(words: list[str]) -> list[str]:
    """Multi-word equivalents (``phrases``) and number words (``numbers``) rewritten."""
    data = _names()
    units, tens = data["numbers"]["units"], data["numbers"]["tens"]
    out: list[str] = []
    i = 0
    phrases = data["phrases_by_first"]
    while i < len(words):
        for phrase, replacement in phrases.get(words[i], ()):
            if tuple(words[i : i + len(phrase)]) == phrase:
                out.extend(replacement)
                i += len(phrase)
                break
        else:
            word = _letters_for_digits(words[i])
            if word in tens:
                value = tens[word]
                following = words[i + 1] if i + 1 < len(words) else ""
                unit = int(following) if following in DIGITS else units.get(following, 10)
                if 0 < unit < 10:  # FORTY-FOUR, and FORTY 4
                    value += unit
                    i += 1
                out.append(str(value))
            elif word in units:
                out.append(str(units[word]))
            else:
                out.append(word)
            i += 1
    return out


@cache
def _chinese() -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    """Pinyin syllables, and each Wade–Giles syllable with the pinyin it may stand for."""
    data = _load("chinese.yaml")
    pinyin = frozenset(data["pinyin"])
    wade_giles: dict[str, set[str]] = {}
    for initial, py_initials in data["wade_giles"]["initials"].items():
        for final, py_finals in data["wade_giles"]["finals"].items():
            readings = {i + f for i in py_initials for f in py_finals} & pinyin
            if readings:
                wade_giles.setdefault(initial + final, set()).update(readings)
    return pinyin, {k: frozenset(v) for k, v in wade_giles.items()}


# Pinyin initials that differ only in aspiration, or that Wade–Giles without its
# apostrophes writes alike (ch = zh/ch/j/q), share a class; finals are kept.
_CHINESE_INITIAL_CLASS = (
    ("zh", "J"), ("ch", "J"), ("sh", "sh"), ("b", "P"), ("p", "P"), ("d", "T"), ("t", "T"),
    ("g", "K"), ("k", "K"), ("z", "Z"), ("c", "Z"), ("j", "J"), ("q", "J"),
)  # fmt: skip


def _chinese_class(syllable: str) -> str:
    for initial, cls in _CHINESE_INITIAL_CLASS:
        if syllable.startswith(initial):
            return cls + syllable[len(initial) :]
    return syllable


@lru_cache(maxsize=100_000)
def pinyin_classes(token: str) -> frozenset[str]:
    """The class of a token read from Han characters, whose syllables are pinyin and
    only pinyin (a pinyin YU is not the Wade–Giles YU that may stand for YI); the fewest
    syllables, as in ``chinese_classes``."""
    pinyin = _pinyin_for_names()
    n = len(token)
    best: list[tuple[int, tuple[str, ...]] | None] = [None] * (n + 1)
    best[n] = (0, ())
    for i in range(n - 1, -1, -1):
        for size in range(1, min(6, n - i) + 1):
            rest = best[i + size]
            if rest is None or token[i : i + size] not in pinyin:
                continue
            option = (rest[0] + 1, (_chinese_class(token[i : i + size]), *rest[1]))
            current = best[i]
            if current is None or option[0] < current[0]:
                best[i] = option
    found = best[0]
    return frozenset({"-".join(found[1])}) if found else chinese_classes(token)


@lru_cache(maxsize=200_000)
def chinese_classes(token: str) -> frozenset[str]:
    """The pinyin-or-Wade–Giles reading classes of a romanised token (``Chou`` and
    ``Zhou`` share ``Jou``; ``Chien-shu`` written ``chienshu`` and ``Jianshu`` share
    ``Jian-shu``), or nothing when the token is not made of Chinese syllables. The
    fewest syllables win, as in ``korean_syllables``."""
    if not 2 <= len(token) <= 24 or not token.isalpha():
        return frozenset()
    pinyin, wade_giles = _chinese()
    n = len(token)
    best: list[tuple[int, tuple[frozenset[str], ...]] | None] = [None] * (n + 1)
    best[n] = (0, ())
    for i in range(n - 1, -1, -1):
        for size in range(1, min(6, n - i) + 1):
            piece = token[i : i + size]
            readings = ({piece} & pinyin) | wade_giles.get(piece, frozenset())
            rest = best[i + size]
            if not readings or rest is None:
                continue
            option = (rest[0] + 1, (frozenset(map(_chinese_class, readings)), *rest[1]))
            current = best[i]
            if current is None or option[0] < current[0]:
                best[i] = option
    found = best[0]
    if found is None:
        return frozenset()
    classes = [""]
    for options in found[1]:
        classes = [f"{c}-{o}" if c else o for c in classes for o in sorted(options)][:8]
    return frozenset(classes)


@cache
def _transliterator(rules: str) -> Any:
    return icu.Transliterator.createInstance(rules)


# -- scripts --------------------------------------------------------------------------------


def script_of(text: str) -> str:
    """The first non-Latin script found in ``text``, else ``latin``."""
    for ch in text:
        cp = ord(ch)
        if cp < 0x0370:
            continue
        if HANGUL_FIRST <= cp <= HANGUL_LAST or 0x1100 <= cp <= 0x11FF or 0x3130 <= cp <= 0x318F:
            return "hangul"
        if 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0xF900 <= cp <= 0xFAFF:
            return "han"
        if 0x0400 <= cp <= 0x052F:
            return "cyrillic"
        if 0x0600 <= cp <= 0x06FF or 0x0750 <= cp <= 0x077F or 0xFB50 <= cp <= 0xFEFF:
            return "arabic"
    return "latin"


def ascii_text(text: str) -> str:
    """Lower-case ASCII letters, digits and spaces."""
    if not text.isascii():
        text = _transliterator("Any-Latin; Latin-ASCII").transliterate(text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"['’ʼ`ʻ‘]", "", text.lower())
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


# -- folding ----------------------------------------------------------------------------------


@lru_cache(maxsize=200_000)
def fold(token: str) -> str:
    for pattern, replacement in _names()["fold"]:
        token = pattern.sub(replacement, token)
    return _equivalents().get(token, token)


@cache
def _equivalents() -> dict[str, str]:
    """Folded word -> the folded word it stands for (data/names.yaml: equivalents)."""
    out = {}
    for word, others in _names()["equivalents"].items():
        key = word
        for pattern, replacement in _names()["fold"]:
            key = pattern.sub(replacement, key)
        for other in others:
            folded = other
            for pattern, replacement in _names()["fold"]:
                folded = pattern.sub(replacement, folded)
            out[folded] = key
    return out


@cache
def equivalent_words() -> frozenset[str]:
    """Every word of ``equivalents`` (as written, lower case): a short word folds to
    another only through this table (AL and EL, BIN and IBN, 2ND and SECOND)."""
    words = set()
    for word, others in _names()["equivalents"].items():
        words.add(word)
        words.update(others)
    return frozenset(words)


@cache
def nickname_groups() -> dict[str, frozenset[int]]:
    """Folded given name or familiar form -> the names it may be a form of."""
    groups: dict[str, set[int]] = {}
    for number, (name, forms) in enumerate(_names()["nicknames"].items()):
        for word in (name, *forms):
            groups.setdefault(fold(word), set()).add(number)
    return {key: frozenset(v) for key, v in groups.items()}


def familiar_forms(a: str, b: str) -> bool:
    """Are two folded given names the same name, one (or both) in a familiar form
    (Sasha / Aleksandr, Ted / Theodore)?"""
    groups = nickname_groups()
    found = groups.get(a)
    return found is not None and bool(found & groups.get(b, frozenset()))


@cache
def particles() -> frozenset[str]:
    """Folded keys of the words that join a name's parts (``particles``)."""
    return frozenset(fold(w) for w in _names()["particles"])


GENERIC_WEIGHT = 0.3


@cache
def generic_keys() -> frozenset[str]:
    """Folded keys of the generic words of organisation names (``generic_words``)."""
    return frozenset(fold(w) for w in _names()["generic_words"])


def default_weight(key: str) -> float:
    """A token's weight when no index counts it: generic words of organisation names
    weigh little (``data/names.yaml``: generic_words), everything else 1."""
    return GENERIC_WEIGHT if key in generic_keys() else 1.0


@lru_cache(maxsize=200_000)
def consonant_key(token: str) -> str:
    for pattern, replacement in _names()["consonants"]:
        token = pattern.sub(replacement, token)
    return token


@lru_cache(maxsize=200_000)
def korean_syllables(token: str) -> tuple[str, ...] | None:
    """Parse a romanised token into Korean syllable classes, or None.

    Dynamic programming over initial+vowel+final spellings: fewest syllables wins; among
    those, the next syllable takes the consonant (``sebong`` → se-bong), except ``ng``,
    which cannot start a syllable (``jongun`` → jong-un). Hangul input never needs this:
    its syllable boundaries are kept (``_hangul_reading``).
    """
    parsed = _korean_parse(token)
    return parsed[0] if parsed else None


@lru_cache(maxsize=200_000)
def korean_vowels(token: str) -> tuple[str, ...]:
    """The vowels (jamo) each syllable of ``korean_syllables(token)`` may be, "" where
    the spelling says nothing finer than its class (``vowel_sets`` in data/korean.yaml)."""
    parsed = _korean_parse(token)
    return parsed[1] if parsed else ()


def _korean_parse(token: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    data = _korean()
    token = data["spellings"].get(token, token)
    if len(token) > 40 or not token.isalpha():
        return None
    initials, vowels, finals = _syllable_tables()
    n = len(token)
    Parse = tuple[int, tuple[str, ...], tuple[str, ...]]
    best: list[Parse | None] = [None] * (n + 1)
    best[n] = (0, (), ())
    for i in range(n - 1, -1, -1):
        options: list[tuple[int, int, tuple[str, ...], tuple[str, ...]]] = []
        for ini_len in range(0, 4):
            ini_cls = initials.get(token[i : i + ini_len]) if ini_len else ""
            if ini_cls is None:
                continue
            j = i + ini_len
            for vow_len in range(1, 4):
                vow_cls = vowels.get(token[j : j + vow_len])
                if vow_cls is None or j + vow_len > n:
                    continue
                k = j + vow_len
                for fin_len in range(0, 3):
                    fin_cls = finals.get(token[k : k + fin_len]) if fin_len else ""
                    end = k + fin_len
                    if fin_cls is None or end > n:
                        continue
                    rest = best[end]
                    if rest is None:
                        continue
                    code = _syllable_code(ini_cls, vow_cls, fin_cls)
                    # the vowel's and the final's spelling, for ``vowel_set`` once chosen
                    spelled = f"{token[j : j + vow_len]} {token[k:end]}"
                    # Fewest syllables; then a consonant starts the next syllable
                    # (se-bong, not seb-ong), except that ng stays a final (jong-un).
                    size = end - i
                    ng = fin_len == 2
                    options.append(
                        (rest[0] + 1, -size if ng else size, (code, *rest[1]), (spelled, *rest[2]))
                    )
        if options:
            count, _, seq, spelled_seq = min(options)
            best[i] = (count, seq, spelled_seq)
    result = best[0]
    if result is None:
        return None
    sets: list[str] = []
    for spelled in result[2]:
        vowel, _, final = spelled.partition(" ")
        sets.append(vowel_set(vowel, final))
    return result[1], tuple(sets)


def vowel_set(spelling: str, final: str = "", exact: bool = False) -> str:
    """The vowels (jamo) a romanised vowel may stand for, "" for any of its class."""
    data = _korean()
    if exact and spelling in data["exact_vowel_sets"]:
        return str(data["exact_vowel_sets"][spelling])
    if final and spelling in data["vowel_sets_before_final"]:
        return str(data["vowel_sets_before_final"][spelling])
    return str(data["vowel_sets"].get(spelling, ""))


@lru_cache(maxsize=200_000)
def korean_word(text: str) -> str | None:
    """A word of five letters or more that reads as two Korean syllables or more, as
    joined classes (else None): how a company's or vessel's Korean word is compared and
    found whatever its romanisation (HAESONG, HESONG)."""
    if len(text) < 5 or not text.isalpha():
        return None
    syllables = korean_syllables(text)
    return "-".join(syllables) if syllables and len(syllables) >= 2 else None


@lru_cache(maxsize=100_000)
def korean_alternatives(token: str) -> tuple[str, ...]:
    """Other ways a romanised token splits into Korean syllables than
    ``korean_syllables``'s, as joined classes: a given name written as one word is
    ambiguous where a consonant may end one syllable or begin the next (CHUNYEONG is
    chun-yeong or chu-nyeong, WONUK won-uk or wo-nuk, JONGUN jong-un or jon-gun), or
    where two vowels are one syllable or two (SUIL: su-il)."""
    preferred = korean_syllables(token)
    if preferred is None or not 3 <= len(token) <= 14:
        return ()
    token = _korean()["spellings"].get(token, token)
    initials, vowels, finals = _syllable_tables()
    n = len(token)
    parses: dict[int, list[tuple[str, ...]]] = {n: [()]}
    for i in range(n - 1, -1, -1):
        found: list[tuple[str, ...]] = []
        for ini_len in range(0, 4):
            ini_cls = initials.get(token[i : i + ini_len]) if ini_len else ""
            if ini_cls is None:
                continue
            j = i + ini_len
            for vow_len in range(1, 4):
                vow_cls = vowels.get(token[j : j + vow_len])
                if vow_cls is None or j + vow_len > n:
                    continue
                k = j + vow_len
                for fin_len in range(0, 3):
                    fin_cls = finals.get(token[k : k + fin_len]) if fin_len else ""
                    if fin_cls is None or k + fin_len > n:
                        continue
                    code = _syllable_code(ini_cls, vow_cls, fin_cls)
                    found.extend((code, *rest) for rest in parses.get(k + fin_len, [])[:8])
        if found:
            parses[i] = found[:16]
    limit = len(preferred) + 1
    out = dict.fromkeys(
        "-".join(p)
        for p in sorted(parses.get(0, []), key=len)
        if len(p) <= limit and p != preferred
    )
    return tuple(out)[:3]


@cache
def _syllable_tables() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    syl = _korean()["syllable"]
    return dict(syl["initials"]), dict(syl["vowels"]), dict(syl["finals"])


def _syllable_code(ini: str, vow: str, fin: str) -> str:
    # The initial-sound law: an initial ㄹ/ㄴ before i/y is dropped in the South (리→이,
    # 류→유), an initial ㄹ elsewhere becomes ㄴ (로→노); fold both to the Southern form.
    if ini in ("R", "N") and vow[0] in "IY":
        ini = ""
    elif ini == "R":
        ini = "N"
    return f"{ini or '_'}{vow}{fin}"


def hangul_to_latin(text: str, dprk: bool = False) -> str:
    """Read Hangul syllables out, one syllable after another, in Revised Romanization or
    (``dprk``) in the DPRK's romanisation."""
    data = _korean()
    initials = data["dprk_initials"] if dprk else data["initials"]
    vowels = data["dprk_vowels"] if dprk else data["vowels"]
    out: list[str] = []
    voiced = False  # after a vowel or a voiced final inside a word
    for ch in text:
        cp = ord(ch)
        if HANGUL_FIRST <= cp <= HANGUL_LAST:
            index = cp - HANGUL_FIRST
            ini, rest = divmod(index, 21 * 28)
            vow, fin = divmod(rest, 28)
            initial = initials[ini]
            if dprk and voiced:
                # the DPRK writes k t p voiced between voiced sounds: 련봉 RYONBONG,
                # 청천강 CHONGCHONGANG, 명덕 MYONGDOK
                initial = DPRK_VOICED.get(initial, initial)
            final = data["finals"][fin]
            out.append(initial + vowels[vow] + final + SYLLABLE)
            voiced = final in ("", "n", "m", "ng", "l")
        else:
            out.append(ch)
            voiced = False
    return "".join(out)


DPRK_VOICED = {"k": "g", "t": "d", "p": "b"}


def hanja_to_hangul(text: str) -> str:
    surnames = _korean()["hanja_surnames"]
    head = surnames.get(text[:1]) if text else None
    body = hanja.translate(text[1:] if head else text, "substitution")
    return (head or "") + str(body)


# -- analysis ---------------------------------------------------------------------------------


def _gloss(text: str) -> str:
    for word, gloss in _names()["glosses"]:
        if word in text:
            text = text.replace(word, gloss)
    return text


def _strip_legal_form(words: list[str]) -> tuple[list[str], str | None, str | None]:
    """The name without its legal form(s), the first one found and the kind of company
    the forms make. Up to two, at either end: JSC TACTICAL MISSILES CORP., TACTICAL
    MISSILES CORPORATION JOINT STOCK COMPANY."""
    found = kind = None
    kinds = _names()["legal_form_kinds"]
    for _ in range(2):
        words, form = _strip_one_legal_form(words)
        if form is None:
            break
        found = found or form
        kind = kind or kinds.get(form)
    return words, found, kind


def _strip_one_legal_form(words: list[str]) -> tuple[list[str], str | None]:
    if not words:
        return words, None
    data = _names()
    could = sorted(
        data["legal_forms_by_last"].get(words[-1], [])
        + data["legal_forms_by_first"].get(words[0], [])
    )
    for _, form in could:
        size = len(form)
        if len(words) <= size:
            continue
        if tuple(words[-size:]) == form:
            return words[:-size], " ".join(form)
        if tuple(words[:size]) == form:
            return words[size:], " ".join(form)
    return words, None


@cache
def korean_surnames() -> frozenset[str]:
    codes = (korean_syllables(s) for s in _korean()["surnames"])
    return frozenset(c[0] for c in codes if c and len(c) == 1)


def _tokens(
    words: list[str], korean: bool | None, alternatives: list[frozenset[str]] | None = None
) -> tuple[Token, ...]:
    """Tokens of a name; ``korean`` None means: Korean if it reads like a Korean name
    (``_reads_korean``), and a name that reads like a Chinese one instead has its tokens
    marked ``pinyin``."""
    syllables = [korean_syllables(w) for w in words]
    if not words or any(s is None for s in syllables):
        korean = False
    elif korean is None:
        korean = _reads_korean(words, syllables)
    pinyin = not korean and _reads_chinese(words)
    alts = alternatives or [frozenset()] * len(words)
    return tuple(
        Token(
            w,
            fold(w),
            "-".join(s) if korean and s else None,
            consonant_key(w),
            chinese_classes(w),
            pinyin,
            alt,
            korean_alternatives(w) if korean else (),
            korean_vowels(w) if korean else (),
            "-".join(s) if s and len(s) >= 2 and len(w) >= 5 else None,
        )
        for w, s, alt in zip(words, syllables, alts, strict=True)
    )


def _reads_korean(words: list[str], syllables: list[tuple[str, ...] | None]) -> bool:
    """Does a name whose words all parse as Korean syllables read as a Korean name? Its
    first or last word must be a Korean family name, and it must not read better as a
    Chinese name in pinyin: every word pinyin and either a mark only pinyin writes (zh,
    x, q, ian, uo, ua…) or fewer than three syllables (LI Li, WANG Yun: a Korean given
    name is mostly two syllables, a Chinese one often one)."""
    surnames = korean_surnames()
    first, last = syllables[0], syllables[-1]
    if not (
        (first and len(first) == 1 and first[0] in surnames)
        or (last and len(last) == 1 and last[0] in surnames)
    ):
        return False
    if not all(pinyin_syllables(w) for w in words):
        return True
    count = sum(len(s) for s in syllables if s)
    return count >= 3 and not any(PINYIN_MARKS.search(w) for w in words)


# Spellings pinyin writes and Korean romanisations do not.
PINYIN_MARKS = re.compile(r"zh|x|q|z|c(?!h)|iao|ian|iu|ie|uo|ua|ou|ao|ei|eng|ing")


def _reads_chinese(words: list[str]) -> bool:
    """A person's name as pinyin writes one: two or three words, each of one or two
    pinyin syllables, the first or the last of one (the family name)."""
    if not 2 <= len(words) <= 3:
        return False
    counts = [pinyin_syllables(w) for w in words]
    return all(0 < c <= 2 for c in counts) and (counts[0] == 1 or counts[-1] == 1)


@lru_cache(maxsize=200_000)
def pinyin_syllables(token: str) -> int:
    """How many pinyin syllables ``token`` is made of (fewest), or 0 if it is not made of
    them (``NOT_IN_NAMES`` are no syllables of a name)."""
    if not 1 <= len(token) <= 24 or not token.isalpha():
        return 0
    pinyin = _pinyin_for_names()
    n = len(token)
    best = [0] * (n + 1)
    for i in range(n - 1, -1, -1):
        for size in range(1, min(6, n - i) + 1):
            rest = best[i + size] if i + size < n else 0
            if token[i : i + size] in pinyin and (i + size == n or rest):
                option = rest + 1
                if not best[i] or option < best[i]:
                    best[i] = option
    return best[0]


@cache
def _pinyin_for_names() -> frozenset[str]:
    pinyin, _ = _chinese()
    # interjections and particles, never a syllable of a name (and, as yo and o, the
    # letters of Korean spellings: YOO is not pinyin yo-o)
    return frozenset(p for p in pinyin if p.isascii() and p not in NOT_IN_NAMES)


NOT_IN_NAMES = frozenset({"m", "n", "hm", "ng", "yo", "o", "lo", "ei"})


def _reading(
    original: str, latin: str, script: str, org: bool, vessel: bool = False, pinyin: bool = False
) -> Name:
    text = ascii_text(_join_letters(latin) if org else latin)
    if vessel:
        text = VESSEL_DIGITS.sub(" ", text)
    words = _rewrite_phrases(text.split())
    legal_form = kind = None
    if org:
        words, legal_form, kind = _strip_legal_form(words)
    if vessel:
        words = _strip_vessel_prefix(words)
    if pinyin:
        # read from Han characters: Chinese syllables, never Korean ones
        tokens = tuple(
            replace(t, pinyin=True, chinese=pinyin_classes(t.text)) for t in _tokens(words, False)
        )
        return Name(original, tokens, script, legal_form, kind, family_first=not org)
    alternatives = None
    if script == "latin":
        from watchkeeper.screening.transliteration import other_transliterations

        alternatives = other_transliterations(original, words)
    given_start = None
    if not org and not vessel and latin.count(",") == 1:
        family = len(ascii_text(latin.split(",")[0]).split())
        given_start = family if 0 < family < len(words) else None
    return Name(
        original,
        _tokens(words, None, alternatives),
        script,
        legal_form,
        kind,
        given_start=given_start,
    )


# Digits written onto a vessel's name (YUSONG12 for YU SONG 12): a boundary between
# letters and digits is a word boundary.
VESSEL_DIGITS = re.compile(r"(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])")


def _strip_vessel_prefix(words: list[str]) -> list[str]:
    """A vessel's name without the type prefix written before it (M/V, MT, M.V. …:
    ``vessel_prefixes`` in data/names.yaml)."""
    prefixes = _names()["vessel_prefixes"]
    for size in (2, 1):
        if len(words) > size and " ".join(words[:size]) in prefixes:
            return words[size:]
    return words


@cache
def _title_starts() -> frozenset[str] | None:
    """The first words of rigour's person-name prefixes, to skip its regex (135
    alternatives, case-blind) for the many names that open with none of them."""
    try:
        from rigour._core import person_name_prefixes_list  # the list behind the regex
    except ImportError:  # pragma: no cover - another rigour: always ask the regex
        return None
    return frozenset(p.split()[0].lower().strip(".") for p in person_name_prefixes_list())


def _drop_titles(name: str) -> str:
    """President, Dr., General: a title, not a name (rigour's list, OpenSanctions'; and
    the honorifics of ``titles`` in data/names.yaml, which it lacks)."""
    first = name.split(maxsplit=1)[0].lower().strip(".,") if name else ""
    if first in _names()["titles"] and " " in name:
        name = name.split(maxsplit=1)[1]
        first = name.split(maxsplit=1)[0].lower().strip(".,")
    starts = _title_starts()
    if starts is not None and first not in starts:
        return name
    return remove_person_prefixes(name).strip() or name


def _join_letters(text: str) -> str:
    """In an organisation's name, single letters written with points or a slash are one
    abbreviation: S.A. is SA, L.L.C. is LLC, A/S is AS, A.B.C. is ABC (and not CBA). A
    letter without a point stays a word (FUND X L.P. keeps its X)."""
    if "." in text:
        text = DOTTED_LETTERS.sub(
            lambda m: m.group(0).replace(".", "").replace(" ", "") + " ", text
        )
    return SLASHED_LETTERS.sub(r"\1\2", text) if "/" in text else text


DOTTED_LETTERS = re.compile(r"(?<![^\W\d_])(?:[^\W\d_]\. ?){2,}")
SLASHED_LETTERS = re.compile(r"(?<![^\W\d_])([^\W\d_])/([^\W\d_])(?![^\W\d_])")


@lru_cache(maxsize=100_000)
def analyse(
    name: str, org: bool = False, *, vessel: bool = False, korean: bool | None = None
) -> tuple[Name, ...]:
    """Every reading of ``name``; ``org`` strips legal forms, ``vessel`` a vessel's type
    prefix (M/V, MT). A parenthesised part ("DAEDONG CREDIT BANK (DCB)") is also read as a
    name of its own, and the rest without it.

    Han characters are read in pinyin, and in Korean too only where the caller says the
    name is Korean (``korean`` True: a Korean country, or the user's choice) or the name
    itself does (Hangul beside the characters): 林坤 is LIN Kun unless said otherwise, not
    RIM Gon. ``korean`` False reads no name as Korean."""
    name = " ".join(clean(name).split())
    if not name:
        return ()
    if ALTERNATIVES.search(name):
        # "AL-QA'IDA/ISLAMIC ARMY": two names in one value; each is read, and the whole.
        seen_parts: dict[tuple[str, ...], Name] = {}
        for part in (name, *ALTERNATIVES.split(name)):
            for reading in (
                analyse(part.strip(), org, vessel=vessel, korean=korean)
                if part.strip() != name
                else ()
            ):
                seen_parts.setdefault(tuple(t.text for t in reading.tokens), reading)
        whole = _analyse_parenthesised(name, org, vessel, korean)
        return tuple({**{tuple(t.text for t in r.tokens): r for r in whole}, **seen_parts}.values())
    return _analyse_parenthesised(name, org, vessel, korean)


# Characters that show nothing but change the string: format controls (zero-width space,
# joiner and non-joiner, direction marks, the byte-order mark, soft hyphen, tags),
# variation selectors, Hangul fillers, the Arabic tatweel, and emoji and other pictographs
# (with their skin-tone modifiers and keycaps). A zero-width space separates words.
INVISIBLE = re.compile(
    "[\u00ad\u034f\u0640\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200c-\u200f"
    "\u202a-\u202e\u2060-\u206f\u20d0-\u20ff\u3164\ufe00-\ufe0f\ufeff\uffa0"
    "\U0001f000-\U0001faff\U000e0000-\U000e007f\U000e0100-\U000e01ef"
    "\u2600-\u27bf\u2b00-\u2bff]"
)
WORD_BREAKS = re.compile("[\u200b\u2028\u2029\u3000\u00a0]")


@lru_cache(maxsize=100_000)
def clean(text: str) -> str:
    """``text`` without invisible characters and pictographs (a zero-width joiner or an
    emoji after a Hangul name), in Unicode's composed form (NFC), so that a name typed,
    pasted or read from a file is the same name."""
    if text.isascii():
        return text
    text = WORD_BREAKS.sub(" ", INVISIBLE.sub("", text))
    text = "".join(
        ch for ch in text if unicodedata.category(ch) not in ("Cf", "Co", "Cs", "Cc", "So")
    )
    return unicodedata.normalize("NFC", text)


def _analyse_parenthesised(
    name: str, org: bool, vessel: bool, korean: bool | None
) -> tuple[Name, ...]:
    inner = PARENTHESES.findall(name)
    if inner:
        outer = " ".join(PARENTHESES.sub(" ", name).split())
        qualifier = ascii_text(" ".join(inner)) or None
        # A parenthesised place (P.C.C. (SINGAPORE) PRIVATE LIMITED) qualifies the name
        # and is no name of its own.
        parts = [
            name,
            outer,
            *(i.strip() for i in inner if len(i.strip()) >= 2 and not is_place(ascii_text(i))),
        ]
        seen: dict[tuple[str, ...], Name] = {}
        for part in parts:
            for reading in _analyse_one(part, org, vessel, korean) if part else ():
                reading = replace(reading, qualifier=qualifier, unqualified=part is outer)
                seen.setdefault(tuple(t.text for t in reading.tokens), reading)
        return tuple(seen.values())
    return _analyse_one(name, org, vessel, korean)


PARENTHESES = re.compile(r"\(([^()]*)\)")
# A slash between two words of two letters or more (not J/V, not 1/2)
ALTERNATIVES = re.compile(r"(?<=[^\W\d_]{2})\s*/\s*(?=[^\W\d_]{2})")


def _analyse_one(name: str, org: bool, vessel: bool, korean: bool | None) -> tuple[Name, ...]:
    if not org and not vessel:
        name = _drop_titles(name)
    script = script_of(name)
    readings: list[Name] = []
    if script == "hangul":
        latin = hangul_to_latin(_gloss(name) if org else name, dprk=True)
        readings.append(_hangul_reading(name, latin, script, org, korean is not False))
    elif script == "han":
        glossed = _gloss(name) if org else name
        if korean or (
            korean is None and (HANGUL.search(name) or (org and KOREAN_HAN.search(name)))
        ):
            korean_latin = hangul_to_latin(hanja_to_hangul(glossed), dprk=True)
            readings.append(_hangul_reading(name, korean_latin, script, org, True))
        readings.append(_reading(name, _han_pinyin(glossed, org), script, org, vessel, True))
    elif script == "cyrillic":
        from watchkeeper.screening.transliteration import kontsevich_readings

        korean_words = kontsevich_readings(name) if not org and korean is not False else []
        for words in korean_words:
            readings.append(_korean_reading(name, words))
        if not korean_words:
            bgn = _transliterator("Russian-Latin/BGN").transliterate(name)
            # BGN/PCGN separates some letter pairs with a middle dot (otvet·stvennost'): drop it.
            readings.append(_reading(name, bgn.replace("\u00b7", ""), script, org, vessel))
    elif script == "arabic":
        # ض ظ ذ are all read z in Persian (Reza, Zarif); ICU writes them d, z, dh.
        persian = name.translate(ABJAD_Z)
        readings.append(_reading(name, persian, script, org, vessel))
    else:
        readings.append(_reading(name, name, script, org, vessel))
    if korean is False:
        readings = [
            replace(r, tokens=tuple(replace(t, korean=None) for t in r.tokens)) for r in readings
        ]
    return tuple(r for r in readings if r.tokens)


HANGUL = re.compile("[\uac00-\ud7a3]")
# Han characters that say an organisation's name is Korean: Korea as the DPRK writes it
# (朝鮮, in simplified 朝鲜), Koryo, and 會社, the Korean (not the Chinese) word for company.
KOREAN_HAN = re.compile("朝鮮|朝鲜|高麗|高丽|會社")
# Words of a name written in Han characters: runs between spaces or the interpunct of
# transcribed foreign names (弗拉基米尔·普京).
HAN_WORDS = re.compile(r"[\s\u00b7\u30fb\uff65]+")
# Chinese family names of two characters (the common ones; all others are one).
COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "诸葛",
        "上官",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "令狐",
        "夏侯",
        "长孙",
        "宇文",
        "司徒",
        "轩辕",
        "端木",
        "独孤",
        "南宫",
        "歐陽",
        "諸葛",
        "長孫",
        "軒轅",
        "獨孤",
    ]
)


def _han_pinyin(text: str, org: bool) -> str:
    """Han characters in pinyin, as Chinese names are written in Latin letters: a
    person's family name, then the given name as one word (宋岩 song yan, 王秀英 wang
    xiuying); a name already spaced keeps its words (a Japanese 山崎 洋介). An
    organisation's name is read syllable by syllable (its words are found by joining)."""
    han_latin = _transliterator("Han-Latin")
    if org:
        return str(han_latin.transliterate(text))
    runs = [r for r in HAN_WORDS.split(text) if r]
    if len(runs) == 1 and 2 <= len(runs[0]) <= 4 and all(script_of(c) == "han" for c in runs[0]):
        run = runs[0]
        size = 2 if run[:2] in COMPOUND_SURNAMES and len(run) > 2 else 1
        runs = [run[:size], run[size:]]
    return " ".join(str(han_latin.transliterate(r)).replace(" ", "") for r in runs)


def _hangul_reading(original: str, romanised: str, script: str, org: bool, korean: bool) -> Name:
    """Tokens of read-out Hangul, keeping the syllable boundaries Hangul gives.

    A Korean personal name of 2–4 syllables in one run is family name (one syllable)
    plus given name; organisation names keep their glossed words, one word per run.
    """
    parts = romanised.split()
    words: list[list[str]] = []
    family_first = False
    for part in parts:
        syllables = [s for s in part.split(SYLLABLE) if s]
        if not org and len(parts) == 1 and 2 <= len(syllables) <= 4:
            words.extend([syllables[:1], syllables[1:]])
            family_first = True
        elif syllables:
            words.append(syllables)
    legal_form = kind = None
    if org:
        flat, legal_form, kind = _strip_legal_form(["".join(w) for w in words])
        words = [w for w in words if "".join(w) in flat][: len(flat)]
    tokens = []
    for syllables in words:
        text = ascii_text("".join(syllables))
        if not text:
            continue
        codes = [korean_syllables(ascii_text(s)) for s in syllables]
        vowels: tuple[str, ...] = ()
        if korean and all(c is not None and len(c) == 1 for c in codes):
            korean_key: str | None = "-".join(c[0] for c in codes if c)
            vowels = tuple(_exact_vowel(s) for s in syllables)
        else:  # a glossed word (KOREA, TRADING) inside an organisation's name
            korean_key = None
        tokens.append(
            Token(
                text,
                fold(text),
                korean_key,
                consonant_key(text),
                chinese_classes(text),
                vowels=vowels,
                syllables=korean_word(text),
            )
        )
    return Name(original, tuple(tokens), script, legal_form, kind, family_first=family_first)


def _exact_vowel(syllable: str) -> str:
    """The vowel of one syllable read from Hangul (DPRK spelling with breves)."""
    found = VOWEL_LETTERS.search(syllable)
    return vowel_set(found.group(0), exact=True) if found else ""


VOWEL_LETTERS = re.compile("[wy]?[aeiouŏŭ]+")


def _korean_reading(original: str, words: list[tuple[str, str, tuple[str, ...]]]) -> Name:
    """A Korean name read from another script: (Latin text, syllable classes, vowels)
    per word."""
    tokens = tuple(
        Token(ascii_text(text), fold(ascii_text(text)), classes, consonant_key(text), vowels=vowels)
        for text, classes, vowels in words
    )
    return Name(original, tokens, "cyrillic", family_first=len(tokens) > 1)


# Abbreviations read as a place: the territories' two- and three-letter codes are words
# too (AND, AT, DE, NO), so only these.
PLACE_ABBREVIATIONS = frozenset({"uk", "usa", "uae", "prc", "drc"})


def is_place(text: str) -> bool:
    """Does ``text`` (lower-case ASCII words) name a country or territory? Only a
    territory's own name counts: an adjective (KOREAN, in KOREAN PEOPLE'S ARMY) or a part
    of one (KOREA, which begins DPRK names the way a nationality would) says nothing of
    a branch."""
    return text in _place_names()


@cache
def _place_names() -> frozenset[str]:
    """The names of FollowTheMoney's countries and territories (rigour's table,
    OpenSanctions' own: Hong Kong, Scotland, Palestine, but not Texas or the Swiss canton
    of Uri), as name tokens read them, with a trailing SAR dropped."""
    names = set(PLACE_ABBREVIATIONS)
    for territory in get_territories():
        if not territory.is_ftm or territory.code == "zz":
            continue
        for name in (territory.name, territory.full_name):
            plain = _plain(name)
            names.add(plain)
            names.add(plain.removesuffix(" sar"))
    return frozenset(names)


def _plain(text: str) -> str:
    """Latin text as lower-case ASCII words (Côte d'Ivoire: cote d ivoire)."""
    decomposed = unicodedata.normalize("NFKD", text)
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", letters.lower()).split())


def name_key(name: str) -> str:
    """One key for the spellings of a name that differ only in spacing, hyphens, case
    and romanisation variants (CHONMASAN, Chon-Ma-San, CHON MA SAN): its first reading's
    folded tokens joined. Used where an exact lookup is wanted (AIS names)."""
    readings = analyse(name)
    return readings[0].joined if readings else ""
