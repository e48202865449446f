"""Names the benchmarks never showed (issue 12): each class on real list entries written
as users type them. Every listed name is first checked to be in the real UN or OFAC file.
"""

from __future__ import annotations

import pytest

from tests.helpers import entity, write
from tests.screening.test_names import (
    assert_un,
    matches,
    matches_korean,
    ofac_names,
    un_dprk,
    un_original_script_names,
)
from watchkeeper.model.marking import Viewer
from watchkeeper.screening import Query, Screener, build, pair_score
from watchkeeper.screening.names import analyse, clean
from watchkeeper.store import Store

# -- vessels ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["MT YUSONG12", "M/T YU SONG 12", "M/V YUSONG 12", "M.V. Yu Song 12", "MV YU SONG-12"],
)
def test_vessel_type_prefixes_and_joined_digits(query: str) -> None:
    assert "YU SONG 12" in ofac_names()
    result = pair_score("Vessel", query, "YU SONG 12")
    assert result.score >= 0.95, result.explain()
    # the prefix is a vessel's, not a word of the name: a different number stays different
    assert not matches("Vessel", query, "YU SONG 7")


def test_a_prefixed_vessel_name_finds_its_listing(sqlite_store: Store) -> None:
    """No candidate at all before: MT YUSONG12 shared no retrieval key with YU SONG 12."""
    write(
        sqlite_store,
        [
            entity("Vessel", "v1", name="YU SONG 12", imoNumber="8500000"),
            entity("Vessel", "v2", name="YU SONG 7"),
            entity("Vessel", "v3", name="SONG 12 STAR"),
        ],
    )
    screener = Screener.for_viewer(build(sqlite_store), sqlite_store, Viewer("t", None))
    for name in ("MT YUSONG12", "M/V. YU SONG 12"):
        found = screener.match(Query("q", "Vessel", (name,)))
        assert found and found[0].entity.id == "v1" and found[0].match, name


# -- South Korean spelling -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "listed", "query"),
    [
        ("KPi.017", "JANG YONG SON", "Jang Yongseon"),
        ("KPi.054", "CHOE CHUN YONG", "Chunyeong Choi"),  # chun-yeong, not chu-nyeong
        ("KPi.072", "PAE WON UK", "Bae Wonuk"),  # won-uk, not wo-nuk
        ("KPi.029", "PAK CHUN IL", "Park Chunil"),
        ("KPi.024", "KIM YONG CHOL", "Kim Yeongcheol"),
    ],
)
def test_revised_romanisation_with_the_given_name_joined(ref: str, listed: str, query: str) -> None:
    assert_un(ref, listed)
    result = pair_score("Person", query, listed)
    assert result.match, result.explain()


def test_korean_vowels_that_cannot_agree_are_two_syllables() -> None:
    """SEO (서) is not SU (수), SEUNG (승) not SONG (성/송); but the DPRK's O and U stand for
    both of theirs, and passports write 정 JUNG, 철 CHUL, 경 KYUNG."""
    assert "RI, Su Yong" in ofac_names() and "KIM, Song Hun" in ofac_names()
    assert not matches("Person", "Lee Seo Yeong", "RI, Su Yong")
    assert not matches("Person", "Seung-hyeon Kim", "KIM, Song Hun")
    assert matches("Person", "Kim Seong-hun", "KIM, Song Hun")  # 성훈: the same name
    assert matches("Person", "Kim Young-chul", "KIM, Yong Chol")
    assert_un("KPi.008", "RA KY'ONG-SU", "Ra Kyung-Su")
    assert matches("Person", "Ra Kyung-Su", "RA KY'ONG-SU")


# -- Russian names in other languages' letters ---------------------------------------------


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("Nikolaï Patrouchev", "PATRUSHEV, Nikolai Platonovich"),  # French ch = ш
        ("Vladimir Poutine", "PUTIN, Vladimir Vladimirovich"),  # French -ine
        ("Sergueï Choïgou", "SHOIGU, Sergei Kuzhugetovich"),
        ("Sergej Naryschkin", "NARYSHKIN, Sergey Yevgenyevich"),  # German
        ("Michail Mischustin", "MISHUSTIN, Mikhail Vladimirovich"),
        ("Mijaíl Mishustin", "MISHUSTIN, Mikhail Vladimirovich"),  # Spanish j = х
        ("Vladímir Putín", "PUTIN, Vladimir Vladimirovich"),
        ("Sergej Scioigu", "SHOIGU, Sergei Kuzhugetovich"),  # Italian sci = ш
    ],
)
def test_russian_names_in_french_german_spanish_and_italian(query: str, listed: str) -> None:
    assert listed in ofac_names()
    result = pair_score("Person", query, listed)
    assert result.match, result.explain()


