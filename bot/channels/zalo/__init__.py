"""The Zalo Bot Platform channel: a thin httpx client, an inbox-backed receiver, text rendering."""
