"""Tables of partner sharing (``watchkeeper.sharing``): the release log, the trust list of
partners' signing keys, and what partners' STIX objects said that no statement holds.
``store/schema.py`` picks them up at its end; the migration ``0012_sharing`` creates them.

Defined on a metadata handed in (not imported from ``schema``), so that this module can be
imported on its own without an import cycle.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, MetaData, String, Table, Text


def define(metadata: MetaData) -> tuple[Table, Table, Table]:
    # Everything that left for another organisation through the release gate: who sent
    # it, to whom, when, what (object ids and their markings, as JSON) and the SHA-256 of
    # the bytes that left. Read by the releasing organisation only.
    share_release = Table(
        "share_release",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("at", String(32), nullable=False),
        Column("organisation", String(255), nullable=False),
        Column("recipient", String(255), nullable=False),
        Column("released_by", String(255), nullable=False),
        Column("format", String(32), nullable=False),
        Column("selection", Text, nullable=False),
        Column("sha256", String(64), nullable=False),
        Column("object_count", Integer, nullable=False),
        Column("withheld_count", Integer, nullable=False),
        Column("objects", Text, nullable=False),
    )
    Index("ix_share_release_org", share_release.c.organisation, share_release.c.id)
    # Partners whose signed packages this workspace accepts: their Ed25519 public keys.
    share_key = Table(
        "share_key",
        metadata,
        Column("organisation", String(255), primary_key=True),
        Column("public_key", String(128), nullable=False),
        Column("fingerprint", String(64), nullable=False),
        Column("added_at", String(32), nullable=False),
        Column("added_by", String(255), nullable=False),
    )
    # One row per STIX object a partner sent: its newest version (``modified``), whether
    # it was revoked, and the properties and extensions no statement holds (JSON), kept
    # to be given back when the object is exported again, under ``marking_id``.
    share_object = Table(
        "share_object",
        metadata,
        Column("stix_id", String(255), primary_key=True),
        Column("partner", String(255), nullable=False),
        Column("modified", String(32), nullable=False),
        Column("revoked", Integer, nullable=False, default=0),
        Column("marking_id", Integer, ForeignKey("marking.id"), nullable=False),
        Column("extra", Text, nullable=False, default="{}"),
    )
    return share_release, share_key, share_object
