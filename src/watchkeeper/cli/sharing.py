"""Partner sharing: ``watchkeeper share export|import|pull|pack|verify|unpack|log|keys``.

A thin layer over ``watchkeeper.sharing``: everything that leaves goes through its release
gate, everything that comes in through its checked import.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from watchkeeper.cli.common import (
    AsOption,
    Context,
    JsonOption,
    check_output,
    command,
    emit_json,
    err,
    out,
)
from watchkeeper.errors import InputError
from watchkeeper.model.grading import Reliability
from watchkeeper.model.marking import Marking

if TYPE_CHECKING:  # the library is imported when a command runs, not at start-up
    from watchkeeper.sharing.gate import Release, Selection
    from watchkeeper.sharing.stix_import import ImportResult

app = typer.Typer(help="Share with partners: STIX 2.1 bundles, signed packages, the log.",
                  no_args_is_help=True)  # fmt: skip
keys_app = typer.Typer(help="Partners' signing keys (the trust list) and ours.",
                       no_args_is_help=True)  # fmt: skip
app.add_typer(keys_app, name="keys")

ForOption = Annotated[str, typer.Option("--for", help="The partner organisation it is for.")]
FromOption = Annotated[str, typer.Option("--from", help="The partner organisation it came from.")]
OutputOption = Annotated[Path, typer.Option("-o", "--output", help="The file to write.")]
EntityOption = Annotated[
    list[str] | None,
    typer.Option("--entity", help="An entity (repeatable), with what links to it and its ends."),
]
DatasetOption = Annotated[str | None, typer.Option("--dataset", help="A dataset's entities.")]
SinceOption = Annotated[
    str | None, typer.Option("--since", help="Entities with a value seen since DATE.")
]
QueryOption = Annotated[str | None, typer.Option("--query", help="Entities a search finds.")]
HistoryOption = Annotated[
    bool, typer.Option("--history", help="Ended values too (with their end dates).")
]
AssessmentOption = Annotated[
    bool,
    typer.Option(
        "--assessment",
        help="The assessment too: estimates (notes), key judgments (opinions), a report.",
    ),
]
AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="The assessment as of DATE (nothing later).")
]
ByOption = Annotated[str, typer.Option("--by", help="Who releases (kept in the log).")]
DefaultMarkingOption = Annotated[
    str,
    typer.Option(
        "--default-marking",
        help="The marking of what comes unmarked (the partner becomes its originator).",
    ),
]
ReliabilityOption = Annotated[
    str, typer.Option("--reliability", help="The partner's reliability as a source (A-F).")
]
FormatOption = Annotated[str, typer.Option("--format", help="stix (STIX 2.1) or misp.")]


def _selection(
    entity: list[str] | None,
    dataset: str | None,
    since: str | None,
    query: str | None,
    history: bool,
    assessment: bool = False,
    as_of: str | None = None,
) -> Selection:
    from watchkeeper.sharing.gate import Selection

    return Selection(tuple(entity or ()), dataset, since, query, history, assessment, as_of)


def _release(ctx: Context, as_org: str | None, partner: str, selection: Selection, by: str,
             fmt: str, wrap: Callable[[bytes], bytes] | None = None) -> Release:  # fmt: skip
    from watchkeeper.sharing.gate import release

    viewer = ctx.viewer(as_org)
    return release(ctx.store, viewer, partner, selection, by=by or viewer.organisation,
                   fmt=fmt, wrap=wrap)  # fmt: skip


@app.command("export")
def export(
    partner: ForOption,
    output: OutputOption,
    entity: EntityOption = None,
    dataset: DatasetOption = None,
    since: SinceOption = None,
    query: QueryOption = None,
    history: HistoryOption = False,
    assessment: AssessmentOption = False,
    as_of: AsOfOption = None,
    by: ByOption = "",
    as_org: AsOption = None,
) -> None:
    """A STIX 2.1 bundle of what PARTNER may see (and you may): through the release gate,
    recorded in your log."""
    with command() as ctx:
        check_output(output)
        chosen = _selection(entity, dataset, since, query, history, assessment, as_of)
        done = _release(ctx, as_org, partner, chosen, by, "stix-2.1")
        output.write_bytes(done.data)
        out.print(
            f"{len(done.objects):,} objects for {done.recipient} -> {output} "
            f"({done.withheld:,} values withheld); sha256 {done.sha256}"
        )


@app.command("import")
def import_(
    path: Path,
    partner: FromOption,
    default_marking: DefaultMarkingOption = "TLP:AMBER",
    reliability: ReliabilityOption = "F",
    fmt: FormatOption = "stix",
    as_org: AsOption = None,
) -> None:
    """Import a partner's STIX 2.1 bundle (or MISP event): checked whole first, then
    written with the partner's markings, grades and dates."""
    with command() as ctx:
        result = _import(ctx, as_org, path.read_bytes() if path.is_file() else b"", str(path),
                         partner, default_marking, reliability, fmt)  # fmt: skip
        _print_import(result)


