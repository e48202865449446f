"""Small builders for tests: sources and entities written through the real write path."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from followthemoney import StatementEntity

from watchkeeper.importers.base import make_entity
from watchkeeper.model.marking import Marking
from watchkeeper.model.source import Source
from watchkeeper.store import ImportSummary, Store


def source(
    dataset: str = "test", release: str = "2024-01-01", marking: Marking | None = None
) -> Source:
    return Source(
        id=f"{dataset}:{release}",
        dataset=dataset,
        kind="list",
        title=f"{dataset} release {release}",
        publisher="tests",
        published=release,
        marking=marking or Marking(),
    )


def entity(schema: str, entity_id: str, dataset: str = "test", **props: Any) -> StatementEntity:
    ent = make_entity(schema, entity_id, dataset)
    for prop, values in props.items():
        ent.add(prop, values)
    return ent


def write(
    store: Store,
    items: Iterable[StatementEntity | tuple[StatementEntity, Marking | None]],
    src: Source | None = None,
    full_release: bool = True,
) -> ImportSummary:
    src = src or source()
    with store.write(src, full_release=full_release) as writer:
        for item in items:
            ent, mark = item if isinstance(item, tuple) else (item, None)
            writer.add_entity(ent, mark)
    return writer.summary


def run_cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``watchkeeper ARGS`` over the workspace ``home``, in a process of its own (as
    another user's command beside a running server); raises when it fails."""
    env = {**os.environ, "WATCHKEEPER_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "watchkeeper.cli", *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
