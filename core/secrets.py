"""Secrets at rest: AES-GCM with a 256-bit key kept in a 0600 file of the data dir."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_FILE = "secret.key"
_NONCE = 12


class SecretBox:
    """Seals short secrets (repository tokens) bound to a label (the resource id)."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._aead_: AESGCM | None = None

    @property
    def _aead(self) -> AESGCM:
        # cryptography (about 7 MB resident) loads when the first secret is
        # sealed or opened, never at start: a plain ``serve`` needs none. Its
        # import (~25 ms, once) happens on that first call's thread.
        if self._aead_ is None:
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM

            self._aead_ = AESGCM(self._key)
        return self._aead_

    @classmethod
    def in_dir(cls, data_dir: Path) -> SecretBox:
        """The box whose key is ``<data_dir>/secret.key``, made (0600) on first use."""
        # Replicas that share a key name one file (SESSIOND_SECRET_KEY_FILE).
        path = Path(os.environ.get("SESSIOND_SECRET_KEY_FILE") or data_dir / KEY_FILE)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            key = path.read_bytes()
        else:
            key = secrets.token_bytes(32)
            with os.fdopen(fd, "wb") as f:
                f.write(key)
        if len(key) != 32:
            raise ValueError(f"{path} does not hold a 32-byte key")
        return cls(key)

    def seal(self, plaintext: str, label: str) -> bytes:
        nonce = secrets.token_bytes(_NONCE)
        return nonce + self._aead.encrypt(nonce, plaintext.encode(), label.encode())

    def open(self, sealed: bytes, label: str) -> str | None:
        """The secret, or None when it was sealed with another key or label."""
        aead = self._aead
        from cryptography.exceptions import InvalidTag  # loaded by ``_aead``

        try:
            return aead.decrypt(sealed[:_NONCE], sealed[_NONCE:], label.encode()).decode()
        except (InvalidTag, ValueError):
            return None