def _import(ctx: Context, as_org: str | None, data: bytes, name: str, partner: str,
            default_marking: str, reliability: str, fmt: str) -> ImportResult:  # fmt: skip
    from watchkeeper.sharing.checks import parse_bundle
    from watchkeeper.sharing.stix_import import import_bundle

    # the options first: a wrong one is said before any file is read
    marking = Marking.parse(default_marking)
    grade = Reliability.parse(reliability)
    if fmt not in ("stix", "misp"):
        raise InputError("--format", f"unknown format {fmt!r} (stix or misp)")
    if not data:
        raise InputError(name, "no such file, or empty")
    if fmt == "misp":
        from watchkeeper.sharing.misp import misp_to_bundle

        bundle = misp_to_bundle(data, name)
    else:
        bundle = parse_bundle(data, name)
    before = ctx.store.version()
    result = import_bundle(
        ctx.store, bundle, name, partner, ctx.viewer(as_org),
        default_marking=marking,
        reliability=grade,
    )  # fmt: skip
    ctx.follow_write(before, result.changed_entities)
    return result


@app.command("pull")
def pull(
    url: Annotated[
        str, typer.Argument(help="The partner's TAXII 2.1 API root (or discovery) URL.")
    ],
    collection: Annotated[str, typer.Option("--collection", help="The collection's id.")],
    partner: FromOption,
    user: Annotated[str | None, typer.Option("--user", help="HTTP Basic user name.")] = None,
    password: Annotated[
        str | None,
        typer.Option(
            "--password",
            help="HTTP Basic password (or WATCHKEEPER_TAXII_PASSWORD).",
            envvar="WATCHKEEPER_TAXII_PASSWORD",
        ),
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key",
            help="Sent as Authorization: ApiKey (or WATCHKEEPER_TAXII_API_KEY).",
            envvar="WATCHKEEPER_TAXII_API_KEY",
        ),
    ] = None,
    token: Annotated[
        str | None, typer.Option("--token", help="Sent as Authorization: Bearer.")
    ] = None,
    full: Annotated[
        bool,
        typer.Option("--full", help="Everything, not only what was added since the last pull."),
    ] = False,
    default_marking: DefaultMarkingOption = "TLP:AMBER",
    reliability: ReliabilityOption = "F",
    as_org: AsOption = None,
) -> None:
    """Pull what PARTNER's TAXII collection added since the last pull (remembered per
    collection in the workspace), and import it as `share import` does."""
    from watchkeeper.sharing.taxii_client import Credentials
    from watchkeeper.sharing.taxii_client import pull as pull_collection

    with command() as ctx:
        marking = Marking.parse(default_marking)
        grade = Reliability.parse(reliability)
        before = ctx.store.version()
        done = pull_collection(
            ctx.store, ctx.settings.home, ctx.viewer(as_org), url, collection, partner,
            Credentials(user, password, api_key, token),
            default_marking=marking, reliability=grade, full=full,
        )  # fmt: skip
        since = f"added after {done.since}" if done.since else "everything"
        out.print(f"{done.fetched:,} objects fetched from {done.collection_url} ({since})")
        if done.imported is not None:
            ctx.follow_write(before, done.imported.changed_entities)
            _print_import(done.imported)


def _print_import(result: ImportResult) -> None:
    out.print(
        f"{result.objects:,} objects from {result.partner}: {result.new:,} new, "
        f"{result.updated:,} updated, {result.revoked:,} revoked, {result.unchanged:,} "
        f"unchanged; {result.statements:,} values written, {result.ended:,} ended"
    )


