"""Domain rules. Every function takes an AsyncSession first and never commits."""
