import pytest

from watchkeeper.model.marking import MSMT, TLP, Marking, MarkingError, Viewer, may_see

KOR_MOFA = Viewer("kor-mofa", "KOR")
US_OFAC = Viewer("us-ofac", "USA")
RU_ORG = Viewer("ru-ministry", "RUS")


@pytest.mark.parametrize(
    ("marking", "viewer", "expected"),
    [
        (Marking.make("CLEAR"), RU_ORG, True),
        (Marking.make("GREEN"), RU_ORG, True),
        (Marking.make("GREEN", rel_to="MSMT"), RU_ORG, False),
        (Marking.make("GREEN", rel_to="MSMT"), KOR_MOFA, True),
        (Marking.make("CLEAR", rel_to="USA"), KOR_MOFA, False),
        # AMBER and up need the organisation among the recipients...
        (Marking.make("AMBER"), KOR_MOFA, False),
        (Marking.make("AMBER", recipients="kor-mofa"), KOR_MOFA, True),
        (Marking.make("AMBER+STRICT", recipients="kor-mofa"), KOR_MOFA, True),
        (Marking.make("RED", recipients="us-ofac"), KOR_MOFA, False),
        # ...and inside the REL TO countries.
        (Marking.make("AMBER", rel_to="USA", recipients="kor-mofa"), KOR_MOFA, False),
        # The originator always sees its own information.
        (Marking.make("RED", rel_to="USA", originator="kor-mofa"), KOR_MOFA, True),
        # A viewer with no country never passes a REL TO list.
        (Marking.make("CLEAR", rel_to="MSMT"), Viewer("ngo"), False),
    ],
)
def test_releasability_rule(marking: Marking, viewer: Viewer, expected: bool) -> None:
    assert may_see(viewer, marking) is expected


def test_tlp_parsing_and_order() -> None:
    assert TLP.parse("TLP:AMBER+STRICT") is TLP.AMBER_STRICT
    assert TLP.parse("white") is TLP.CLEAR
    assert TLP.CLEAR < TLP.GREEN < TLP.AMBER < TLP.AMBER_STRICT < TLP.RED
    with pytest.raises(MarkingError, match="unknown TLP"):
        TLP.parse("PURPLE")


def test_msmt_group_expands_to_its_eleven_members() -> None:
    assert Marking.make("GREEN", rel_to="MSMT").rel_to == MSMT
    assert len(MSMT) == 11


def test_marking_key_is_canonical() -> None:
    a = Marking.make("amber", rel_to="usa,KOR", originator="x", recipients="b,a")
    b = Marking.make("TLP:AMBER", rel_to=["KOR", "USA"], originator="x", recipients=["a", "b"])
    assert a == b and a.key == b.key == "TLP:AMBER | REL TO KOR,USA | ORIG x | TO a,b"


@pytest.mark.parametrize("bad", ["US", "U5A", "", ","])
def test_bad_rel_to_is_refused(bad: str) -> None:
    with pytest.raises(MarkingError):
        Marking.make("GREEN", rel_to=[bad] if bad else [])
