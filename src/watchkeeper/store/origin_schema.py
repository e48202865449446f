"""Tables for what an FtM export says about an entity beyond its values.

OpenSanctions' entity exports carry, per entity, the datasets it was published in, the
source ids merged into it (``referents``), whether it is a ``target`` and when it was
first seen, last seen and last changed. These are kept per entity and per importing
dataset (the latest import of that dataset wins), with the marking of the entity's
statements in that import: a viewer sees them only where it may see that marking and
the entity itself.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from watchkeeper.store.schema import metadata

entity_origin = Table(
    "entity_origin",
    metadata,
    # The importing dataset (the statements' ``dataset``): one row per entity per dataset.
    Column("dataset", String(255), primary_key=True),
    Column("entity_id", String(255), primary_key=True),
    Column("marking_id", Integer, ForeignKey("marking.id"), nullable=False),
    # The publishing datasets, comma-framed (",eu_fsf,us_ofac_sdn,") like marking.rel_to.
    Column("datasets", Text, nullable=True),
    Column("target", Boolean, nullable=True),
    Column("first_seen", String(32), nullable=True),
    Column("last_seen", String(32), nullable=True),
    Column("last_change", String(32), nullable=True),
)

entity_referent = Table(
    "entity_referent",
    metadata,
    Column("dataset", String(255), primary_key=True),
    Column("entity_id", String(255), primary_key=True),
    Column("referent", String(255), primary_key=True),
)
Index("ix_entity_referent_referent", entity_referent.c.referent)

TABLES: tuple[Table, ...] = (entity_origin, entity_referent)
