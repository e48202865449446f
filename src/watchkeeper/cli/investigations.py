"""Investigations: xref, judge, judgments, resolve; network …; dossier."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from watchkeeper.cli.common import AsOption, JsonOption, command, emit_json, err, out
from watchkeeper.errors import InputError
from watchkeeper.model.marking import Marking

app = typer.Typer()
network_app = typer.Typer(help="Networks behind designations.", no_args_is_help=True)

ByOption = Annotated[str, typer.Option("--by", help="Who decides (recorded with the judgment).")]
TlpOption = Annotated[
    str | None, typer.Option("--tlp", help="Share the judgment: its TLP (default: RED, yours).")
]
RelToOption = Annotated[
    str | None, typer.Option("--rel-to", help="Share the judgment: REL TO countries (ISO alpha-3).")
]
RecipientsOption = Annotated[
    str | None, typer.Option("--recipients", help="Share the judgment: organisations given it.")
]


def _marking(
    org: str, tlp: str | None, rel_to: str | None, recipients: str | None
) -> Marking | None:
    if tlp is None and rel_to is None and recipients is None:
        return None
    return Marking.make(tlp or "RED", rel_to, org, recipients)


@app.command()
def xref(
    threshold: Annotated[float, typer.Option(help="Score of an automatic suggestion.")] = 0.95,
    review: Annotated[float, typer.Option(help="Lowest score put up for review.")] = 0.70,
    dataset: Annotated[
        list[str] | None, typer.Option(help="Only entities of these datasets (repeat).")
    ] = None,
    workers: Annotated[int, typer.Option(help="Processes for blocking and scoring.")] = 1,
    auto: Annotated[
        bool,
        typer.Option(
            "--auto/--no-auto",
            help="Accept strong-identifier pairs (same IMO; same passport and birth date).",
        ),
    ] = True,
    limit: Annotated[int, typer.Option(help="Pairs to print.")] = 50,
    as_org: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Cross-reference entities across datasets: suggest pairs that may be one thing."""
    from watchkeeper.investigations import queue

    with command() as ctx:
        index = _index(ctx)
        result = queue.run(
            ctx.store,
            ctx.reader(as_org),
            index,
            threshold=threshold,
            review=review,
            datasets=dataset,
            workers=workers,
            automatic=auto,
        )
        if as_json:
            emit_json(
                {
                    "pairs": [s.to_dict() for s in result.found],
                    "accepted": [j.to_dict() for j in result.accepted],
                    "queued": len(result.queued),
                }
            )
            return
        suggested = sum(1 for s in result.found if s.suggested)
        out.print(
            f"{len(result.found):,} pairs scored {review} or more; {suggested:,} suggested "
            f"(≥ {threshold} or a strong identifier); {len(result.accepted):,} accepted by rule; "
            f"{len(result.queued):,} queued for review (`watchkeeper resolve`)"
        )
        table = Table("score", "left", "right", "rule", "why")
        for s in result.found[:limit]:
            table.add_row(
                f"{s.score:.3f}", s.left, s.right, s.rule or "", "; ".join(s.explanation)[:90]
            )
        out.print(table)


def _index(ctx: Any) -> Any:
    from watchkeeper.screening import load_or_build

    return load_or_build(ctx.store, ctx.settings.cache_dir)


