"""Reports: recording, corrections and review, typed input; what counts."""
