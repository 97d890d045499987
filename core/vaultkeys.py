"""Encryption at rest of vault secrets: AES-256-GCM, with the key kept apart
from the database.

Where the key lives: ``SESSIOND_VAULT_KEY`` (32 bytes, URL-safe base64) when
set, else the file ``vault.key`` in the data dir, made on first use with mode
0600. Every ciphertext is stored beside the id of the key that made it (the
first 12 hex digits of the key's SHA-256), and the credential's id is bound in
as associated data, so a ciphertext moved to another row does not decrypt.

Rotation: put the new key in ``vault.key`` (or ``SESSIOND_VAULT_KEY``) and
append the old one to ``vault.keyring`` (one base64 key per line, ``#``
comments). New and updated secrets use the new key at once; old ones stay
readable through the keyring and are re-encrypted with the current key the
next time they are written (an update or an OAuth refresh). A key can leave
the keyring once no row names its id.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from pathlib import Path

from sessiond.core import errors

KEY_FILE = "vault.key"
KEYRING_FILE = "vault.keyring"
ENV_KEY = "SESSIOND_VAULT_KEY"
NONCE_BYTES = 12


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:12]


def _decode(text: str, where: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except ValueError:
        raise ValueError(f"{where}: not base64") from None
    if len(key) != 32:
        raise ValueError(f"{where}: a vault key is 32 bytes, got {len(key)}")
    return key


class Keyring:
    def __init__(self, current: bytes, old: list[bytes] | None = None) -> None:
        self.current_id = key_id(current)
        self._keys = {key_id(k): k for k in [*(old or []), current]}

    @classmethod
    def load(cls, data_dir: Path, env: str | None = None) -> Keyring:
        env = os.environ.get(ENV_KEY) if env is None else env
        if env:
            current = _decode(env, ENV_KEY)
        else:
            path = data_dir / KEY_FILE
            if not path.exists():
                data_dir.mkdir(parents=True, exist_ok=True)
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as f:
                    f.write(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode() + "\n")
            current = _decode(path.read_text(), str(path))
        old: list[bytes] = []
        ring = data_dir / KEYRING_FILE
        if ring.exists():
            for n, line in enumerate(ring.read_text().splitlines(), 1):
                line = line.split("#", 1)[0].strip()
                if line:
                    old.append(_decode(line, f"{ring}:{n}"))
        return cls(current, old)

    def seal(self, plaintext: bytes, bound_to: str) -> tuple[str, bytes]:
        """(key id, nonce + ciphertext) for ``plaintext``, bound to an object id."""
        # cryptography (about 7 MB resident) loads with the first secret sealed or
        # opened, not at start: a plain ``serve`` needs none (~25 ms once, here).
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = AESGCM(self._keys[self.current_id]).encrypt(nonce, plaintext, bound_to.encode())
        return self.current_id, nonce + sealed

    def open(self, kid: str, blob: bytes, bound_to: str) -> bytes:
        key = self._keys.get(kid)
        if key is None:
            raise errors.FailedPrecondition(
                f"A vault secret was sealed with key {kid}, which this server does not have: "
                f"add it to {KEYRING_FILE} in the data dir."
            )
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # see ``seal``

        return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], bound_to.encode())
