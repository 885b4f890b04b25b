"""Channel adapters: platform updates in, Outgoing values out. No business rules here."""
