"""A declared HS code, read at the precision it was given.

Dots, spaces and hyphens are layout; what remains must be 4 (a heading), 6 (an HS-6
subheading) or 8 to 10 digits (a national tariff line, whose first six digits are the
HS-6) in an HS chapter. Anything else is *doubtful*: it is shown, and the description
decides.
"""

from __future__ import annotations

from dataclasses import dataclass

LAYOUT = str.maketrans("", "", ". -\u00a0")


@dataclass(frozen=True)
class Code:
    raw: str
    digits: str
    status: str  # missing, doubtful, heading, hs6, national

    @property
    def hs6(self) -> str | None:
        return self.digits[:6] if self.status in ("hs6", "national") else None

    @property
    def heading(self) -> str | None:
        return self.digits[:4] if self.status in ("heading", "hs6", "national") else None


def read_code(raw: str) -> Code:
    text = raw.strip()
    if not text:
        return Code(raw, "", "missing")
    digits = text.translate(LAYOUT)
    if not digits.isascii() or not digits.isdigit():
        return Code(raw, "", "doubtful")
    chapter = int(digits[:2]) if len(digits) >= 2 else 0
    if not 1 <= chapter <= 97 or chapter == 77:
        return Code(raw, digits, "doubtful")
    if len(digits) == 4:
        return Code(raw, digits, "heading")
    if len(digits) == 6:
        return Code(raw, digits, "hs6")
    if 8 <= len(digits) <= 10:
        return Code(raw, digits, "national")
    return Code(raw, digits, "doubtful")
