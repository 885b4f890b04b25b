"""`python -m bot contest …`: rounds, results and question banks from the command line."""

import argparse
import asyncio
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import Database, make_texts
from bot.services.content.contest_files import check_bank_name, read_bank_file
from bot.services.contest import bank, registry, results
from bot.services.core.access import Role
from bot.services.core.errors import ContentError, InvalidInput
from bot.services.insights.contest_export import build_round_workbook, round_sheets
from bot.settings import Settings
from db.models import Material, Topic

ROLE = Role.COORDINATOR  # the operator acts as a coordinator


def _utcnow() -> datetime:
    return datetime.now(UTC)


def parse_moment(text: str, tz: ZoneInfo, *, end: bool) -> datetime:
    """YYYY-MM-DD (an end date runs to the end of its day) or YYYY-MM-DD HH:MM, local time."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ContentError([f"{text!r}: expected YYYY-MM-DD or YYYY-MM-DD HH:MM"]) from None
    if len(text.strip()) <= len("2026-12-01"):
        moment = datetime.combine(moment.date(), time.min) + (
            timedelta(days=1) if end else timedelta()
        )
    return moment.replace(tzinfo=tz)


async def run(database: Database, settings: Settings, args: argparse.Namespace) -> str:
    """Do what `args.contest_command` says; return what to print."""
    command = args.contest_command
    if command == "import-questions":
        return await _import(database, args)
    async with database.sessions.begin() as session:
        now, tz = _utcnow(), settings.timezone
        if command == "list":
            rounds = await registry.list_rounds(session)
            lines = [
                f"{r.number}\t{r.state(now)}\t{r.starts_at.astimezone(tz):%Y-%m-%d %H:%M}"
                f"\t{r.ends_at.astimezone(tz):%Y-%m-%d %H:%M}\t{r.bank}\t{r.question_count}"
                f"\t{r.minutes} min"
                for r in rounds
            ]
            banks = [
                f"bank {name}: {count} questions" for name, count in await bank.list_banks(session)
            ]
            return "\n".join(lines + banks) or "No rounds yet."
        if command == "create":
            created = await registry.create_round(
                session,
                actor_role=ROLE,
                starts_at=parse_moment(args.start, tz, end=False),
                ends_at=parse_moment(args.end, tz, end=True),
                now=now,
                bank=args.bank,
                questions=args.questions,
                minutes=args.minutes,
            )
            return (
                f"Created round {created.number} (draft): {created.question_count} questions, "
                f"{created.minutes} min, bank {created.bank}. Open it with: "
                f"python -m bot contest open {created.number}"
            )
        round_id = await _round_id(session, args.round)
        if command == "open":
            opened = await registry.open_round(session, actor_role=ROLE, round_id=round_id, now=now)
            return f"Round {opened.number} is open ({opened.state(now)})."
        if command == "close":
            closed = await results.close_round(session, actor_role=ROLE, round_id=round_id, now=now)
            return f"Round {closed.number} is closed."
        return await _results(session, settings, args, round_id)


async def _results(
    session: AsyncSession, settings: Settings, args: argparse.Namespace, round_id: int
) -> str:
    now, tz = _utcnow(), settings.timezone
    lines = []
    if args.publish:
        queued = await results.publish_results(
            session, actor_role=ROLE, round_id=round_id, now=now, texts=make_texts(settings)
        )
        lines.append(f"Results published; {queued} participants will be told.")
    if args.xlsx:
        sheets = await round_sheets(session, actor_role=ROLE, round_id=round_id, now=now, tz=tz)
        data = await asyncio.to_thread(build_round_workbook, sheets)
        await asyncio.to_thread(args.xlsx.write_bytes, data)
        lines.append(f"Wrote {args.xlsx}")
    summary = await results.summarize_round(session, actor_role=ROLE, round_id=round_id, now=now)
    lines.insert(0, make_texts(settings).render("contest_admin/summary", s=summary, tz=tz))
    return "\n".join(lines)


async def _round_id(session: AsyncSession, number: int) -> int:
    for contest_round in await registry.list_rounds(session):
        if contest_round.number == number:
            return contest_round.id
    raise InvalidInput("contest/no_round_id", {"id": number})


async def _import(database: Database, args: argparse.Namespace) -> str:
    async with database.sessions() as session:
        topics = set(await session.scalars(select(Topic.key)))
        sources = set(await session.scalars(select(Material.slug)))
    questions = await asyncio.to_thread(read_bank_file, args.file, topics=topics, sources=sources)
    name = check_bank_name(args.bank or bank.IMPORTED_BANK)
    async with database.sessions.begin() as session:
        change = await bank.import_bank(session, bank=name, questions=questions, now=_utcnow())
    return (
        f"Imported {change.active} questions into bank {change.bank}: {change.created} new, "
        f"{change.updated} changed, {change.retired} no longer used. New rounds use it."
    )