@app.command()
def judge(
    left: str,
    right: str,
    verdict: Annotated[str, typer.Argument(help="same, different or unsure")],
    reason: Annotated[str, typer.Option(help="Why (recorded).")],
    by: ByOption,
    tlp: TlpOption = None,
    rel_to: RelToOption = None,
    recipients: RecipientsOption = None,
    as_org: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a judgment on a pair (a new one supersedes an older; none is deleted)."""
    from watchkeeper.investigations.judgments import decide

    with command() as ctx:
        reader = ctx.reader(as_org)
        marking = _marking(reader.viewer.organisation, tlp, rel_to, recipients)
        found = decide(ctx.store, reader, left, right, verdict, reason, by, marking)
        if as_json:
            emit_json(found.to_dict())
            return
        out.print(f"{found.left} / {found.right}: {found.verdict} ({found.marking.key})")


@app.command()
def judgments(
    entity: Annotated[str | None, typer.Argument(help="Only judgments on this entity.")] = None,
    as_org: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Judgments you may see, newest first (superseded ones included)."""
    from watchkeeper.investigations.judgments import history

    with command() as ctx:
        rows = [j.to_dict() for j in history(ctx.reader(as_org), entity)]
        if as_json:
            emit_json(rows)
            return
        table = Table("when", "left", "right", "verdict", "by", "why", "marking")
        for j in rows:
            by = f"{j['decided_by']} ({j['organisation']})"
            table.add_row(
                j["decided_at"][:19],
                j["left"],
                j["right"],
                j["verdict"],
                by,
                j["reason"][:60],
                j["marking"],
            )
        out.print(table)


KEYS = {"s": "same", "d": "different", "u": "unsure"}


@app.command()
def resolve(
    by: ByOption,
    limit: Annotated[int, typer.Option(help="Pairs to review in this session.")] = 50,
    tlp: TlpOption = None,
    rel_to: RelToOption = None,
    recipients: RecipientsOption = None,
    as_org: AsOption = None,
) -> None:
    """Review the xref queue: both sides with their sources; s(ame), d(ifferent),
    u(nsure), n(ext), q(uit); then a reason (Enter takes the suggested one)."""
    from watchkeeper.investigations import queue
    from watchkeeper.investigations.judgments import decide

    with command() as ctx:
        reader = ctx.reader(as_org)
        marking = _marking(reader.viewer.organisation, tlp, rel_to, recipients)
        pairs = queue.queue(ctx.store, reader, _index(ctx))
        if not pairs:
            out.print("nothing to review: run `watchkeeper xref`")
            return
        decided = 0
        for n, pair in enumerate(pairs[:limit], start=1):
            out.print(
                f"\n[bold]{n}/{min(limit, len(pairs))}[/bold]  score {pair.score:.3f}: {'; '.join(pair.explanation)}"
            )
            for side in (pair.left, pair.right):
                _show_side(reader, side)
            key = _ask("[s]ame [d]ifferent [u]nsure [n]ext [q]uit? ")
            if key is None or key == "q":
                break
            if key not in KEYS:
                continue
            default = f"reviewed: {'; '.join(pair.explanation)[:200]}"
            reason = _ask(f"why? (Enter: {default[:60]}…) ") or default
            decide(ctx.store, reader, pair.left, pair.right, KEYS[key], reason, by, marking)
            decided += 1
        out.print(f"{decided} judgment(s) recorded")


def _ask(prompt: str) -> str | None:
    """One line from standard input (a terminal or a pipe); None at its end."""
    err.print(prompt, end="")
    line = sys.stdin.readline()
    if not line:
        return None
    return line.strip().lower() if len(line.strip()) == 1 else line.strip()


def _show_side(reader: Any, entity_id: str) -> None:
    from watchkeeper import views

    detail = views.detail(reader, entity_id)
    table = Table(
        "property",
        "value",
        "source",
        "grade",
        title=f"{detail['caption']} ({detail['id']}) {', '.join(detail['list_ids'])}",
        box=None,
    )
    for p in detail["properties"]:
        if p["ended"]:
            continue
        table.add_row(p["prop"], p["value"][:80], p["source"], p["grade"])
    out.print(table)


# -- network ----------------------------------------------------------------------------------

HopsOption = Annotated[int, typer.Option(help="Links to follow.")]
EngineOption = Annotated[str, typer.Option(help="sql (embedded) or spark")]
SinceOption = Annotated[str | None, typer.Option(help="Links in force on or after this date.")]
UntilOption = Annotated[str | None, typer.Option(help="Links in force on or before this date.")]
TypeOption = Annotated[
    list[str] | None,
    typer.Option(
        "--type", help="Only links of this kind (Ownership, Directorship, Vessel.owner…; repeat)."
    ),
]


@network_app.command("neighbours")
def neighbours(
    entity: str,
    hops: HopsOption = 1,
    kind: TypeOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    implied: Annotated[
        bool,
        typer.Option(
            help="Add implied links (shared identifiers, addresses, phones, e-mails, vessels)."
        ),
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write the subgraph: .graphml or .ftm.json"),
    ] = None,
    engine: EngineOption = "sql",
    as_org: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Entities within N links, by relationship type and date."""
    from watchkeeper.investigations.network import Network, to_ftm, to_graphml

    with command() as ctx:
        network = Network(ctx.reader(as_org))
        if engine == "spark":
            from watchkeeper.investigations.spark import neighbours as on_spark

            sub = on_spark(
                network, entity, hops, kind, since, until, implied, ctx.settings.spark_master
            )
        elif engine == "sql":
            sub = network.neighbours(entity, hops, kind, since, until, implied)
        else:
            raise InputError("--engine", f"sql or spark, not {engine!r}")
        if output is not None:
            _write_graph(network, sub, output, to_graphml, to_ftm)
        if as_json:
            emit_json(sub.to_dict())
            return
        table = Table(
            "depth", "id", "schema", "caption", "list ids", title=f"{len(sub.nodes)} entities"
        )
        for node, data in sorted(sub.nodes.items(), key=lambda kv: (kv[1].get("depth", 0), kv[0])):
            table.add_row(
                str(data.get("depth", "")),
                node,
                data.get("schema", ""),
                data.get("caption", ""),
                ", ".join(data.get("list_ids", [])),
            )
        out.print(table)
        table = Table("source", "link", "target", "via", title=f"{len(sub.links)} links")
        for link in sub.links:
            table.add_row(
                link.source,
                link.kind + (" (implied)" if link.implied else ""),
                link.target,
                link.via,
            )
        out.print(table)


def _write_graph(network: Any, sub: Any, output: Path, to_graphml: Any, to_ftm: Any) -> None:
    import json

    name = output.name.lower()
    if name.endswith(".graphml"):
        to_graphml(sub, output)
    elif name.endswith(".json"):
        with output.open("w", encoding="utf-8") as fh:
            for data in to_ftm(network, sub):
                fh.write(json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n")
    else:
        raise InputError(str(output), "write a subgraph as .graphml or .ftm.json")
    err.print(f"wrote {output}")


@network_app.command("paths")
def paths(
    entity: str,
    max_hops: Annotated[int, typer.Option(help="Longest path looked for.")] = 4,
    kind: TypeOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    engine: EngineOption = "sql",
    as_org: AsOption = None,
    as_json: JsonOption = False,
    limit: Annotated[
        int, typer.Option(help="Paths printed, nearest first (0: all); the rest are counted.")
    ] = 20,
) -> None:
    """Shortest paths from an entity to sanctioned ones (through links in force between
    --since and --until, when given): every designated entity within reach (--json lists
    them all)."""
    from watchkeeper.investigations.network import Network

    with command() as ctx:
        network = Network(ctx.reader(as_org))
        if engine == "spark":
            from watchkeeper.investigations.spark import paths_to_sanctioned as on_spark

            found = on_spark(
                network, entity, max_hops, kind, limit=None, since=since, until=until,
                master=ctx.settings.spark_master,
            )  # fmt: skip
        elif engine == "sql":
            found = network.paths_to_sanctioned(
                entity, max_hops, kind, limit=None, since=since, until=until
            )
        else:
            raise InputError("--engine", f"sql or spark, not {engine!r}")
        if as_json:
            emit_json([p.to_dict() for p in found])
            return
        if not found:
            out.print(f"no sanctioned entity within {max_hops} links")
        shown = found if limit <= 0 else found[:limit]
        for p in shown:
            steps = " ".join(f"{a} —{lk.kind}—" for a, lk in zip(p.nodes, p.links, strict=False))
            out.print(
                f"{len(p.links)} link(s) to {p.target} [{', '.join(p.list_ids)}]: {steps} {p.target}",
                highlight=False,
            )
        if len(found) > len(shown):
            out.print(f"… and {len(found) - len(shown)} more (--limit 0 prints them all)")


@network_app.command("owners")
def owners(
    entity: str,
    max_depth: Annotated[int, typer.Option(help="Longest chain followed.")] = 6,
    as_org: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Ownership chains up from an entity, with percentages aggregated along paths."""
    from watchkeeper.investigations.network import Network

    with command() as ctx:
        data = Network(ctx.reader(as_org)).ownership_chains(entity, max_depth)
        if as_json:
            emit_json(data)
            return
        table = Table("owner", "aggregate share %", title=f"owners of {data['entity']}")
        for row in data["owners"]:
            table.add_row(row["owner"], _pct(row["share"]))
        out.print(table)
        for chain in data["chains"]:
            steps = " → ".join(f"{h['owner']} ({_pct(h['share'])})" for h in chain["holdings"])
            out.print(f"{_pct(chain['share'])}: {steps} → {data['entity']}", highlight=False)


def _pct(share: list[float]) -> str:
    low, high = share
    return f"{low:g}" if low == high else f"{low:g}–{high:g}"


@network_app.command("fifty-percent")
def fifty_percent(
    lists: Annotated[
        list[str] | None,
        typer.Option(
            "--list", help="Designations of these lists block (default OFAC; 'any' for all)."
        ),
    ] = None,
    engine: EngineOption = "sql",
    as_org: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """The OFAC 50 % rule: entities owned 50 % or more by blocked persons, with the chains."""
    from watchkeeper.investigations.network import Network

    with command() as ctx:
        chosen = None if lists and "any" in lists else tuple(lists or ("OFAC",))
        network = Network(ctx.reader(as_org))
        if engine == "spark":
            from watchkeeper.investigations.spark import fifty_percent as on_spark

            data = on_spark(network, chosen, ctx.settings.spark_master)
        elif engine == "sql":
            data = network.fifty_percent(chosen)
        else:
            raise InputError("--engine", f"sql or spark, not {engine!r}")
        if as_json:
            emit_json(data)
            return
        table = Table(
            "entity",
            "status",
            "share %",
            "chain",
            title=f"{len(data['flags'])} flagged; {data['designated']} designated",
        )
        for flag in data["flags"]:
            chain = flag["chains"][0] if flag["chains"] else []
            steps = " → ".join(f"{h['owner']} ({_pct(h['share'])})" for h in chain)
            table.add_row(flag["entity"], flag["status"], _pct(flag["share"]), steps)
        out.print(table)


@network_app.command("watch")
def watch(
    entity: str,
    hops: HopsOption = 2,
    by: Annotated[str, typer.Option("--by", help="Who asks.")] = "analyst",
    since: Annotated[
        str | None,
        typer.Option(help="Alert on designations imported after this date (default: now)."),
    ] = None,
    as_org: AsOption = None,
) -> None:
    """Watch an entity: a designation within N links (or of a watched vessel's owner,
    operator or manager) in a later release is an alert."""
    from watchkeeper.investigations import watch as watching

    with command() as ctx:
        row = watching.add(ctx.store, ctx.reader(as_org), entity, hops, by, since)
        out.print(f"watching {row['entity_id']} to {row['hops']} link(s) since {row['since']}")


@network_app.command("unwatch")
def unwatch(entity: str, as_org: AsOption = None) -> None:
    """Stop watching an entity."""
    from watchkeeper.investigations import watch as watching

    with command() as ctx:
        gone = watching.remove(ctx.store, ctx.reader(as_org), entity)
        out.print("no longer watched" if gone else "was not watched")


@network_app.command("alerts")
def network_alerts(as_org: AsOption = None, as_json: JsonOption = False) -> None:
    """Designations near watched entities, each with its path."""
    from watchkeeper.investigations import watch as watching

    with command() as ctx:
        found = watching.alerts(ctx.store, ctx.reader(as_org))
        if as_json:
            emit_json([a.to_dict() for a in found])
            return
        if not found:
            out.print("no alerts")
        for a in found:
            out.print(
                f"{a.designated} [{', '.join(a.list_ids)}]: {a.reason}; path {' — '.join(a.path)}",
                highlight=False,
            )


@app.command()
def dossier(
    entity: str,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="FILE.html, FILE.pdf or FILE.json")
    ],
    max_hops: Annotated[
        int, typer.Option(help="Paths to designated entities up to this length.")
    ] = 4,
    as_org: AsOption = None,
) -> None:
    """The designation dossier of an entity, as you (or --as) may see it."""
    from watchkeeper.investigations import dossier as dossiers

    with command() as ctx:
        if output.suffix.lower() not in dossiers.FORMATS:
            raise InputError(
                str(output), f"the dossier is written as {', '.join(dossiers.FORMATS)}"
            )
        data = dossiers.build(ctx.store, ctx.reader(as_org), entity, max_hops)
        dossiers.write(data, output)
        err.print(f"wrote {output}")
