"""Telegram through python-telegram-bot's Bot: inbox-backed polling or webhook, paced sends."""
