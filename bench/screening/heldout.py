"""A held-out-like evaluation of our own: real list entries written the ways a held-out
evaluation found we missed, and innocent names, hard ones among them.

Every positive is a name on the real UN or OFAC file (``target``: a listed name the hit
must carry), rendered as users type it:
- vessels with a type prefix (M/V, MV, M.V., MT, M/T) and the name's words or digits
  written together (MT YUSONG12 for YU SONG 12);
- North Korean persons as a South Korean document prints them: Revised Romanisation
  from the Hangul, the family name as passports spell it, the given name joined;
- North Korean persons in Russian Cyrillic (Kontsevich, from the Hangul), as Russian
  documents print them, and in Hangul with an invisible character or an emoji after it;
- Russian persons on OFAC's list in French, German, Spanish and Italian spelling;
- North Korean organisations in Hangul and in Hanja or Chinese characters (written by us
  from the listed English names: ``ORGANISATIONS``).

The Hangul of a listed North Korean name is read from its DPRK romanisation through a
table of the syllables those names use (``FAMILY``, ``GIVEN``); a name with a syllable
outside it is left out rather than guessed.

Negatives, which must not be flagged: Faker's innocent persons and companies (another
seed than the innocents set), and hard innocents made from the lists: a South Korean
name of the family name and two syllables against a listed short alias of the family
name and one of them, a Chinese listed person's given name under another family name,
and a listed company's name without its distinctive word (KOREA MINING COMPANY for
KOREA <word> MINING CORPORATION).
"""

from __future__ import annotations

import csv
import random
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SANCTIONS = ROOT.parent / "shared/data/sanctions"
UN_XML = SANCTIONS / "un-sc-consolidated-2025-04/consolidated.xml"
OFAC_CSV = SANCTIONS / "ofac-sdn-csv-2024-05/sdn.csv"


@dataclass(frozen=True)
class Case:
    id: str
    schema: str
    name: str
    group: str
    target: str | None  # a listed name the hit must carry; None: must not be flagged
    countries: tuple[str, ...] = ()


# -- the lists ---------------------------------------------------------------------------


@cache
def ofac_rows() -> list[list[str]]:
    with OFAC_CSV.open(encoding="latin-1") as fh:
        return [r for r in csv.reader(fh) if len(r) > 3]