@app.command("pack")
def pack(
    partner: ForOption,
    output: OutputOption,
    entity: EntityOption = None,
    dataset: DatasetOption = None,
    since: SinceOption = None,
    query: QueryOption = None,
    history: HistoryOption = False,
    assessment: AssessmentOption = False,
    as_of: AsOfOption = None,
    by: ByOption = "",
    as_org: AsOption = None,
) -> None:
    """A signed package (bundle, manifest, Ed25519 signature) for PARTNER, through the
    release gate; your public key is `watchkeeper share keys show`."""
    from watchkeeper.sharing.package import pack as make_package
    from watchkeeper.sharing.package import signing_key

    with command() as ctx:
        check_output(output)
        key = signing_key(ctx.settings.home)
        sender = ctx.viewer(as_org).organisation
        target = ctx.store.organisation(partner).organisation

        def wrap(bundle: bytes) -> bytes:
            return make_package(bundle, sender, target, key)

        chosen = _selection(entity, dataset, since, query, history, assessment, as_of)
        done = _release(ctx, as_org, partner, chosen, by, "package", wrap)
        output.write_bytes(done.data)
        out.print(f"signed package of {len(done.objects):,} objects for {done.recipient} -> "
                  f"{output}; sha256 {done.sha256}")  # fmt: skip


@app.command("verify")
def verify(path: Path, as_org: AsOption = None) -> None:
    """Check a package addressed to you: complete, from a trusted key, untampered."""
    from watchkeeper.sharing.package import verify as check

    with command() as ctx:
        found = check(ctx.store, _read(path), str(path), ctx.viewer(as_org).organisation)
        out.print(
            f"verified: from {found.sender} to {found.recipient}, key {found.fingerprint[:16]}"
        )


@app.command("unpack")
def unpack(
    path: Path,
    partner: FromOption,
    default_marking: DefaultMarkingOption = "TLP:AMBER",
    reliability: ReliabilityOption = "F",
    as_org: AsOption = None,
) -> None:
    """Verify a package from PARTNER, then import its bundle (nothing if it fails)."""
    from watchkeeper.sharing.package import verify as check

    with command() as ctx:
        found = check(ctx.store, _read(path), str(path), ctx.viewer(as_org).organisation)
        if found.sender != partner:
            raise InputError(str(path), f"signed by {found.sender!r}, not {partner!r}")
        result = _import(ctx, as_org, found.bundle, f"{path}:bundle.json", partner,
                         default_marking, reliability, "stix")  # fmt: skip
        _print_import(result)


def _read(path: Path) -> bytes:
    if not path.is_file():
        raise InputError(str(path), "no such file")
    return path.read_bytes()


@app.command("log")
def log(
    limit: Annotated[int, typer.Option(help="The newest N releases.")] = 50,
    as_org: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """What your organisation released: to whom, when, what, and its SHA-256."""
    from watchkeeper.store.sharing import releases

    with command() as ctx:
        rows = releases(ctx.store, ctx.viewer(as_org).organisation, limit)
        if as_json:
            emit_json(rows)
            return
        table = Table("at", "to", "by", "format", "objects", "withheld", "sha256",
                      title=f"{len(rows):,} releases")  # fmt: skip
        for r in rows:
            table.add_row(r["at"], r["recipient"], r["released_by"], r["format"],
                          f"{r['object_count']:,}", f"{r['withheld_count']:,}", r["sha256"][:16])  # fmt: skip
        out.print(table)


@keys_app.command("show")
def keys_show() -> None:
    """This workspace's public key, for partners' trust lists (made on first use)."""
    from watchkeeper.sharing.package import public_text, signing_key

    with command() as ctx:
        out.print(public_text(signing_key(ctx.settings.home)), highlight=False)


@keys_app.command("add")
def keys_add(
    organisation: str,
    key: Annotated[str, typer.Argument(help="ed25519:<base64>, as `share keys show` prints it.")],
    by: ByOption = "",
) -> None:
    """Trust ORGANISATION's public key for its packages."""
    from watchkeeper.sharing.package import trust

    with command() as ctx:
        entry = trust(ctx.store, organisation, key, by or ctx.settings.organisation)
        out.print(f"trusted {entry.organisation}'s key {entry.fingerprint[:16]}")


@keys_app.command("list")
def keys_list(as_json: JsonOption = False) -> None:
    """The trust list: partners' public keys."""
    from watchkeeper.store.sharing import partner_keys

    with command() as ctx:
        found = partner_keys(ctx.store)
        if as_json:
            emit_json([k.__dict__ for k in found])
            return
        table = Table("organisation", "fingerprint", "added", "by")
        for k in found:
            table.add_row(k.organisation, k.fingerprint[:16], k.added_at, k.added_by)
        out.print(table)


@keys_app.command("remove")
def keys_remove(organisation: str) -> None:
    """Stop trusting ORGANISATION's key."""
    from watchkeeper.store.sharing import remove_key

    with command() as ctx:
        remove_key(ctx.store, organisation)
        err.print(f"removed {organisation}'s key from the trust list")
