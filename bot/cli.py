"""Command line: `python -m bot <command>`. The only place that prints errors and exits."""

import argparse
import asyncio
import contextlib
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError

from bot import app, contest_operations, operations
from bot.logs import CONSOLE_LOG, configure_logging, redact
from bot.services.content.unit_tables import KIND_WORDS
from bot.services.core.errors import ContentError, DomainError
from bot.services.core.matching import fold
from bot.services.plan.units import list_units, registry_labels
from bot.services.seeding.unit_import import import_units, read_unit_file, registry_categories
from bot.settings import Settings, SettingsError, load_settings

Command = Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="run the bot (Telegram/Zalo if tokens are set, else console)")
    commands.add_parser(
        "web", help="run the web server alone (webhooks, pages), e.g. several behind a proxy"
    )
    console = commands.add_parser("console", help="chat with the bot in this terminal")
    console.add_argument(
        "--as",
        dest="identity",
        default="citizen",
        help="citizen | coordinator[:<department>] | official:<unit> | representative:<place>",
    )
    digest = commands.add_parser("digest", help="the weekly digest for coordinators")
    digest.add_argument("--print", action="store_true", dest="print_digest", required=True)
    digest.add_argument(
        "--week",
        type=parse_week,
        help="2026-W47 or any date of the week, e.g. 2026-11-18 (default: the last complete "
        "Monday–Sunday week, as coordinators receive it)",
    )
    export = commands.add_parser("export", help="export reports, targets and units")
    export.add_argument("--xlsx", type=Path, required=True, help="the Excel file to write")
    export.add_argument("--year", type=int, help="year of the per-year figures (default: now)")
    report = commands.add_parser("report", help="the periodic report of Sở Công Thương (.docx)")
    report.add_argument("--docx", type=Path, required=True, help="the Word file to write")
    report.add_argument(
        "--period", default="", help="2026, 2026-H1, 2026-Q3 or 2026-11 (default: this year)"
    )
    invite = commands.add_parser("invite", help="create a one-time invite code")
    invite.add_argument("--unit", help="unit name or code (required for officials)")
    invite.add_argument("--role", choices=["official", "coordinator"], required=True)
    db = commands.add_parser("db", help="database maintenance")
    db.add_subparsers(dest="db_command", required=True).add_parser(
        "upgrade", help="apply migrations"
    )
    commands.add_parser("seed", help="load the plan, registries and materials from content/")
    commands.add_parser("plan", help="print the plan's tasks and the targets' figures")
    units = commands.add_parser("units", help="print a registry (code, kind, name)")
    units.add_argument("--kind", help="only units of this kind (commune, ward, department…)")
    units_import = units.add_subparsers(dest="units_command").add_parser(
        "import", help="add or update units from a CSV or .xlsx file (all or nothing)"
    )
    units_import.add_argument("file", type=Path)
    units_import.add_argument("--kind", required=True, dest="import_kind")
    units_import.add_argument(
        "--complete", action="store_true", help="the file lists every unit of this kind"
    )
    _add_contest(commands)
    return parser