@cache
def un_dprk_individuals() -> list[str]:
    root = ET.parse(UN_XML).getroot()
    out = []
    for item in root.iter("INDIVIDUAL"):
        if not (item.findtext("REFERENCE_NUMBER") or "").startswith("KPi"):
            continue
        parts = [item.findtext(t) for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME")]
        out.append(" ".join(p.strip() for p in parts if p))
    return out


def dprk_persons() -> list[str]:
    """Listed North Koreans, as listed (UN primary names, OFAC's DPRK programmes)."""
    ofac = [r[1] for r in ofac_rows() if r[2] == "individual" and "DPRK" in r[3]]
    return sorted(set(un_dprk_individuals()) | set(ofac))


# -- Korean --------------------------------------------------------------------------------

# DPRK spellings of the syllables listed North Korean names are made of, and their Hangul:
# family names (first) and given-name syllables (the commonest reading of each).
FAMILY = {
    "kim": "김", "ri": "리", "pak": "박", "choe": "최", "jong": "정", "chong": "정", "kang": "강",
    "jo": "조", "cho": "조", "yun": "윤", "jang": "장", "chang": "장", "rim": "림", "han": "한",
    "o": "오", "so": "서", "sin": "신", "kwon": "권", "hwang": "황", "an": "안", "song": "송",
    "ryu": "류", "hong": "홍", "jon": "전", "chon": "전", "ko": "고", "mun": "문", "yang": "양",
    "son": "손", "pae": "배", "paek": "백", "ho": "허", "ro": "로", "nam": "남", "sim": "심",
    "ha": "하", "kwak": "곽", "cha": "차", "ju": "주", "min": "민", "won": "원", "hyon": "현",
    "thae": "태", "yu": "유", "sok": "석", "kye": "계", "ryom": "렴", "ku": "구", "tong": "동",
    "myong": "명", "pyon": "변", "pang": "방", "yom": "염", "kil": "길", "chin": "진", "om": "엄",
    "ra": "라", "yo": "여", "u": "우", "chu": "주", "kong": "공",
}  # fmt: skip
GIVEN = {
    "il": "일", "chol": "철", "chul": "철", "su": "수", "ho": "호", "nam": "남", "yong": "영",
    "song": "성", "hyok": "혁", "myong": "명", "pyong": "병", "byong": "병", "kyong": "경",
    "gyong": "경", "hui": "희", "ok": "옥", "sik": "식", "man": "만", "gun": "군", "kun": "군",
    "hun": "훈", "guk": "국", "kuk": "국", "chang": "창", "sok": "석", "tae": "태", "dae": "대",
    "kwang": "광", "gwang": "광", "jun": "준", "chun": "춘", "un": "은", "ryong": "룡", "hak": "학",
    "gil": "길", "kil": "길", "bom": "범", "pom": "범", "jae": "재", "je": "제", "sang": "상",
    "se": "세", "won": "원", "ung": "웅", "hwa": "화", "hwan": "환", "chon": "천", "son": "선",
    "sun": "순", "bong": "봉", "pong": "봉", "dok": "덕", "tok": "덕", "rak": "락", "sam": "삼",
    "mu": "무", "in": "인", "jo": "조", "ju": "주", "gyu": "규", "kyu": "규", "bok": "복",
    "pok": "복", "yol": "열", "dong": "동", "tong": "동", "chan": "찬", "hae": "해", "o": "오",
    "ran": "란", "suk": "숙", "sil": "실", "ae": "애", "mi": "미", "yon": "연", "jung": "중",
    "gi": "기", "ki": "기", "bin": "빈", "gu": "구", "ku": "구", "do": "도", "to": "도",
    "mun": "문", "hyon": "현", "hyong": "형", "chil": "칠", "si": "시", "sa": "사", "ha": "하",
    "yun": "윤", "gap": "갑", "kap": "갑", "ryol": "렬", "uk": "욱", "rok": "록", "rim": "림",
    "pil": "필", "jin": "진", "chin": "진", "ja": "자", "san": "산", "min": "민", "yu": "유",
    "hyang": "향", "jong": "정", "chong": "정", "nyong": "녕", "ryon": "련", "gwon": "권",
    "kwon": "권", "ryul": "률", "ri": "리", "myon": "면", "thae": "태", "thaek": "택",
    "taek": "택", "hyo": "효", "bae": "배", "dal": "달", "tal": "달", "gum": "금", "kum": "금",
}  # fmt: skip


def hangul_of(listed: str) -> str | None:
    """A listed North Korean's name in Hangul, family name first, or None if one of its
    syllables is not in the tables (or the name is not of one family syllable and one or
    two given syllables)."""
    words = [
        w for w in re.split(r"[\s,\-]+", listed.lower().replace("’", "").replace("'", "")) if w
    ]
    if not 2 <= len(words) <= 3:
        return None
    family = FAMILY.get(words[0])
    given = [GIVEN.get(w) for w in words[1:]]
    if family is None or any(g is None for g in given):
        return None
    return family + "".join(g for g in given if g)


ROK_FAMILY = {
    "I": "Lee", "Ri": "Lee", "Bak": "Park", "Choe": "Choi", "Gim": "Kim", "Jeong": "Jung",
    "O": "Oh", "Gang": "Kang", "Jo": "Cho", "Yun": "Yoon", "Sin": "Shin", "Gwon": "Kwon",
    "An": "Ahn", "Ryu": "Yoo", "Go": "Ko", "Mun": "Moon", "Bae": "Bae", "Baek": "Baek",
    "Heo": "Heo", "Ro": "Noh", "Sim": "Shim", "Gwak": "Kwak", "U": "Woo", "Rim": "Lim",
    "Seo": "Seo", "Jeon": "Jeon", "Yu": "Yoo", "Hyeon": "Hyun", "Ju": "Joo",
}  # fmt: skip


def revised_romanisation(hangul: str, rng: random.Random) -> str:
    """As a South Korean passport or newspaper writes the name: the family name spelled
    as passports do, the given name in Revised Romanisation, joined or hyphenated."""
    from watchkeeper.screening.names import SYLLABLE, hangul_to_latin

    syllables = [s for s in hangul_to_latin(hangul).split(SYLLABLE) if s]
    family = syllables[0].capitalize()
    family = ROK_FAMILY.get(family, family)
    given = syllables[1:]
    text = ("".join(given) if rng.random() < 0.7 else "-".join(given)).capitalize()
    return f"{family} {text}" if rng.random() < 0.7 else f"{text} {family}"


# Hangul jamo in Russian Cyrillic, as L. R. Kontsevich's system writes them (initials
# voiced between voiced sounds inside a word; final ㅇ н, final ㄹ ль).
KON_INITIAL = ["к", "кк", "н", "т", "тт", "р", "м", "п", "пп", "с", "сс", "", "ч", "чч", "чх",
               "кх", "тх", "пх", "х"]  # fmt: skip
KON_VOICED = {"к": "г", "т": "д", "п": "б", "ч": "дж"}
KON_VOWEL = ["а", "э", "я", "йя", "о", "е", "ё", "йе", "о", "ва", "вэ", "вэ", "ё", "у", "во", "ве",
             "ви", "ю", "ы", "ый", "и"]  # fmt: skip
KON_FINAL = ["", "к", "к", "к", "н", "н", "н", "т", "ль", "к", "м", "ль", "ль", "ль", "п", "ль", "м",
             "п", "п", "т", "т", "н", "т", "т", "к", "т", "п", "т"]  # fmt: skip


def kontsevich(hangul: str) -> str:
    """A Hangul name in Russian Cyrillic: the family name, then each given syllable as a
    word, the way Russian documents print Korean names (Ким Ён Чхоль)."""
    words = []
    previous_final = ""
    for position, ch in enumerate(hangul):
        index = ord(ch) - 0xAC00
        ini, rest = divmod(index, 21 * 28)
        vow, fin = divmod(rest, 28)
        initial = KON_INITIAL[ini]
        if position >= 2 and previous_final in ("", "н", "м", "ль") and initial in KON_VOICED:
            initial = KON_VOICED[initial]  # voiced inside the given name (Ли Сон Гвон)
        vowel = KON_VOWEL[vow]
        if initial == "" and vowel == "е":
            vowel = "е"
        final = KON_FINAL[fin]
        if fin == 21:
            final = "н"  # ㅇ
        words.append((initial + vowel + final).capitalize())
        previous_final = final
    return " ".join(words)


INVISIBLE = [
    "\u200d",
    "\u200b",
    "\u200c",
    "\ufeff",
    " \U0001f600",
    "\U0001f1f0\U0001f1f5",
    "\u2060",
]


# -- Russian in other languages' letters ------------------------------------------------


def _russian_words(listed: str) -> tuple[str, str, str]:
    family, _, given = listed.partition(",")
    parts = given.split()
    return family.strip().title(), parts[0].title() if parts else "", " ".join(parts[1:]).title()


FRENCH = [
    # placeholders first (Щ Ш Ч), so that one rule's output is not read by the next
    (r"shch", "Щ"), (r"sh", "Ш"), (r"ch", "Ч"), (r"Щ", "chtch"), (r"Ш", "ch"), (r"Ч", "tch"),
    (r"zh", "j"), (r"^ye", "e"),
    (r"ya", "ia"), (r"yu", "iou"), (r"yo", "io"), (r"ye", "ie"), (r"u", "ou"), (r"oou", "ou"),
    (r"iy$", "i"), (r"([aeo])y$", r"\1ï"), (r"([aeiou])s([aeiou])", r"\1ss\2"),
    (r"g([ei])", r"gu\1"), (r"in$", "ine"),
]  # fmt: skip
GERMAN = [
    # placeholders first (Ш Ч Ж Х Ц), so that one rule's output is not read by the next
    (r"shch", "ШЧ"), (r"sh", "Ш"), (r"ch", "Ч"), (r"zh", "Ж"), (r"kh", "Х"), (r"ts", "Ц"),
    (r"z", "s"), (r"v", "w"), (r"ya", "ja"), (r"yu", "ju"), (r"ye", "je"), (r"yo", "jo"),
    (r"iy$", "i"), (r"([aeo])y$", r"\1j"), (r"y([aeiou])", r"j\1"),
    (r"Ш", "sch"), (r"Ч", "tsch"), (r"Ж", "sch"), (r"Х", "ch"), (r"Ц", "z"),
]  # fmt: skip
SPANISH = [(r"kh", "j"), (r"iy$", "i"), (r"yev", "iev")]
ITALIAN = [
    (r"sh([ei])", r"sc\1"), (r"sh", "sci"), (r"ch([ei])", r"c\1"), (r"(?<!s)ch", "ci"),
    (r"kh", "ch"), (r"zh", "zh"), (r"iy$", "ij"), (r"([aeo])y$", r"\1j"), (r"ya", "ja"),
    (r"yu", "ju"),
]  # fmt: skip
ACUTE = {"a": "á", "e": "é", "i": "í", "o": "ó", "u": "ú"}


def _rewrite(word: str, rules: list[tuple[str, str]]) -> str:
    out = word.lower()
    for pattern, replacement in rules:
        out = re.sub(pattern, replacement, out)
    return out.capitalize()


def russian_renderings(listed: str, rng: random.Random) -> list[tuple[str, str]]:
    family, first, patronymic = _russian_words(listed)
    out = []
    for language, rules in (("french", FRENCH), ("german", GERMAN), ("italian", ITALIAN)):
        words = [_rewrite(first, rules), _rewrite(family, rules)]
        if patronymic and rng.random() < 0.3:
            words.insert(1, _rewrite(patronymic, rules))
        out.append((language, " ".join(words)))
    # Spanish: the stressed vowel marked (we mark one vowel of the family name)
    spanish_family = _rewrite(family, SPANISH)
    vowels = [i for i, ch in enumerate(spanish_family) if ch.lower() in ACUTE]
    if vowels:
        i = rng.choice(vowels[1:] or vowels)
        spanish_family = (
            spanish_family[:i] + ACUTE[spanish_family[i].lower()] + spanish_family[i + 1 :]
        )
    out.append(("spanish", f"{_rewrite(first, SPANISH)} {spanish_family}"))
    return out


def russian_persons() -> list[str]:
    return sorted(
        {
            r[1]
            for r in ofac_rows()
            if r[2] == "individual"
            and "RUSSIA-EO14024" in r[3]
            and re.fullmatch(r"[A-Z'\- ]+, [A-Za-z'\- ]+", r[1])
            and len(r[1].split(",")[1].split()) >= 1
        }
    )


# -- North Korean organisations in their own script --------------------------------------

# (listed English name, Hangul, Hanja or the Chinese documents' characters), written by us
# from the listed names and the bodies' Korean names.
ORGANISATIONS = [
    ("KOREA MINING DEVELOPMENT TRADING CORPORATION", "조선광업개발무역회사", "朝鲜矿业开发贸易公司"),
    ("KOREA RYONBONG GENERAL CORPORATION", "조선련봉총회사", "朝鮮聯峰總會社"),
    ("TANCHON COMMERCIAL BANK", "단천상업은행", "端川商業銀行"),
    ("NAMCHONGANG TRADING CORPORATION", "남천강무역회사", "南川江貿易會社"),
    ("KOREA HYOKSIN TRADING CORPORATION", "조선혁신무역회사", "朝鮮革新貿易會社"),
    ("KOREAN TANGUN TRADING CORPORATION", "조선단군무역회사", "朝鮮檀君貿易會社"),
    ("KOREA HEUNGJIN TRADING COMPANY", "조선흥진무역회사", "朝鮮興進貿易會社"),
    ("BANK OF EAST LAND", "동방은행", "東方銀行"),
    ("KOREA KUMRYONG TRADING CORPORATION", "조선금룡무역회사", "朝鮮金龍貿易會社"),
    ("TOSONG TECHNOLOGY TRADING CORPORATION", "토성기술무역회사", "土星技術貿易會社"),
    ("KOREA RYONHA MACHINERY JOINT VENTURE CORPORATION", "조선련하기계합영회사", "朝鮮連河機械合營會社"),
    ("SECOND ACADEMY OF NATURAL SCIENCES", "제2자연과학원", "第2自然科學院"),
    ("CHONGCHONGANG SHIPPING COMPANY", "청천강해운회사", "淸川江海運會社"),
    ("HESONG TRADING COMPANY", "해성무역회사", "海星貿易會社"),
    ("KOREA KWANGSON BANKING CORPORATION (KKBC)", "조선광선은행", "朝鮮光鮮銀行"),
    ("KOREA KWANGSONG TRADING CORPORATION", "조선광성무역회사", "朝鮮光星貿易會社"),
    ("MINISTRY OF ATOMIC ENERGY INDUSTRY", "원자력공업성", "原子力工業省"),
    ("OFFICE 39", "39호실", "39號室"),
    ("RECONNAISSANCE GENERAL BUREAU", "정찰총국", "偵察總局"),
    ("ILSIM INTERNATIONAL BANK", "일심국제은행", "一心國際銀行"),
    ("KOREA DAESONG BANK", "조선대성은행", "朝鮮大成銀行"),
    ("KOREA PUGANG TRADING CORPORATION", "조선부강무역회사", "朝鮮富强貿易會社"),
    ("KOREA INTERNATIONAL CHEMICAL JOINT VENTURE COMPANY", "조선국제화학합영회사", "朝鮮國際化學合營會社"),
    ("KANGBONG TRADING CORPORATION", "강봉무역회사", "江峰貿易會社"),
    ("KOREA KUMSAN TRADING CORPORATION", "조선금산무역회사", "朝鮮錦山貿易會社"),
    ("KORYO BANK", "고려은행", "高麗銀行"),
    ("KORYO CREDIT DEVELOPMENT BANK", "고려신용개발은행", "高麗信用開發銀行"),
    ("MUNITIONS INDUSTRY DEPARTMENT", "군수공업부", "軍需工業部"),
    ("GENERAL BUREAU OF ATOMIC ENERGY (GBAE)", "원자력총국", "原子力總局"),
    ("KOREA ACHIM SHIPPING CO", "조선아침해운회사", "朝鮮아침海運會社"),
    ("KOREA ANSAN SHIPPING COMPANY", "조선안산해운회사", "朝鮮安山海運會社"),
    ("KOREA MYONGDOK SHIPPING CO", "조선명덕해운회사", "朝鮮明德海運會社"),
    ("KOREA SAMMA SHIPPING CO", "조선삼마해운회사", "朝鮮三馬海運會社"),
    ("KOREA YUJONG SHIPPING CO LTD", "조선유정해운회사", "朝鮮油井海運會社"),
    ("MYOHYANG SHIPPING CO", "묘향해운회사", "妙香海運會社"),
    ("PAEKMA SHIPPING CO", "백마해운회사", "白馬海運會社"),
    ("HAPJANGGANG SHIPPING CORP", "합장강해운회사", "合掌江海運會社"),
    ("CHONMYONG SHIPPING CO", "천명해운회사", "天明海運會社"),
    ("KOREAN NATIONAL INSURANCE COMPANY (KNIC)", "조선민족보험총회사", "朝鮮民族保險總會社"),
    ("ORGANIZATION AND GUIDANCE DEPARTMENT (OGD)", "조직지도부", "組織指導部"),
    ("PROPAGANDA AND AGITATION DEPARTMENT (PAD)", "선전선동부", "宣傳煽動部"),
]  # fmt: skip


# -- innocents made from the lists ----------------------------------------------------

CHINESE_FAMILIES = ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou",
                    "Xu", "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Lin", "Luo", "Gao"]  # fmt: skip
