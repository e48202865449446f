"""The one exception root. Each error carries the HTTP status a web layer maps it to."""

from __future__ import annotations


class WatchkeeperError(Exception):
    """Base of every error the user is meant to read. ``str(err)`` is one line.

    ``template`` (optional): the message as a message id with ``{name}`` fields filled
    from ``values``, for an interface that shows it in the user's language (the
    workbench); the CLI and the API keep ``detail``, in English."""

    status = 500

    def __init__(self, detail: str, *, template: str | None = None, **values: object) -> None:
        # Keep the message to one line: it is printed as-is by the CLI.
        self.detail = " ".join(detail.split())
        self.template = template
        self.values = values
        super().__init__(self.detail)


class ConfigError(WatchkeeperError):
    status = 500


class InputError(WatchkeeperError):
    """Bad input from a file or a request: names the file and the record."""

    status = 400

    def __init__(
        self,
        path: str,
        reason: str,
        record: str | None = None,
        *,
        template: str | None = None,
        **values: object,
    ) -> None:
        """``template``/``values``: ``reason`` as a message id (see the base class);
        the path and the record are shown as they are."""
        self.path = path
        self.record = record
        self.where = f"{path}: {record}: " if record else f"{path}: "
        super().__init__(self.where + reason, template=template, **values)


class NotFound(WatchkeeperError):
    status = 404


class Forbidden(WatchkeeperError):
    status = 403


class Conflict(WatchkeeperError):
    status = 409


class Busy(WatchkeeperError):
    """Another writer holds the store for longer than we may wait."""

    status = 503
