"""Text as the keyword rules read it: NFKC, lower case, ё as е, split into words of
letters and digits in any script."""

from __future__ import annotations

import re
import unicodedata

WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower().replace("ё", "е")


def words(text: str) -> list[str]:
    return WORD.findall(fold(text))
