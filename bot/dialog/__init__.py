"""The channel-agnostic conversation core: routes Incoming values to flows."""
