"""Workbench accounts: users, API tokens, sessions and the audit trail.

Every user belongs to a registered organisation, whose country is what REL TO is checked
against: a user sees exactly what its organisation may see (``Store.read(user.viewer)``).
Roles order what a user may *do* — ``viewer`` reads, ``analyst`` also writes (entries,
decisions, re-markings), ``admin`` also manages the accounts of its own organisation —
and never what it may *see*: there is no admin bypass of the releasability rule.

Passwords are argon2 hashes (argon2-cffi). API tokens and session ids are long random
secrets, stored only as SHA-256 digests: a stolen database gives no usable credential.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import and_, func, select

from watchkeeper.errors import Conflict, InputError, NotFound, WatchkeeperError
from watchkeeper.model.marking import Viewer
from watchkeeper.store.web_tables import audit_log, web_session, web_token, web_user

if TYPE_CHECKING:
    from watchkeeper.store.core import Store

ROLES = ("viewer", "analyst", "admin")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD = 10
SESSION_HOURS = 12
# Login attempts. A user name is locked per address: after FAILURES_FREE failures of one
# name from one address, that pair waits FIRST_WAIT, and twice as long after each further
# failure (up to LONGEST_WAIT), until a login of that name from that address succeeds or
# FAILURE_MEMORY has passed. Someone else's failures lock the name for them, not for the
# user at another address. Failed checks of the current password (a password change)
# count as failed logins. One address is also refused, for every name, after
# FAILURES_PER_ADDRESS failures within ADDRESS_WINDOW (guessing many names).
FAILURES_FREE = 5
FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=12)
FAILURE_MEMORY = timedelta(hours=24)
FAILURES_PER_ADDRESS = 20
ADDRESS_WINDOW = timedelta(minutes=15)
FAILED_ACTIONS = ("login_failed", "password_failed")
TOKEN_PREFIX = "wk_"

_hasher = PasswordHasher()
# Verified when the user name is unknown, so that a miss costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("no such user, no such password")


class Forbidden(WatchkeeperError):
    status = 403


class TooManyAttempts(WatchkeeperError):
    status = 429

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def normalise_username(username: str) -> str:
    """The one form of a user name that is stored, looked up and counted (login, lockout,
    audit): surrounding blanks dropped, lower case."""
    return username.strip().lower()


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="seconds")


def backoff(failures: int) -> timedelta:
    """How long a user name waits at one address after ``failures`` recent failures."""
    if failures < FAILURES_FREE:
        return timedelta(0)
    wait: timedelta = FIRST_WAIT * 2 ** min(failures - FAILURES_FREE, 30)
    return min(wait, LONGEST_WAIT)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class User:
    id: int
    username: str
    organisation: str
    country: str | None
    role: str
    locale: str | None = None
    disabled: bool = False

    @property
    def viewer(self) -> Viewer:
        return Viewer(self.organisation, self.country)

    def can(self, role: str) -> bool:
        """Does this user's role include ``role``'s rights?"""
        return ROLES.index(self.role) >= ROLES.index(role)


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InputError("role", f"must be one of {', '.join(ROLES)}", role)
    return role


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InputError("password", f"at least {MIN_PASSWORD} characters")
    if len(password) > 1024:
        raise InputError("password", "at most 1,024 characters")
    return password


class Accounts:
    """Users, tokens, sessions and the audit trail of one store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.engine = store.engine

    # -- users -----------------------------------------------------------------------------

    def _user(self, row: Any) -> User:
        country = None
        for org in self.store.organisations():
            if org.organisation == row.organisation:
                country = org.country
        return User(
            row.id,
            row.username,
            row.organisation,
            country,
            row.role,
            row.locale,
            bool(row.disabled),
        )

    def add_user(self, username: str, organisation: str, role: str, password: str, by: str) -> User:
        username = normalise_username(username)
        if not USERNAME.match(username):
            raise InputError(
                "username", "2-64 characters: lower-case letters, digits, '.', '_' or '-'"
            )
        check_role(role)
        check_password(password)
        self.store.organisation(organisation)  # must be registered (NotFound otherwise)
        with self.engine.begin() as conn:
            taken = conn.execute(
                select(web_user.c.id).where(web_user.c.username == username)
            ).first()
            if taken is not None:
                # user names are unique across organisations: the same words whichever
                # organisation holds it (an admin learns no more than that it is taken)
                raise Conflict(f"the user name {username!r} is not available")
            conn.execute(
                web_user.insert().values(
                    username=username,
                    organisation=organisation,
                    role=role,
                    password_hash=_hasher.hash(password),
                    locale=None,
                    disabled=False,
                    created_at=now(),
                    created_by=by,
                )
            )
        return self.user(username)

    def user(self, username: str) -> User:
        found = self.find(username)
        if found is None:
            raise NotFound(f"no user {username!r}")
        return found

    def find(self, username: str) -> User | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(web_user).where(web_user.c.username == normalise_username(username))
            ).first()
        return self._user(row) if row is not None else None

    def by_id(self, user_id: int) -> User | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(web_user).where(web_user.c.id == user_id)).first()
        return self._user(row) if row is not None else None

    def users(self, organisation: str | None = None) -> list[User]:
        query = select(web_user).order_by(web_user.c.username)
        if organisation is not None:
            query = query.where(web_user.c.organisation == organisation)
        with self.engine.connect() as conn:
            rows = list(conn.execute(query))
        return [self._user(r) for r in rows]

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(web_user)).scalar() or 0)

    def _changed(self) -> None:
        """An account changed: callers resolved earlier in this process are resolved
        again (the web guard's cache compares this generation)."""
        self.store.accounts_generation += 1

    def _update(self, username: str, **values: Any) -> User:
        user = self.user(username)
        with self.engine.begin() as conn:
            conn.execute(web_user.update().where(web_user.c.id == user.id).values(**values))
        self._changed()
        return self.user(username)

    def set_role(self, username: str, role: str) -> User:
        return self._update(username, role=check_role(role))

    def set_password(self, username: str, password: str) -> User:
        user = self._update(username, password_hash=_hasher.hash(check_password(password)))
        self.end_sessions(user.id)
        return user

    def set_disabled(self, username: str, disabled: bool) -> User:
        user = self._update(username, disabled=disabled)
        if disabled:
            self.end_sessions(user.id)
        return user

    def set_locale(self, user_id: int, locale: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(web_user.update().where(web_user.c.id == user_id).values(locale=locale))
        self._changed()

    def authenticate(self, username: str, password: str) -> User | None:
        """The user when the password is right and the account enabled; else None.
        A miss costs one argon2 verification whether or not the user exists."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(web_user).where(web_user.c.username == normalise_username(username))
            ).first()
        stored = row.password_hash if row is not None else _DUMMY_HASH
        try:
            _hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if row is None or row.disabled:
            return None
        if _hasher.check_needs_rehash(stored):
            with self.engine.begin() as conn:
                conn.execute(
                    web_user.update()
                    .where(web_user.c.id == row.id)
                    .values(password_hash=_hasher.hash(password))
                )
        return self._user(row)

    # -- API tokens ------------------------------------------------------------------------

    def create_token(self, username: str, name: str) -> str:
        """A new API token for ``username``; the only time its secret is shown."""
        user = self.user(username)
        token_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            conn.execute(
                web_token.insert().values(
                    id=token_id,
                    user_id=user.id,
                    name=name.strip()[:255] or "token",
                    secret_hash=_digest(secret),
                    created_at=now(),
                    revoked_at=None,
                )
            )
        return f"{TOKEN_PREFIX}{token_id}_{secret}"

    def token_user(self, token: str) -> User | None:
        if not token.startswith(TOKEN_PREFIX):
            return None
        token_id, _, secret = token.removeprefix(TOKEN_PREFIX).partition("_")
        with self.engine.connect() as conn:
            row = conn.execute(
                select(web_token).where(
                    web_token.c.id == token_id, web_token.c.revoked_at.is_(None)
                )
            ).first()
        if row is None or not hmac.compare_digest(row.secret_hash, _digest(secret)):
            return None
        user = self.by_id(row.user_id)
        return user if user is not None and not user.disabled else None

    def tokens(self, username: str) -> list[dict[str, Any]]:
        user = self.user(username)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(web_token.c.id, web_token.c.name, web_token.c.created_at)
                .where(web_token.c.user_id == user.id, web_token.c.revoked_at.is_(None))
                .order_by(web_token.c.created_at)
            )
            return [dict(r._mapping) for r in rows]

    def revoke_token(self, username: str, token_id: str) -> None:
        user = self.user(username)
        with self.engine.begin() as conn:
            result = conn.execute(
                web_token.update()
                .where(web_token.c.id == token_id, web_token.c.user_id == user.id)
                .values(revoked_at=now())
            )
        self._changed()
        if result.rowcount == 0:
            raise NotFound(f"no token {token_id!r} of {username!r}")

    # -- sessions --------------------------------------------------------------------------

    def create_session(self, user: User) -> tuple[str, str]:
        """A new session: (the cookie's secret, the session's CSRF token)."""
        secret = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        created = datetime.now(UTC)
        with self.engine.begin() as conn:
            conn.execute(
                web_session.insert().values(
                    id_hash=_digest(secret),
                    user_id=user.id,
                    csrf=csrf,
                    created_at=created.isoformat(timespec="seconds"),
                    expires_at=(created + timedelta(hours=SESSION_HOURS)).isoformat(
                        timespec="seconds"
                    ),
                )
            )
        return secret, csrf

    def session(self, secret: str) -> tuple[User, str] | None:
        """The user and CSRF token of a live session, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(web_session).where(
                    web_session.c.id_hash == _digest(secret), web_session.c.expires_at > now()
                )
            ).first()
        if row is None:
            return None
        user = self.by_id(row.user_id)
        if user is None or user.disabled:
            return None
        return user, row.csrf

    def end_session(self, secret: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(web_session.delete().where(web_session.c.id_hash == _digest(secret)))
        self._changed()

    def end_sessions(self, user_id: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(web_session.delete().where(web_session.c.user_id == user_id))
        self._changed()

    # -- the audit trail ---------------------------------------------------------------------

    def audit(
        self,
        user: User | None,
        action: str,
        target: str = "",
        detail: str = "",
        address: str = "",
        organisation: str | None = None,
        username: str | None = None,
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                audit_log.insert().values(
                    at=now(),
                    organisation=user.organisation if user else (organisation or ""),
                    username=user.username if user else (username or ""),
                    action=action,
                    target=target[:2000],
                    detail=detail[:2000],
                    address=address[:64],
                )
            )

    def audit_trail(self, organisation: str, limit: int = 200) -> list[dict[str, Any]]:
        """The organisation's own trail, newest first (an admin of it reads it)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(audit_log)
                .where(audit_log.c.organisation == organisation)
                .order_by(audit_log.c.id.desc())
                .limit(limit)
            )
            return [dict(r._mapping) for r in rows]

    def check_attempts(self, username: str, address: str, at: datetime | None = None) -> None:
        """Refuse an attempt to log in (or to prove the current password) while ``username``
        waits at ``address``, or ``address`` made too many failures (see FAILURES_FREE);
        ``at`` is the moment of the attempt (now)."""
        at = at or datetime.now(UTC)
        name = normalise_username(username)[:64]
        failed = audit_log.c.action.in_(FAILED_ACTIONS)
        here = and_(audit_log.c.username == name, audit_log.c.address == address[:64])
        with self.engine.connect() as conn:
            # the trail's order (its ids), not its times, which are to the second
            succeeded = conn.execute(
                select(func.max(audit_log.c.id)).where(here, audit_log.c.action == "login")
            ).scalar()
            count, last = conn.execute(
                select(func.count(), func.max(audit_log.c.at)).where(
                    failed,
                    here,
                    audit_log.c.at > _iso(at - FAILURE_MEMORY),
                    audit_log.c.id > (succeeded or 0),
                )
            ).one()
            by_address = conn.execute(
                select(func.count()).where(
                    failed,
                    audit_log.c.address == address[:64],
                    audit_log.c.at > _iso(at - ADDRESS_WINDOW),
                )
            ).scalar()
        waits: list[timedelta] = []
        if count and last:
            until = datetime.fromisoformat(last) + backoff(int(count))
            if until > at:
                waits.append(until - at)
        if (by_address or 0) >= FAILURES_PER_ADDRESS:
            waits.append(ADDRESS_WINDOW)
        if waits:
            seconds = max(1, int(max(waits).total_seconds()) + 1)
            raise TooManyAttempts(
                f"too many failed logins; try again in {-(-seconds // 60)} minute(s)", seconds
            )
