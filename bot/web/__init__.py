"""The bot's one HTTP server: platform webhooks, health and metrics, and the pages people open."""
