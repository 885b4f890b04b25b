"""content/ into the database: idempotent, all or nothing."""
