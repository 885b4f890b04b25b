"""A bare python-telegram-bot echo bot in webhook mode: the baseline of the inbound benchmark.

Library defaults as docs/performance.md describes them (`concurrent_updates(True)`, the builder's
connection pool of 256); one handler answers each text with an inline keyboard, one answers the
button (answerCallbackQuery, then sendMessage). Run as a script by the benchmark:
BENCH_TOKEN, BENCH_API_ROOT, BENCH_PORT, BENCH_WEBHOOK_URL and BENCH_SECRET configure it;
BENCH_ECHO_POOL sets `connection_pool_size` to compare with docs/performance.md's variants.
"""

import os

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("Thông tin của tôi", callback_data="cmd:toi"),
            InlineKeyboardButton("Hướng dẫn", callback_data="cmd:help"),
        ]
    ]
)


async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a text with the text and a keyboard."""
    assert update.message is not None
    await update.message.reply_text(f"Bạn đã gửi: {update.message.text}", reply_markup=KEYBOARD)


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the button press, then say which button it was."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await context.bot.send_message(query.from_user.id, f"Bạn đã chọn: {query.data}")


def main() -> None:
    """Serve the webhook until SIGTERM."""
    env = os.environ
    builder = (
        Application.builder()
        .token(env["BENCH_TOKEN"])
        .base_url(f"{env['BENCH_API_ROOT']}/bot")
        .base_file_url(f"{env['BENCH_API_ROOT']}/file/bot")
        .concurrent_updates(True)
    )
    if env.get("BENCH_ECHO_POOL"):
        builder = builder.connection_pool_size(int(env["BENCH_ECHO_POOL"]))
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(pressed))
    app.run_webhook(
        listen="127.0.0.1",
        port=int(env["BENCH_PORT"]),
        url_path="telegram-hook",
        webhook_url=env["BENCH_WEBHOOK_URL"],
        secret_token=env["BENCH_SECRET"],
        allowed_updates=["message", "callback_query"],
    )


if __name__ == "__main__":
    main()
