"""Memory of the real bot process at rest, serving Telegram and Zalo at once.

Goal (docs/performance.md): at most 150 MB RSS at rest. The bot is started with both tokens
(Telegram polling the fake Bot API, Zalo by webhook from the fake Zalo server), then used a little
on both channels (greeting, the materials library with a PDF, an official's report with a photo on
Zalo), then left alone until its CPU time stops moving; the RSS is read from /proc then.
"""

import time
from pathlib import Path

from tests.e2e.conftest import ADMIN_ID, Person, wait_until
from tests.e2e.zalo_bot import ZaloPerson, start_zalo_bot
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.zalo_api import FakeZalo

GOAL_MB = 150.0
CLOCK_TICKS = 100  # /proc/PID/stat counts CPU time in clock ticks (USER_HZ)


def _proc(pid: int) -> tuple[float, float]:
    """CPU seconds so far and resident memory in MiB of a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024
    return cpu, rss


def _at_rest(pid: int) -> bool:
    """No CPU time used over half a second (polled by wait_until, never a fixed sleep)."""
    before = _proc(pid)[0]
    time.sleep(0.5)
    return _proc(pid)[0] == before


def test_memory_at_rest_with_telegram_and_zalo(tmp_path: Path) -> None:
    with FakeZalo(max_poll_wait=5) as zalo, FakeTelegram() as telegram:
        telegram.add_user(ADMIN_ID, "Điều phối viên")
        bot = start_zalo_bot(zalo, tmp_path, webhook=True, telegram=telegram)
        try:
            wait_until(lambda: telegram.call_count("getUpdates") > 0, 30, what="Telegram polling")
            started = _proc(bot.process.pid)[1]
            telegram.add_user(5060, "Lê Telegram")
            on_telegram = Person(telegram, 5060)
            on_telegram.say("/start", "Xin chào")
            on_telegram.say("/tailieu", "chủ đề")
            on_telegram.press("Phân loại rác tại nguồn", "Phân loại rác")
            on_telegram.press("Phân loại rác", "Nguồn:")
            code = bot.cli("invite", "--unit", "Cẩm Xuyên", "--role", "official").stdout.split()[0]
            zalo.add_user("d5d5d5d5d5d5d5d5d5d5", "Lê Zalo")
            on_zalo = ZaloPerson(zalo, "d5d5d5d5d5d5d5d5d5d5")
            on_zalo.say("chao ban", "Xin chào")
            on_zalo.say(code, "cán bộ đầu mối của Cẩm Xuyên")
            on_zalo.say("bao cao IV.9 hom nay 3 buoi", "người")
            on_zalo.say("150", "kênh")
            on_zalo.say("loa", "Kiểm tra báo cáo")
            on_zalo.say("xac nhan", "Đã ghi nhận")
            wait_until(lambda: _at_rest(bot.process.pid), 60, what="the bot to be at rest")
            cpu, rest = _proc(bot.process.pid)
        finally:
            bot.stop()
    print(
        "\nMemory of the bot process (Telegram polling + Zalo webhook, SQLite)\n"
        f"{'after start-up':<34} {started:>7.0f} MB\n"
        f"{'at rest after both channels used':<34} {rest:>7.0f} MB"
        f"   goal <= {GOAL_MB:.0f} MB: {'meets' if rest <= GOAL_MB else 'MISSES'}\n"
        f"{'CPU time used in all':<34} {cpu:>7.1f} s"
    )
