"""The online contest for students (task I.4): rounds, question bank, attempts, ranking."""
