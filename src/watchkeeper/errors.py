"""The one exception root. Each error carries the HTTP status a web layer maps it to."""

from __future__ import annotations


class WatchkeeperError(Exception):
    """Base of every error the user is meant to read. ``str(err)`` is one line."""

    status = 500

    def __init__(self, detail: str) -> None:
        # Keep the message to one line: it is printed as-is by the CLI.
        self.detail = " ".join(detail.split())
        super().__init__(self.detail)


class ConfigError(WatchkeeperError):
    status = 500


class InputError(WatchkeeperError):
    """Bad input from a file or a request: names the file and the record."""

    status = 400

    def __init__(self, path: str, reason: str, record: str | None = None) -> None:
        self.path = path
        self.record = record
        where = f"{path}: {record}: " if record else f"{path}: "
        super().__init__(where + reason)


class NotFound(WatchkeeperError):
    status = 404


class Forbidden(WatchkeeperError):
    status = 403


class Conflict(WatchkeeperError):
    status = 409


class Busy(WatchkeeperError):
    """Another writer holds the store for longer than we may wait."""

    status = 503
