"""Users, roles, invites, join requests and erasure of personal data."""
