"""Building files people read (Word, PDF, charts) from plain values; no database."""
