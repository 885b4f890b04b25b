"""Database layer: typed SQLAlchemy models, engines, locks and Alembic migrations."""
