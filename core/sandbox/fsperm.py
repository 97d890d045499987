"""File modes of the data dir: the server's own, with one exception.

The data dir and its database and key files are the server's alone (0700 /
0600). bubblewrap, running as the sandbox uid, resolves the paths it binds
(a session's workspace, its run dir), so the sandbox uid alone is granted
search (``x``, never read) on the directories above them, with a POSIX ACL
entry set through the ``system.posix_acl_access`` xattr.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import struct
from pathlib import Path

log = logging.getLogger(__name__)

_ACL_VERSION = 2
_USER_OBJ, _USER, _GROUP_OBJ, _MASK, _OTHER = 0x01, 0x02, 0x04, 0x10, 0x20
_UNDEFINED = 0xFFFFFFFF


def secure_data_dir(data_dir: Path, *, files_only: bool = False) -> None:
    """Makes the data dir 0700 and its database and key files 0600.

    ``files_only`` leaves the directory (and the ACL entry the sandbox needs) as is.
    """
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not files_only:
        os.chmod(data_dir, 0o700)
    for pattern in ("*.db", "*.db-wal", "*.db-shm", "*.db-journal", "api_key*", "*.key"):
        for f in data_dir.glob(pattern):
            with contextlib.suppress(OSError):
                os.chmod(f, 0o600)


def _acl(uid: int, mode: int) -> bytes:
    """The ACL of ``mode`` (unchanged for everyone) plus search for ``uid``."""

    def entry(tag: int, perm: int, ident: int = _UNDEFINED) -> bytes:
        return struct.pack("<HHI", tag, perm, ident)

    group = (mode >> 3) & 7
    return struct.pack("<I", _ACL_VERSION) + b"".join(
        [
            entry(_USER_OBJ, (mode >> 6) & 7),
            entry(_USER, 1, uid),
            entry(_GROUP_OBJ, group),
            entry(_MASK, group | 1),
            entry(_OTHER, mode & 7),
        ]
    )


def _has_search(path: Path, uid: int) -> bool:
    """Whether ``path``'s ACL already gives ``uid`` search, with a mask that lets it."""
    try:
        acl = os.getxattr(path, "system.posix_acl_access")
    except OSError:
        return False
    entries = [struct.unpack_from("<HHI", acl, off) for off in range(4, len(acl) - 7, 8)]
    user = any(t == _USER and i == uid and p & 1 for t, p, i in entries)
    mask = all(p & 1 for t, p, _ in entries if t == _MASK)
    return user and mask


def _add_search(path: Path, uid: int) -> None:
    if _has_search(path, uid):
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    try:
        os.setxattr(path, "system.posix_acl_access", _acl(uid, mode))
    except OSError as e:
        log.warning("no ACLs on %s (%s); adding o+x so the sandbox can reach it", path, e)
        os.chmod(path, mode | 0o001)


def grant_search(path: Path, uid: int) -> None:
    """``path`` (0700) and every ancestor the sandbox uid cannot search get
    search (x) for ``uid`` only, as an ACL entry; o+x where the file system
    has no ACLs (logged)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = path.resolve()
    for anc in reversed(path.parents):
        st = anc.stat()
        if st.st_mode & 0o001 or st.st_uid == uid:
            continue
        log.info("granting the sandbox user search (x) on %s", anc)
        _add_search(anc, uid)
    _add_search(path, uid)
