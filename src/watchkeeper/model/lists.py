"""The lists' own identifiers: ``UN:KPi.038``, ``OFAC:12345`` (design.md, Identifiers)."""

from __future__ import annotations

# Words of a Sanction's ``authority`` that name the list it comes from.
AUTHORITIES = (
    ("united nations", "UN"),
    ("foreign assets", "OFAC"),
    ("ofac", "OFAC"),
    ("1718 committee", "UN"),
    ("european union", "EU"),
    ("hm treasury", "UK"),
    ("financial sanctions implementation", "UK"),
    ("japan", "JP"),
    ("republic of korea", "KR"),
)


def list_prefix(authority: str) -> str | None:
    lowered = authority.lower()
    for words, prefix in AUTHORITIES:
        if words in lowered:
            return prefix
    return None


def list_id(authority: str, ident: str) -> str | None:
    prefix = list_prefix(authority)
    return f"{prefix}:{ident}" if prefix else None
