"""Reading and checking the files under content/ (never the database)."""