def test_other_transliterations_only_where_a_name_shows_their_marks() -> None:
    # French ch is ш only in a name written the French way: CHEN is not SHEN
    assert not any(t.alternatives for t in analyse("Chen Li")[0].tokens)
    assert not matches("Person", "Chen Jian", "Shen Jian")
    assert "patrusev" in analyse("Nikolaï Patrouchev")[0].tokens[1].alternatives


# -- North Korean organisations in Hangul and Hanja --------------------------------------------


@pytest.mark.parametrize(
    ("ref", "query"),
    [
        ("KPe.002", "조선련봉총회사"),
        ("KPe.002", "朝鮮聯峰總會社"),
        ("KPe.003", "단천상업은행"),  # 단천 read as the DPRK writes it: TANCHON
        ("KPe.030", "39호실"),
        ("KPe.031", "정찰총국"),
        ("KPe.031", "偵察總局"),
        ("KPe.035", "조선대성은행"),
        ("KPe.045", "고려은행"),
        ("KPe.028", "군수공업부"),
        ("KPe.028", "軍需工業部"),
    ],
)
def test_dprk_organisations_in_hangul_and_hanja(ref: str, query: str) -> None:
    listed = un_dprk()[ref][0]
    result = pair_score("Organization", query, listed)
    assert result.match, result.explain()


# -- North Korean names in Russian Cyrillic ----------------------------------------------------


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("Ким Чен Ын", "KIM, Jong Un"),  # the older spelling, still the usual one
        ("Ким Чон Ын", "KIM, Jong Un"),  # Kontsevich
        ("Ким Ён Чхоль", "KIM, Yong Chol"),
        ("Пак Пон Нам", "PAK, Bong Nam"),  # final н is ㅇ here
        ("Чхве Рён Хэ", "CHOE, Ryong Hae"),
        ("Ким Ё Чжон", "KIM, Yo Jong"),
    ],
)
def test_korean_names_in_russian_cyrillic(query: str, listed: str) -> None:
    assert listed in ofac_names()
    result = pair_score("Person", query, listed)
    assert result.match, result.explain()


def test_kontsevich_both_ways_and_no_russian_reading_of_a_korean_name() -> None:
    # a listed Cyrillic spelling is met by the Latin and the Hangul ones
    assert matches("Person", "Kim Yong Chol", "Ким Ён Чхоль")
    assert matches("Person", "김영철", "Ким Ён Чхоль")
    # read as Korean, Ким Чен Ын is no longer YUN, Cheng (read as Russian: kim chen yn)
    assert "YUN, Cheng" in ofac_names()
    assert not matches("Person", "Ким Чен Ын", "YUN, Cheng")
    # a Russian name is still read as Russian
    assert matches("Person", "Сергей Шойгу", "SHOIGU, Sergei Kuzhugetovich")


# -- invisible characters --------------------------------------------------------------------


@pytest.mark.parametrize(
    "suffix",
    ["\u200d", "\u200b", "\u200c", "\ufeff", "\u2060", " \U0001f600", "\U0001f1f0\U0001f1f5"],
)
def test_invisible_characters_and_emoji_are_not_part_of_a_name(suffix: str) -> None:
    assert "KIM, Yong Chol" in ofac_names()
    assert clean("김영철" + suffix).strip() == "김영철"
    assert pair_score("Person", "김영철" + suffix, "KIM, Yong Chol").score >= 0.97
    assert pair_score("Person", "金英哲" + suffix, "KIM, Yong Chol", countries=("kp",)).match
    # inside a name, a zero-width space separates words; a joiner joins nothing
    assert pair_score("Person", "Kim\u200bYong\u200dChol", "KIM, Yong Chol").match


def test_invisible_characters_are_cleaned_where_listed_names_enter(sqlite_store: Store) -> None:
    write(sqlite_store, [entity("Person", "p1", name="김영철\u200d\U0001f600")])
    screener = Screener.for_viewer(build(sqlite_store), sqlite_store, Viewer("t", None))
    found = screener.match(Query("q", "Person", ("Kim Yong Chol",)))
    assert found and found[0].entity.id == "p1" and found[0].match


