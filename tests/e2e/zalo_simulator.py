"""Try the bot as a Zalo user would: the real bot process, the fake Zalo server, typed lines.

    .venv/bin/python -m tests.e2e.zalo_simulator [--webhook] [--public-url URL] [SCRIPT]

Each line of SCRIPT (or of standard input) is one thing the user does; the bot's answers are
printed as they would appear on the phone. Lines starting with `!` are actions:
`!photo [caption]`, `!sticker`, `!file` (an unsupported message), `!invite <unit>` (the
operator makes an invite code; the user types it; without a unit, a coordinator's),
`!cli <arguments>` (the operator runs `python -m bot <arguments>` on the bot's database, e.g.
`!cli contest open 1`), `!restart` (the bot process is stopped and started).
`!dept <text>` is typed by a second person, a department's coordinator (`!dept !invite` gives
them a coordinator's invite code); what the bot sent them since their last turn is shown first.
"""

import argparse
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from tests.e2e.conftest import BotProcess
from tests.e2e.zalo_bot import ZaloPerson, start_zalo_bot
from tests.fakes.zalo_api import FakeZalo, Sent

USER_ID = "7c1d0e5f9a2b4c6d8e0f"
DEPT_ID = "5d3e1f7a9b0c2d4e6f81"


def show(replies: list[Sent]) -> None:
    for reply in replies:
        body = f"[ảnh] {reply.photo}" if reply.kind == "photo" else reply.text
        print("  bot │ " + body.replace("\n", "\n      │ "))
    print()


def act(line: str, person: ZaloPerson, bot: BotProcess) -> list[Sent]:
    fake, mark = person.fake, person.fake.mark(person.user_id)
    command, _, rest = line.partition(" ")
    if command == "!invite":
        coordinator = rest in ("", "coordinator")
        role = ["--role", "coordinator"] if coordinator else ["--unit", rest, "--role", "official"]
        done = bot.cli("invite", *role)
        if done.returncode != 0 or not done.stdout.strip():
            print("  cli │ " + (done.stderr.strip().splitlines() or ["(lỗi)"])[-1] + "\n")
            return []
        code = done.stdout.splitlines()[0]
        if coordinator:
            print(f"(Sở gửi mã mời điều phối {code})")
        else:
            print(f"(cán bộ Sở gửi mã mời {code})\n user │ {code}")
        fake.send_text(person.user_id, code)
    elif command == "!photo":
        fake.send_photo(person.user_id, rest)
    elif command == "!sticker":
        fake.send_sticker(person.user_id)
    elif command == "!file":
        fake.send_unsupported(person.user_id)
    elif command == "!cli":
        done = bot.cli(*rest.split())
        lines = (done.stdout + done.stderr).splitlines()
        print(f"(người vận hành: python -m bot {rest})")
        print("  cli │ " + "\n      │ ".join(x for x in lines if " INFO " not in x) + "\n")
        return []
    else:
        fake.send_text(person.user_id, line)
    return person.settle(mark)


def run(lines: Iterable[str], *, webhook: bool, public_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as folder, FakeZalo(max_poll_wait=5) as fake:
        fake.add_user(USER_ID, "Nguyễn Văn Hùng")
        extra = {"PUBLIC_BASE_URL": public_url} if public_url else {}
        bot = start_zalo_bot(fake, Path(folder), webhook=webhook, extra=extra)
        person = ZaloPerson(fake, USER_ID)
        fake.add_user(DEPT_ID, "Cán bộ Sở")
        dept, seen = ZaloPerson(fake, DEPT_ID), {DEPT_ID: 0}
        try:
            for raw in lines:
                line = raw.rstrip("\n")
                if not line.strip() or line.startswith("#"):
                    continue
                if line == "!restart":
                    bot.stop()
                    bot = start_zalo_bot(fake, Path(folder), webhook=webhook, extra=extra)
                    print("(trợ lý khởi động lại)\n")
                    continue
                if line.startswith("!dept "):
                    line = line.removeprefix("!dept ")
                    waiting = fake.messages(DEPT_ID)[seen[DEPT_ID] :]
                    if waiting:
                        print("(tin nhắn đến cán bộ Sở)")
                        show(waiting)
                    print(f" sở   │ {line}")
                    show(act(line, dept, bot))
                    seen[DEPT_ID] = fake.mark(DEPT_ID)
                    continue
                if not line.startswith(("!invite", "!cli")):
                    print(f" user │ {line}")
                show(act(line, person, bot))
        finally:
            bot.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("script", nargs="?", type=Path)
    parser.add_argument("--webhook", action="store_true")
    parser.add_argument("--public-url")
    args = parser.parse_args()
    source = args.script.open(encoding="utf-8") if args.script else sys.stdin
    run(source, webhook=args.webhook, public_url=args.public_url)


if __name__ == "__main__":
    main()
