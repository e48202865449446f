"""Names written in one language's letters for another's: Korean names in Russian
Cyrillic (the Kontsevich system, ``data/kontsevich.yaml``) and Russian names in French,
German, Spanish and Italian transliteration (``data/transliteration.yaml``).

Both are read into what ``names`` compares: a Cyrillic Korean name into Korean syllable
classes, so that Ким Чен Ын meets KIM Jong Un (and KIM Jong Un a listed Ким Чен Ын); a
French or German spelling of a Russian name into the extra keys its words may be found
by (Patrouchev: patrushev).
"""

from __future__ import annotations

import itertools
import re
from functools import cache, lru_cache
from typing import Any

from watchkeeper.screening import names

# The most readings one Cyrillic name gives (each letter that stands for several Korean
# sounds multiplies them; the likeliest come first).
MAX_KOREAN_READINGS = 16
# Latin letters each syllable class is written with in a reading's text (for the
# explanation and for comparisons with names that are not read as Korean).
_LATIN = {
    "K": "k", "T": "t", "P": "p", "C": "ch", "S": "s", "N": "n", "R": "r", "M": "m", "H": "h",
    "": "", "A": "a", "YA": "ya", "O": "o", "YO": "yo", "E": "e", "YE": "ye", "I": "i",
    "WA": "wa", "WO": "wo", "OE": "oe", "WI": "wi", "UI": "ui", "L": "l", "NG": "ng",
}  # fmt: skip


@cache
def _kontsevich() -> tuple[
    dict[str, str], dict[str, tuple[str, ...]], dict[str, tuple[str, ...]], frozenset[str]
]:
    data: dict[str, Any] = names._load("kontsevich.yaml")
    initials = {k: str(v) for k, v in data["initials"].items()}
    vowels = {k: tuple(v) for k, v in data["vowels"].items()}
    finals = {k: tuple(v) for k, v in data["finals"].items()}
    return initials, vowels, finals, frozenset(data["vowels"])


Choices = tuple[tuple[str, str, str, str], ...]


@lru_cache(maxsize=50_000)
def cyrillic_syllables(word: str) -> tuple[Choices, ...] | None:
    """A Cyrillic word as Korean syllables, fewest syllables first: each syllable the
    (initial, vowel, final) classes it may stand for with the vowels (jamo) each may be,
    or None if the word is not made of Kontsevich syllables."""
    initials, vowels, finals, _ = _kontsevich()
    n = len(word)
    if not 1 <= n <= 24:
        return None
    best: list[tuple[int, tuple[Choices, ...]] | None] = [None] * (n + 1)
    best[n] = (0, ())
    for i in range(n - 1, -1, -1):
        options: list[tuple[int, int, tuple[Choices, ...]]] = []
        for ini_len in range(0, 3):
            ini = initials.get(word[i : i + ini_len]) if ini_len else ""
            if ini is None:
                continue
            j = i + ini_len
            for vow_len in range(1, 3):
                vowel = vowels.get(word[j : j + vow_len])
                if vowel is None or j + vow_len > n:
                    continue
                k = j + vow_len
                for fin_len in range(0, 3):
                    final = finals.get(word[k : k + fin_len]) if fin_len else ("",)
                    end = k + fin_len
                    if final is None or end > n:
                        continue
                    rest = best[end]
                    if rest is None:
                        continue
                    letters = word[j : j + vow_len]
                    choices = tuple(
                        (ini, v, f, _vowel_jamo(letters, v)) for v in vowel for f in final
                    )
                    # fewest syllables; then a consonant starts the next syllable
                    options.append((rest[0] + 1, end - i, (choices, *rest[1])))
        if options:
            count, _, seq = min(options, key=lambda o: (o[0], o[1]))
            best[i] = (count, seq)
    found = best[0]
    return found[1] if found else None


def kontsevich_readings(name: str) -> list[list[tuple[str, str, tuple[str, ...]]]]:
    """A Cyrillic name's readings as a Korean name, each a list of words (Latin text,
    syllable classes joined by "-", the vowels each syllable may be), the likeliest
    first; none if the name is not a Korean name in Kontsevich's (or the older)
    spelling."""
    words = [w for w in re.split(r"[\s\-]+", name.lower()) if w]
    if not words or len(words) > 4:
        return []
    parsed = [cyrillic_syllables(w) for w in words]
    if any(p is None for p in parsed):
        return []
    surnames = names.korean_surnames()
    ends = [p for p in (parsed[0], parsed[-1]) if p is not None and len(p) == 1]
    if not any(
        names._syllable_code(*choice[:3]) in surnames
        for syllables in ends
        for choice in syllables[0]
    ):
        return []
    # every syllable's choices, in order; the product of them, likeliest first
    per_syllable = [choices for p in parsed if p is not None for choices in p]
    shape = [len(p) for p in parsed if p is not None]
    readings: list[list[tuple[str, str, tuple[str, ...]]]] = []
    for combo in itertools.islice(itertools.product(*per_syllable), MAX_KOREAN_READINGS):
        reading: list[tuple[str, str, tuple[str, ...]]] = []
        position = 0
        for size in shape:
            syllables = combo[position : position + size]
            position += size
            text = "".join(_LATIN[i] + _LATIN[v] + _LATIN[f] for i, v, f, _ in syllables)
            classes = "-".join(names._syllable_code(i, v, f) for i, v, f, _ in syllables)
            reading.append((text, classes, tuple(jamo for *_, jamo in syllables)))
        readings.append(reading)
    return readings


# Which vowels (jamo) a Cyrillic vowel letter stands for, for the class it is read as
# (data/kontsevich.yaml): о is ㅓ or ㅗ, у ㅜ, ы ㅡ; е read as O is the older ㅓ.
_CYRILLIC_JAMO = {
    ("о", "O"): "ㅓㅗ", ("у", "O"): "ㅜ", ("ы", "O"): "ㅡ", ("е", "O"): "ㅓ", ("ё", "YO"): "ㅕㅛ",
    ("йо", "YO"): "ㅛ", ("ю", "YO"): "ㅠ", ("е", "YO"): "ㅕ",
}  # fmt: skip


def _vowel_jamo(letters: str, cls: str) -> str:
    return _CYRILLIC_JAMO.get((letters, cls), "")


# -- Russian names in other languages' letters ----------------------------------------------


@cache
def _systems() -> list[tuple[re.Pattern[str], list[tuple[re.Pattern[str], str]]]]:
    data: dict[str, Any] = names._load("transliteration.yaml")
    return [
        (
            re.compile("|".join(f"(?:{m})" for m in system["marks"])),
            [(re.compile(p), r) for p, r in system["rewrite"]],
        )
        for system in data["systems"].values()
    ]


@lru_cache(maxsize=100_000)
def _alternative_keys(marked: tuple[int, ...], word: str) -> frozenset[str]:
    systems = _systems()
    keys = set()
    for number in marked:
        spelled = word
        for pattern, replacement in systems[number][1]:
            spelled = pattern.sub(replacement, spelled)
        if spelled != word:
            keys.add(names.fold(spelled))
    keys.discard(names.fold(word))
    return frozenset(keys)


def other_transliterations(original: str, words: list[str]) -> list[frozenset[str]] | None:
    """For each word of a Latin name, the keys it has in the transliteration systems
    whose marks the name shows (French ch is ш: Patrouchev is also patrushev), or None
    when it shows none."""
    lowered = original.lower()
    marked = tuple(i for i, (marks, _) in enumerate(_systems()) if marks.search(lowered))
    if not marked:
        return None
    return [_alternative_keys(marked, w) if w.isalpha() else frozenset() for w in words]
