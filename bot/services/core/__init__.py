"""Shared by every domain: errors, roles, texts, typed-word matching, work calendar, audit."""
