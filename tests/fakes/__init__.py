"""Hand-written fakes of the platforms the bot talks to, owned by the tests."""