def _add_contest(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    contest = commands.add_parser("contest", help="the online contest: rounds, results, questions")
    actions = contest.add_subparsers(dest="contest_command", required=True)
    actions.add_parser("list", help="the rounds and the question banks")
    create = actions.add_parser("create", help="a new draft round with the contest's settings")
    create.add_argument("--start", required=True, help="local start: YYYY-MM-DD [HH:MM]")
    create.add_argument(
        "--end", required=True, help="local end: YYYY-MM-DD [HH:MM] (a date: to its end)"
    )
    create.add_argument("--bank", help="question bank (default: the contest's)")
    create.add_argument("--questions", type=int, help="questions per attempt")
    create.add_argument("--minutes", type=int, help="time limit of an attempt")
    for name, text in (("open", "open a draft round"), ("close", "close an open round now")):
        actions.add_parser(name, help=text).add_argument("round", type=int, help="round number")
    results = actions.add_parser("results", help="a round's summary, Excel file, publication")
    results.add_argument("round", type=int, help="round number")
    results.add_argument("--xlsx", type=Path, help="write the round's workbook here")
    results.add_argument(
        "--publish", action="store_true", help="make the results final and tell participants"
    )
    bank = actions.add_parser(
        "import-questions", help="a question bank from Excel (all or nothing)"
    )
    bank.add_argument("file", type=Path)
    bank.add_argument("--bank", default=None, help="bank name (default: the contest's bank)")


async def cmd_run(settings: Settings, _args: argparse.Namespace) -> int:
    """Run the bot until interrupted."""
    if not settings.telegram.token and not settings.zalo.token:
        print(
            "No TELEGRAM_BOT_TOKEN or ZALO_BOT_TOKEN: chatting in this terminal (Ctrl-D to quit).",
            file=sys.stderr,
        )
    async with app.open_database(settings) as database:
        await operations.seed_if_changed(database, settings)
        try:
            await app.run_bot(database, settings)
        except app.ChannelStartError as exc:
            print(f"error: {redact(str(exc), secrets_of(settings))}", file=sys.stderr)
            return 1
    return 0


async def cmd_web(settings: Settings, _args: argparse.Namespace) -> int:
    """Serve the web server (and the webhooks of the channels that take them) until stopped."""
    async with app.open_database(settings) as database:
        await operations.seed_if_changed(database, settings)
        try:
            await app.run_bot(database, settings, web_only=True)
        except app.ChannelStartError as exc:
            print(f"error: {redact(str(exc), secrets_of(settings))}", file=sys.stderr)
            return 1
    return 0


async def cmd_console(settings: Settings, args: argparse.Namespace) -> int:
    """Chat in the terminal as a chosen kind of user."""
    async with app.open_database(settings) as database:
        await operations.seed_if_changed(database, settings)
        try:
            chat_id = await app.prepare_console_user(database, settings, args.identity)
        except ValueError:
            print(
                f"error: --as {args.identity!r}: use citizen, coordinator or "
                "official:<unit name or code>",
                file=sys.stderr,
            )
            return 2
        await app.run_bot(database, settings, console_chat=chat_id)
    return 0


async def cmd_invite(settings: Settings, args: argparse.Namespace) -> int:
    """Print a new invite code, then the deep link."""
    async with app.open_database(settings) as database:
        await operations.seed_if_changed(database, settings)
        invite, link = await operations.create_cli_invite(
            database, settings, role=args.role, unit_text=args.unit
        )
    print(invite.code)
    print(
        link
        or f"No Telegram link (no TELEGRAM_BOT_TOKEN, or the bot has not started yet): "
        f"the invitee types the code in the chat with /mamoi (type an invite code): "
        f"/mamoi {invite.code}"
    )
    return 0


async def cmd_db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    """Apply migrations."""
    async with app.open_database(settings):
        print("Database schema is up to date.")
    return 0


async def cmd_seed(settings: Settings, _args: argparse.Namespace) -> int:
    """Load content/ into the database."""
    async with app.open_database(settings) as database:
        summary = await operations.seed(database, settings)
    created = ", ".join(f"{k} {v}" for k, v in sorted(summary.created.items()) if v)
    updated = ", ".join(f"{k} {v}" for k, v in sorted(summary.updated.items()) if v)
    print(f"Seeded. Created: {created or 'nothing'}. Updated: {updated or 'nothing'}.")
    return 0


async def cmd_plan(settings: Settings, _args: argparse.Namespace) -> int:
    """Print tasks and targets."""
    async with app.open_database(settings) as database:
        overview = await operations.plan_overview(
            database, today=datetime.now(settings.timezone).date(), tz=settings.timezone
        )
    print(
        app.make_texts(settings).render(
            "cli/plan",
            plan=overview.plan,
            tasks=overview.tasks,
            duties=overview.duties,
            figures=overview.figures,
        )
    )
    return 0


async def cmd_units(settings: Settings, args: argparse.Namespace) -> int:
    """Print a registry, or import units into one."""
    async with app.open_database(settings) as database:
        if args.units_command == "import":
            categories = registry_categories(settings.content_dir).get(args.import_kind)
            specs = await asyncio.to_thread(
                read_unit_file, args.file, kind=args.import_kind, categories=categories
            )
            async with database.sessions.begin() as session:
                summary = await import_units(
                    session, specs, kind=args.import_kind, complete=args.complete
                )
            retired = f", {summary.retired} no longer listed" if summary.retired else ""
            print(
                f"Imported: {summary.added} new, {summary.updated} updated, "
                f"{summary.unchanged} unchanged{retired}; 0 refused."
            )
            return 0
        async with database.sessions() as session:
            units = await list_units(session, kind=args.kind)
            kinds = await registry_labels(session) if args.kind and not units else {}
    if args.kind and not units and args.kind not in kinds:
        listed = "\n".join(f"  {kind}\t{label}" for kind, label in sorted(kinds.items()))
        meant = KIND_WORDS.get(fold(args.kind), ("", None))[0]
        hint = f" (did you mean --kind {meant}?)" if meant else ""
        print(f"error: no unit kind {args.kind!r}{hint}; the kinds are:\n{listed}", file=sys.stderr)
        return 2
    for unit in units:
        print(f"{unit.code}\t{unit.kind}\t{unit.name}")
    return 0


def parse_week(text: str) -> date:
    """`--week`: an ISO week (2026-W47) or any date in it; its Monday."""
    try:
        if "W" in text.upper():
            year, _, week = text.upper().partition("-W")
            return date.fromisocalendar(int(year), int(week), 1)
        day = date.fromisoformat(text)
    except ValueError:
        msg = f"not a week: {text!r} (write 2026-W47 or a date of the week, 2026-11-18)"
        raise argparse.ArgumentTypeError(msg) from None
    return day - timedelta(days=day.weekday())


async def cmd_digest(settings: Settings, args: argparse.Namespace) -> int:
    """Print the digest of a Monday–Sunday week, by default the last complete one."""
    async with app.open_database(settings) as database:
        week, text = await operations.weekly_digest_text(database, settings, monday=args.week)
    start, end = week
    year, number, _ = start.isocalendar()
    which = "" if args.week else ", the last complete week"
    print(f"Week {year}-W{number:02d}: {start:%d/%m/%Y} – {end:%d/%m/%Y}{which}")
    print(text)
    return 0


def write_private(path: Path, data: bytes) -> None:
    """Write a file only the bot's user can read (exports and reports name people), also when
    it replaces an older one that others could read."""
    path.write_bytes(data)
    if path.stat().st_mode & 0o077:
        with contextlib.suppress(PermissionError):  # another user's file: left as it is
            path.chmod(0o600)


async def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    """Write the Excel workbook."""
    async with app.open_database(settings) as database:
        data = await operations.export_xlsx(database, settings, year=args.year)
    try:
        await asyncio.to_thread(write_private, args.xlsx, data)
    except OSError as exc:
        print(f"error: {args.xlsx}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"Wrote {args.xlsx}")
    return 0


async def cmd_contest(settings: Settings, args: argparse.Namespace) -> int:
    """Contest rounds and question banks."""
    async with app.open_database(settings) as database:
        await operations.seed_if_changed(database, settings)
        print(await contest_operations.run(database, settings, args))
    return 0


async def cmd_report(settings: Settings, args: argparse.Namespace) -> int:
    """Write the periodic report as a Word document."""
    async with app.open_database(settings) as database:
        data, period = await operations.periodic_report_docx(database, settings, typed=args.period)
    try:
        await asyncio.to_thread(write_private, args.docx, data)
    except OSError as exc:
        print(f"error: {args.docx}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"Wrote {args.docx} ({period.key}: {period.start:%d/%m/%Y}-{period.end:%d/%m/%Y})")
    return 0


COMMANDS: dict[str, Command] = {
    "contest": cmd_contest,
    "run": cmd_run,
    "web": cmd_web,
    "console": cmd_console,
    "invite": cmd_invite,
    "digest": cmd_digest,
    "export": cmd_export,
    "report": cmd_report,
    "db": cmd_db_upgrade,
    "seed": cmd_seed,
    "plan": cmd_plan,
    "units": cmd_units,
}


def _database_failure(exc: DBAPIError, settings: Settings) -> str:
    """One line: a value the database refused (the data is at fault) or a database that could
    not be used (DATABASE_URL); the driver's first line, without secrets."""
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
    reason = redact(reason, secrets_of(settings))
    if isinstance(exc, DataError | IntegrityError):
        return f"error: the database refused a value: {reason}"
    return f"error: DATABASE_URL: cannot use the database: {reason}"


def secrets_of(settings: Settings) -> list[str]:
    """Values no log line may show: tokens, webhook and web secrets, the database password."""
    values = (
        settings.telegram.token,
        settings.telegram.webhook_secret,
        settings.zalo.token,
        settings.zalo.webhook_secret,
        settings.web_secret,
        settings.database_url.password,
    )
    return [str(v) for v in values if v]


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, run the command, turn known failures into one line."""
    args = build_parser().parse_args(argv)
    # Everything the bot writes (the SQLite file, var/, photos, exports, documents, logs) holds
    # personal data: readable by the bot's own user only.
    os.umask(0o077)
    # PTB 22 warns on every RetryAfter unless told to use timedeltas, which we handle.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    try:
        settings = load_settings(os.environ, Path(".env"))
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    name = args.command or "run"
    console = name == "console" or (
        name == "run" and not settings.telegram.token and not settings.zalo.token
    )
    configure_logging(
        settings.log_level, to_file=CONSOLE_LOG if console else None, secrets=secrets_of(settings)
    )
    command = COMMANDS[name]
    try:
        return asyncio.run(command(settings, args))
    except ContentError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        if args.command == "units":
            print(f"Refused: {len(exc.problems)} problem(s); nothing was stored.", file=sys.stderr)
        return 1
    except DomainError as exc:
        print(app.make_texts(settings).render(exc.template, **exc.values), file=sys.stderr)
        return 1
    except DBAPIError as exc:
        print(_database_failure(exc, settings), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
