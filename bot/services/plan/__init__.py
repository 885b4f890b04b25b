"""The plan's tasks and the registries of units."""
