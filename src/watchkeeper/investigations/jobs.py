"""Cross-reference runs in the background: one per organisation at a time, its progress
readable by every process of the workspace.

A run over the real lists takes minutes (127 s on the demo with the UN and OFAC lists):
a request that started it cannot wait for it. ``XrefJobs.start`` runs it in a thread of
the process that was asked, and keeps its state in a small JSON file of the workspace
(``<folder>/xref-<organisation>.json``, replaced whole at each step), so that whichever
worker of a server answers the next request reads the same progress. While it runs, the
thread holds an exclusive ``flock`` on ``xref-<organisation>.lock``: a second start, from
any worker or command, finds the lock taken and is refused; a run whose process died
leaves its lock free, and its state reads as interrupted.

What a run finds and queues is the organisation's (``queue.run`` for its viewer): the
state says how many pairs, never which — those are read through the queue, as the
reader may see them.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from watchkeeper.errors import Conflict, WatchkeeperError

# A progress report: (phase, done, total).
Progress = Callable[[str, int, int], None]
Work = Callable[[Progress], tuple[int, int, int]]
"""A run: given a progress callback, does the work and says (found, accepted, queued)."""


class Running(Conflict):
    """A run of the organisation goes on already (anywhere in the workspace)."""


@dataclass(frozen=True)
class JobState:
    organisation: str
    state: str
    """running, done, failed or interrupted (its process ended while it ran)."""
    by: str
    started_at: str
    phase: str = "starting"
    done: int = 0
    total: int = 0
    finished_at: str = ""
    found: int = 0
    accepted: int = 0
    queued: int = 0
    error: str = ""

    @property
    def running(self) -> bool:
        return self.state == "running"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _safe(organisation: str) -> str:
    """An organisation's name as part of a file name (names are free text)."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", organisation) or "_"


class XrefJobs:
    """The background xref runs of one workspace (``folder``: where their state is)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._threads: dict[str, threading.Thread] = {}

    def _state_path(self, organisation: str) -> Path:
        return self.folder / f"xref-{_safe(organisation)}.json"

    def _lock_path(self, organisation: str) -> Path:
        return self.folder / f"xref-{_safe(organisation)}.lock"

    def _write(self, state: JobState) -> None:
        path = self._state_path(state.organisation)
        partial = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        partial.write_text(json.dumps(state.to_dict()), encoding="utf-8")
        os.replace(partial, path)  # whole, never half-written, for a reader elsewhere

    def _lock(self, organisation: str) -> IO[bytes] | None:
        """The organisation's lock, taken; None when a run holds it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        handle = open(self._lock_path(organisation), "ab")  # noqa: SIM115 - held by the run
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return None
        return handle

    def state(self, organisation: str) -> JobState | None:
        """The organisation's latest run, as any process of the workspace reads it."""
        path = self._state_path(organisation)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return None
        found = JobState(**data)
        if found.running:
            handle = self._lock(organisation)
            if handle is not None:  # nobody holds it: the run's process has gone
                handle.close()
                # read again: it may have finished between the two reads
                again = JobState(**json.loads(path.read_text(encoding="utf-8")))
                if again.running:
                    return replace(again, state="interrupted")
                return again
        return found

    def start(self, organisation: str, by: str, work: Work) -> JobState:
        """Start ``work`` for the organisation in a thread of this process; refused
        (``Running``) while one of its runs goes on anywhere in the workspace."""
        handle = self._lock(organisation)
        if handle is None:
            raise Running(f"a cross-reference for {organisation} is running already")
        state = JobState(organisation, "running", by, _now())
        try:
            self._write(state)
        except BaseException:
            handle.close()
            raise
        thread = threading.Thread(
            target=self._run, args=(state, work, handle), name=f"xref {organisation}", daemon=True
        )
        self._threads[organisation] = thread
        thread.start()
        return state

    def _run(self, state: JobState, work: Work, handle: IO[bytes]) -> None:
        current = [state]

        def progress(phase: str, done: int, total: int) -> None:
            current[0] = replace(current[0], phase=phase, done=done, total=total)
            self._write(current[0])

        try:
            found, accepted, queued = work(progress)
            end = replace(
                current[0],
                state="done",
                phase="done",
                finished_at=_now(),
                found=found,
                accepted=accepted,
                queued=queued,
            )
        except Exception as exc:  # recorded for the page; the lock is released below
            detail = exc.detail if isinstance(exc, WatchkeeperError) else type(exc).__name__
            end = replace(current[0], state="failed", finished_at=_now(), error=detail)
        try:
            self._write(end)
        finally:
            handle.close()  # the lock goes with it

    def wait(self, organisation: str, timeout: float | None = None) -> JobState | None:
        """Wait for this process's run of the organisation to end (tests and commands:
        a join, not a poll), and say how it ended."""
        thread = self._threads.get(organisation)
        if thread is not None:
            thread.join(timeout)
        return self.state(organisation)
