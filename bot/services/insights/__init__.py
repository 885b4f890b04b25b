"""Targets, status, digests and exports: what coordinators read."""