KOREAN_SYLLABLES = ["Min", "Ji", "Seo", "Hyun", "Jae", "Woo", "Eun", "Ha", "Yeon", "Soo", "Hee",
                    "Jin", "Ho", "Sung", "Young", "Kyung", "Dong", "Hye", "Na", "Bin"]  # fmt: skip


def hard_innocents(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    rows = ofac_rows()

    # a South Korean of the family name and two syllables against a listed short alias of
    # the family name and one of them (KIM Min-chol against KIM, Chol)
    def words(name: str) -> list[str]:
        return [w for w in re.split(r"[\s,\-]+", name) if w]

    short = sorted(
        {r[1] for r in rows if r[2] == "individual" and "DPRK" in r[3] and len(words(r[1])) == 2}
        | {n for n in un_dprk_individuals() if len(words(n)) == 2}
    )
    for i, listed in enumerate(short):
        family, given = words(listed)
        if family.lower() not in FAMILY or given.lower() not in GIVEN:
            continue  # not a Korean name
        extra = rng.choice(KOREAN_SYLLABLES)
        out.append(
            Case(
                f"hk-{i}",
                "Person",
                f"{family.title()} {extra}-{given.lower()}",
                "innocent: Korean name with a syllable more",
                None,
            )
        )
    # a Chinese listed person's given name under another family name
    chinese = sorted(
        r[1] for r in rows
        if r[2] == "individual" and re.fullmatch(r"[A-Z]+, [A-Z][a-z]+", r[1]) and r[1].split(",")[0].title() in CHINESE_FAMILIES
    )  # fmt: skip
    for i, listed in enumerate(rng.sample(chinese, min(100, len(chinese)))):
        family, given = (w.strip() for w in listed.split(","))
        other = rng.choice([f for f in CHINESE_FAMILIES if f.upper() != family])
        out.append(
            Case(
                f"hc-{i}",
                "Person",
                f"{other} {given}",
                "innocent: Chinese name, another family name",
                None,
            )
        )
    # a listed company without its distinctive word: KOREA MINING COMPANY
    generic = {"korea", "korean", "trading", "general", "corporation", "company", "bank", "shipping",
               "international", "development", "industrial", "group", "co", "ltd", "mining",
               "technology", "machinery", "energy", "oil", "investment", "commercial", "and"}  # fmt: skip
    companies = sorted({r[1] for r in rows if r[2] == "-0- " and 3 <= len(r[1].split()) <= 6})
    made = set()
    for listed in companies:
        words = re.findall(r"[A-Za-z]+", listed.lower())
        kept = [w for w in words if w in generic and w not in ("co", "ltd", "and")]
        dropped = [w for w in words if w not in generic]
        if len(kept) >= 2 and len(dropped) == 1 and len(dropped[0]) >= 4:
            name = (
                " ".join(w.title() for w in kept if w not in ("corporation", "company"))
                + " Company"
            )
            if name not in made:
                made.add(name)
                out.append(
                    Case(
                        f"hg-{len(made)}",
                        "Company",
                        name,
                        "innocent: a listed company's generic words",
                        None,
                    )
                )
    return out


# -- the set ---------------------------------------------------------------------------------


def evaluation_items(seed: int = 21) -> list[Case]:
    from bench.screening.innocents import companies, persons

    rng = random.Random(seed)
    cases: list[Case] = []
    # vessels with a type prefix, words and digits written together
    vessels = sorted({r[1] for r in ofac_rows() if r[2] == "vessel"})
    for i, listed in enumerate(rng.sample(vessels, 150)):
        prefix = rng.choice(["M/V", "MV", "M.V.", "MT", "M/T", "M/V.", "mv"])
        words = listed.split()
        roman = re.fullmatch(r"[IVX]+", words[-1])
        syllables = not roman and all(len(w) <= 5 and (w.isalpha() or w.isdigit()) for w in words)
        if len(words) > 1 and syllables and rng.random() < 0.7:
            name = "".join(words)  # YU SONG 12 -> YUSONG12: syllables written as one word
        elif len(words) > 1 and words[-1].isdigit():
            name = " ".join(words[:-1]) + words[-1]  # digits written onto the name
        else:
            name = listed
        if rng.random() < 0.3:
            name = name.title()
        cases.append(
            Case(f"v-{i}", "Vessel", f"{prefix} {name}", "vessel with a type prefix", listed)
        )
    # North Korean persons: RR, Cyrillic, Hangul with invisible characters
    for i, listed in enumerate(dprk_persons()):
        hangul = hangul_of(listed)
        if hangul is None:
            continue
        cases.append(
            Case(
                f"rr-{i}",
                "Person",
                revised_romanisation(hangul, rng),
                "Korean in RR, given name joined",
                listed,
            )
        )
        cases.append(
            Case(f"ko-{i}", "Person", kontsevich(hangul), "Korean in Russian Cyrillic", listed)
        )
        cases.append(
            Case(
                f"iv-{i}",
                "Person",
                hangul + rng.choice(INVISIBLE),
                "Hangul with an invisible character or emoji",
                listed,
                ("kp",) if rng.random() < 0.5 else (),
            )
        )
    # Russian persons in French, German, Spanish and Italian
    russians = russian_persons()
    for i, listed in enumerate(rng.sample(russians, min(120, len(russians)))):
        language, name = rng.choice(russian_renderings(listed, rng))
        cases.append(Case(f"ru-{i}", "Person", name, f"Russian in {language}", listed))
    # North Korean organisations in Hangul and in Hanja or Chinese characters
    for i, (listed, hangul, han) in enumerate(ORGANISATIONS):
        cases.append(Case(f"oh-{i}", "Organization", hangul, "DPRK organisation in Hangul", listed))
        cases.append(
            Case(f"oc-{i}", "Organization", han, "DPRK organisation in Hanja/Chinese", listed)
        )
    # innocents
    for item in persons(1000, seed=seed) + companies(1000, seed=seed + 1):
        cases.append(
            Case(item.id, item.schema, item.name, f"innocent: Faker {item.schema.lower()}", None)
        )
    cases.extend(hard_innocents(rng))
    return cases
