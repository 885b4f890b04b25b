"""HMAC signatures under the installation's web secret: file links, sessions, personal links."""

import hashlib
import hmac
from dataclasses import dataclass


@dataclass(frozen=True)
class Signer:
    """HMAC-SHA256 under one key."""

    secret: bytes

    def sign(self, message: str) -> str:
        """A URL-safe signature of `message`."""
        return hmac.new(self.secret, message.encode(), hashlib.sha256).hexdigest()[:40]

    def check(self, message: str, signature: str) -> bool:
        """Whether `signature` is ours for `message` (constant time)."""
        return hmac.compare_digest(self.sign(message).encode(), signature.encode())
