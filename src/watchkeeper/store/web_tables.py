"""The workbench's tables: accounts, API tokens, sessions and the audit trail.

Declared on the knowledge base's ``metadata`` (``schema.py`` picks them up at its end) and
created by the migration ``0007_web``. Users point at an organisation by name without a
foreign key: ``watchkeeper org add`` re-registers an organisation by deleting its row.
Secrets are never stored: passwords as argon2 hashes, tokens and session ids as SHA-256.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, Integer, String, Table, Text

from watchkeeper.store.schema import metadata

web_user = Table(
    "web_user",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("organisation", String(255), nullable=False),
    Column("role", String(16), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("locale", String(8), nullable=True),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", String(32), nullable=False),
    Column("created_by", String(64), nullable=False),
)

web_token = Table(
    "web_token",
    metadata,
    # The token's public part (``wk_<id>_<secret>``): found by id, checked by hash.
    Column("id", String(32), primary_key=True),
    Column("user_id", Integer, nullable=False, index=True),
    Column("name", String(255), nullable=False),
    Column("secret_hash", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("revoked_at", String(32), nullable=True),
)

web_session = Table(
    "web_session",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", Integer, nullable=False, index=True),
    Column("csrf", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(32), nullable=False),
    Column("organisation", String(255), nullable=False),
    Column("username", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("target", Text, nullable=False, default=""),
    Column("detail", Text, nullable=False, default=""),
    Column("address", String(64), nullable=False, default=""),
)
Index("ix_audit_log_org", audit_log.c.organisation, audit_log.c.at)
Index("ix_audit_log_action", audit_log.c.action, audit_log.c.username, audit_log.c.at)

TABLES: tuple[Table, ...] = (web_user, web_token, web_session, audit_log)
