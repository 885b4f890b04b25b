"""The Hà Tĩnh sustainable production and consumption bot."""
