"""What every command group shares: the workspace context, error handling, output."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from watchkeeper.errors import InputError, WatchkeeperError
from watchkeeper.model.marking import Viewer
from watchkeeper.settings import Settings, load_settings
from watchkeeper.store import Reader, Store, open_store

if TYPE_CHECKING:
    from watchkeeper.screening import Screener
    from watchkeeper.screening.index import Index
    from watchkeeper.screening.lookup import Found

out = Console()
err = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])

AsOption = Annotated[
    str | None, typer.Option("--as", help="Act as this registered organisation (its view only).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]

# An import is batch work: at this niceness it takes the CPU the server and the users'
# commands leave (all of it on an idle machine), so that a server on the same machine
# keeps answering while it runs (bench/api: p99 during an import).
IMPORT_NICENESS = 10
NiceOption = Annotated[
    bool,
    typer.Option(
        "--nice/--no-nice",
        help=f"Run at a lower CPU priority (niceness +{IMPORT_NICENESS}): a server on this"
        " machine keeps answering; on an idle machine the import is as fast.",
    ),
]


def lower_priority(nice: bool) -> None:
    """Lower this process's CPU priority for a batch job (``NiceOption``): to
    ``IMPORT_NICENESS``, or left as it is when already that low."""
    if nice and hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            current = os.nice(0)
            if current < IMPORT_NICENESS:
                os.nice(IMPORT_NICENESS - current)


# Hosts whose PostgreSQL backends are processes of this machine.
LOCAL_HOSTS = frozenset({"", "localhost", "127.0.0.1", "::1"})


def lower_backend_priority(store: Store) -> None:
    """On a PostgreSQL server of this machine, give each connection's server process
    (its backend) this process's niceness, as far as the system lets it: an import's
    writes and reads run in its backend, which otherwise takes at full priority the CPU
    the niced import leaves to a server (``bench/api``: the PostgreSQL backend of an
    import raised the API's p50 fourfold while it ran). Elsewhere, nothing."""
    engine = store.engine
    host = engine.url.host or ""
    if engine.dialect.name != "postgresql" or not hasattr(os, "setpriority"):
        return
    if host not in LOCAL_HOSTS and not host.startswith("/"):
        return  # another machine's process ids are not this machine's
    niceness = os.nice(0)

    def renice(dbapi_conn: Any, _record: Any) -> None:
        try:
            cursor = dbapi_conn.cursor()
            cursor.execute("SELECT pg_backend_pid()")
            pid = int(cursor.fetchone()[0])
            cursor.close()
            dbapi_conn.rollback()
            # a server in a container has other process ids: only a postgres process
            if Path(f"/proc/{pid}/comm").read_text().strip() != "postgres":
                return
            if os.getpriority(os.PRIO_PROCESS, pid) < niceness:
                os.setpriority(os.PRIO_PROCESS, pid, niceness)
        except Exception:  # not allowed (another user's process), gone: left as it is
            return

    from sqlalchemy import event

    event.listen(engine, "connect", renice)
    engine.dispose()  # the connections opened so far are opened again, through it


class Context:
    def __init__(self) -> None:
        self.settings: Settings = load_settings()
        self._store: Store | None = None
        self.lowered = False
        """This command runs at a lower priority (``lower_priority``), its backends too."""

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.settings)
            if self.lowered:
                lower_backend_priority(self._store)
        return self._store

    def viewer(self, as_org: str | None) -> Viewer:
        if as_org:
            return self.store.organisation(as_org)
        return self.settings.viewer

    def reader(self, as_org: str | None) -> Reader:
        return self.store.read(self.viewer(as_org))

    def resolved(self, as_org: str | None) -> Reader:
        """The viewer's read path with canonical entities (investigations' resolver)."""
        from watchkeeper.investigations.resolver import ResolvedReader

        return ResolvedReader(self.reader(as_org))

    def screener(self, as_org: str | None) -> Screener:
        from functools import partial

        from watchkeeper.investigations.resolver import merge_matches, resolve
        from watchkeeper.screening import Screener, load_or_build

        index = load_or_build(self.store, self.settings.cache_dir)
        screener = Screener.for_viewer(index, self.store, self.viewer(as_org))
        resolution = resolve(self.reader(as_org))
        if resolution.members:
            screener.merge = partial(merge_matches, resolution=resolution)
        return screener

    def find(
        self, as_org: str | None, text: str, schema: str | None = None, limit: int = 20
    ) -> Found:
        """Search as the screening engine reads names (see ``screening.lookup``)."""
        from watchkeeper.screening.lookup import find

        return find(self.screener(as_org), self.resolved(as_org), text, schema, limit)

    def refresh_index(self, before: str, changed: set[str]) -> None:
        """Keep the screening index in step with the store after an import: updated for
        the entities the import changed, or rebuilt; then link the entries that carry the
        same list id as another entity (``link_list_entries``)."""
        from watchkeeper.screening.filters import save_facts
        from watchkeeper.screening.index import refresh

        index = refresh(self.store, self.settings.cache_dir, before, changed)
        if index is not None:
            # and the filterable facts beside it, which a running server loads rather
            # than builds (``web.service``)
            save_facts(self.store, index, self.settings.cache_dir)
            # counted as this workspace's viewer sees it, like every other count
            visible = frozenset(self.store.visible_marking_ids(self.viewer(None)))
            err.print(
                f"screening index: {index.view(visible).size:,} screenable entities in the"
                " workspace (people, organisations, vessels and aircraft with a name or an"
                " identifier; sanctions, addresses and documents are not screened)"
            )
            self.link_list_entries(index, changed)

    def link_list_entries(self, index: Index, changed: set[str]) -> None:
        """Record, as this workspace's organisation, that entities carrying the same list
        id are one (the bundled dataset's record of a listed man and his list entry): they
        read as one canonical entity everywhere from then on (``judgments``)."""
        from watchkeeper.investigations.judgments import link_list_entries

        viewer = self.viewer(None)
        linked = link_list_entries(self.store, self.store.read(viewer), index, changed)
        if linked:
            err.print(
                f"linked {len(linked):,} pair(s) of entities carrying the same list id, as"
                f" {viewer.organisation} (see `watchkeeper judgments`)"
            )

    def follow_write(self, before: str, changed: set[str], link: bool = False) -> None:
        """After a write that is not an import (the demo's dataset, detections stored as
        events): update a saved screening index for what changed, so that the next
        screening need not rebuild it, and its facts beside it (``refresh_index``); build
        nothing if there is none. ``link``: and link what carries the same list id as
        another entity (the bundled dataset's entries, once lists are imported)."""
        from watchkeeper.screening.filters import save_facts
        from watchkeeper.screening.index import refresh

        index = refresh(self.store, self.settings.cache_dir, before, changed, rebuild=False)
        if index is not None:
            save_facts(self.store, index, self.settings.cache_dir)
            if link:
                self.link_list_entries(index, changed)


def progress_bar(quiet: bool) -> Progress:
    """Progress on stderr, only on a terminal and never under --json."""
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=quiet or not err.is_terminal,
    )


@contextmanager
def command() -> Iterator[Context]:
    """Run a command body: a user error is one line on stderr and exit code 2."""
    try:
        yield Context()
    except WatchkeeperError as exc:
        err.print(f"[red]error:[/red] {exc.detail}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        err.print("interrupted; nothing was written")
        raise typer.Exit(130) from None


def check_output(*paths: Path | None) -> None:
    """Refuse, before any work, an output file whose folder does not exist or that is a
    folder itself: a one-line error rather than a traceback after the work is done."""
    for path in paths:
        if path is None:
            continue
        if path.is_dir():
            raise InputError(str(path), "is a folder; give a file name to write")
        if not path.parent.is_dir():
            raise InputError(str(path), f"no such folder {str(path.parent)!r} to write into")


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
