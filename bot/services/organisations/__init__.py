"""Establishments as users: registration, plastic-reduction commitments and their follow-up."""
