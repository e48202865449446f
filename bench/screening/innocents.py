"""Innocent names: persons and companies generated with Faker's locales, seeded.

None of them is meant to be on a list: they are what a screener meets every day from
South Korean, Russian, Chinese, Japanese and American counterparties. Each locale gives
names in its own script and as its people write them in Latin letters (Korean in Revised
Romanisation with the given name hyphenated or joined, Russian in the passport system,
Chinese in pinyin, Japanese in Hepburn as Faker gives it). A name that happens to be a
listed one (Faker draws from common names) is not innocent: such pairs are read in the
README, not dropped silently.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

LOCALES = ("ko_KR", "ru_RU", "zh_CN", "ja_JP", "en_US")


@dataclass(frozen=True)
class Innocent:
    id: str
    schema: str  # Person or Company
    name: str
    locale: str
    form: str  # native or latin


def _romanise_korean(name: str, rng: random.Random) -> str:
    """A Hangul name as a South Korean passport or newspaper writes it: family name
    first or last, the given name hyphenated, joined or spaced."""
    from watchkeeper.screening.names import SYLLABLE, hangul_to_latin

    syllables = [s for s in hangul_to_latin(name).split(SYLLABLE) if s]
    family, given = syllables[0].capitalize(), syllables[1:]
    family = {"I": "Lee", "Bak": "Park", "Choe": "Choi", "Gim": "Kim", "Jeong": "Jung",
              "O": "Oh", "Gang": "Kang", "Jo": "Cho", "Yun": "Yoon", "Sin": "Shin",
              "Gwon": "Kwon", "Hwang": "Hwang", "An": "Ahn", "Song": "Song", "Ryu": "Ryu",
              "Hong": "Hong", "Go": "Ko", "Mun": "Moon", "Yang": "Yang", "Son": "Son",
              "Bae": "Bae", "Baek": "Baek", "Heo": "Heo", "No": "Noh", "Nam": "Nam",
              "Sim": "Shim", "Ha": "Ha", "Gwak": "Kwak", "Seong": "Sung", "Cha": "Cha",
              "Ju": "Joo", "U": "Woo", "Min": "Min", "Jin": "Jin", "Im": "Lim",
              "Han": "Han", "Jang": "Jang", "Seo": "Seo", "Jeon": "Jeon", "Yu": "Yoo"}.get(
        family, family)  # fmt: skip
    style = rng.random()
    if style < 0.45:
        given_text = "-".join(given).capitalize()
    elif style < 0.8:
        given_text = "".join(given).capitalize()
    else:
        given_text = " ".join(s.capitalize() for s in given)
    return f"{family} {given_text}" if rng.random() < 0.7 else f"{given_text} {family}"


def _latin(text: str, rules: str) -> str:
    import icu

    return str(icu.Transliterator.createInstance(rules).transliterate(text))


def persons(count: int, seed: int = 12) -> list[Innocent]:
    from faker import Faker

    rng = random.Random(seed)
    out: list[Innocent] = []
    per_locale = count // len(LOCALES)
    for locale in LOCALES:
        fake = Faker(locale)
        fake.seed_instance(seed)
        for i in range(per_locale):
            latin = i % 2 == 1
            native = fake.name()
            if locale == "ko_KR":
                name = _romanise_korean(native, rng) if latin else native
            elif locale == "ru_RU":
                name = _latin(native, "Russian-Latin/BGN; Latin-ASCII") if latin else native
            elif locale == "zh_CN":
                if latin:
                    family, given = native[:1], native[1:]
                    pinyin = _latin(given, "Han-Latin; Latin-ASCII").replace(" ", "")
                    name = f"{_latin(family, 'Han-Latin; Latin-ASCII')} {pinyin}".title()
                else:
                    name = native
            elif locale == "ja_JP":
                name = fake.romanized_name() if latin else native
            else:
                name = native
            form = "latin" if latin or locale == "en_US" else "native"
            out.append(Innocent(f"p-{locale}-{i}", "Person", name, locale, form))
    return out


def companies(count: int, seed: int = 13) -> list[Innocent]:
    from faker import Faker

    out: list[Innocent] = []
    per_locale = count // len(LOCALES)
    for locale in LOCALES:
        fake = Faker(locale)
        fake.seed_instance(seed)
        for i in range(per_locale):
            native = fake.company()
            latin = locale == "ru_RU" and i % 2 == 1
            name = _latin(native, "Russian-Latin/BGN; Latin-ASCII") if latin else native
            out.append(
                Innocent(f"c-{locale}-{i}", "Company", name, locale, "latin" if latin else "native")
            )
    return out
