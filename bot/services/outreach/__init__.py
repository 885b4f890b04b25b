"""The materials library, broadcasts and leaflets."""