# -- a part of a listed name is not the whole ----------------------------------------------


def test_part_of_a_korean_name_is_another_name() -> None:
    names = ofac_names()
    assert {"KIM, Jong Un", "KIM, Yo Jong"} <= names
    part = pair_score("Person", "Kim Jong", "KIM, Jong Un")
    assert not part.match and "a part of the Korean name" in part.explain()
    # ... but the closest: KIM Jong in order inside KIM Jong Un, not KIM Yo Jong
    assert part.score > pair_score("Person", "Kim Jong", "KIM, Yo Jong").score
    # a given name with a syllable the listed short alias lacks: another person
    assert "KIM, Chol" in names
    assert not matches("Person", "Kim Min-chol", "KIM, Chol")


def test_the_son_is_not_the_father() -> None:
    son = "حمزة أسامة محمد بن لادن"
    assert son in un_original_script_names()
    result = pair_score("Person", "أسامة بن لادن", son)
    assert not result.match and "another first name" in result.explain()
    assert matches("Person", son, son)


def test_a_generic_name_with_another_legal_form_is_not_the_listed_company() -> None:
    assert "GLOBAL ENERGY COMPANY S.A.S." in ofac_names()
    assert not matches("Company", "Global Energy GmbH", "GLOBAL ENERGY COMPANY S.A.S.")
    assert matches("Company", "Global Energy SAS", "GLOBAL ENERGY COMPANY S.A.S.")


def test_an_identical_name_is_explained_as_the_same_name() -> None:
    assert "GLOBAL ENERGY COMPANY S.A.S." in ofac_names()
    result = pair_score("Company", "Global Energy Company S.A.S.", "GLOBAL ENERGY COMPANY S.A.S.")
    assert "same name" in result.explain() and "split differently" not in result.explain()
    joined = pair_score("Vessel", "YUSONG 12", "YU SONG 12")
    assert "split differently" in joined.explain()


# -- Chinese names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("王勇", "WANG, Zhiqing"),  # YONG is no typing error of ZHIQING
        ("宋岩", "JI, Songyan"),  # the family name SONG is not joined into a given name
        ("林坤", "KIM, Se Gon"),  # not read as Korean (RIM Gon) unless the query says so
        ("武丹丹", "OO, Than"),
        ("Zhang Fan", "FAN, Yang"),  # ZHANG is not YANG
        ("Wang Lei", "ZHANG, Lei"),  # nor WANG a typing error of ZHANG
    ],
)
def test_chinese_names_are_read_as_chinese(query: str, listed: str) -> None:
    assert listed in ofac_names()
    result = pair_score("Person", query, listed)
    assert not result.match, result.explain()


def test_a_han_name_is_read_in_korean_where_the_query_says_korean() -> None:
    assert "KIM, Jong Un" in ofac_names()
    assert not matches("Person", "金正恩", "KIM, Jong Un")
    assert matches_korean("金正恩", "KIM, Jong Un")
    assert pair_score("Person", "金正恩", "KIM, Jong Un", countries=("North Korea",)).match
    query = Query("q", "Person", ("金正恩",), korean=True)  # the user's choice
    assert any(t.korean for r in query.readings() for t in r.tokens)
    # the same name in pinyin is still the same name; another given name is not
    assert matches("Person", "習近平", "Xi Jinping")
    assert not matches("Person", "Wen", "CHANG, Wen-Fu")


# -- innocent names ------------------------------------------------------------------------------


def test_a_generic_company_is_not_one_that_adds_a_distinctive_word() -> None:
    assert_un("KPe.001", "KOREA MINING DEVELOPMENT TRADING CORPORATION")
    result = pair_score(
        "Company", "Korea Trading Company", "KOREA MINING DEVELOPMENT TRADING CORPORATION"
    )
    assert not result.match and "a distinctive word it lacks: mining" in result.explain()
    # the listed name's own shorter forms still match (a short form inside it)
    assert matches(
        "Company", "Mining Development Trading Corp", "KOREA MINING DEVELOPMENT TRADING CORPORATION"
    )


def test_second_names_alone_do_not_name_a_listed_person() -> None:
    listed = "SANCHEZ RIVERA, Doris Patricia"
    assert listed in ofac_names()
    result = pair_score("Person", "Patricia Rivera", listed)
    assert not result.match and "another first name" in result.explain()
    assert matches("Person", "Doris Sanchez Rivera", listed)
