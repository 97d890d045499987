"""Opening files inside a workspace without check-then-open races.

Every open goes through ``openat2(2)`` relative to the workspace's directory
fd with ``RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS``: the
kernel refuses any path that leaves the workspace or passes a symlink, at the
moment of the open, so swapping a directory for a symlink in between changes
nothing. Files are opened ``O_NOFOLLOW | O_NONBLOCK`` and must be regular
files (a FIFO or device never blocks a worker).
"""

from __future__ import annotations

import ctypes
import errno
import os
import stat
import struct
from pathlib import Path

from sessiond.core.runtime.tools.errors import ToolError

_SYS_OPENAT2 = 437  # the same number on every architecture (asm-generic)
RESOLVE_NO_MAGICLINKS = 0x02
RESOLVE_NO_SYMLINKS = 0x04
RESOLVE_BENEATH = 0x08
_RESOLVE = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS

_libc = ctypes.CDLL(None, use_errno=True)
_syscall = _libc.syscall
_syscall.restype = ctypes.c_long


def openat2(dirfd: int, path: str, flags: int, mode: int = 0) -> int:
    """``openat2(dirfd, path, {flags, mode, resolve=BENEATH|NO_SYMLINKS})``."""
    # openat2 refuses a mode without O_CREAT.
    mode = mode if flags & os.O_CREAT else 0
    how = struct.pack("QQQ", flags | os.O_CLOEXEC, mode, _RESOLVE)
    buf = ctypes.create_string_buffer(how, len(how))
    fd = _syscall(
        ctypes.c_long(_SYS_OPENAT2),
        ctypes.c_int(dirfd),
        ctypes.c_char_p(os.fsencode(path)),
        buf,
        ctypes.c_size_t(len(how)),
    )
    if fd < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), path)
    return int(fd)


def explain(e: OSError, shown: str) -> ToolError:
    """A message for the model about why ``shown`` could not be opened."""
    if e.errno == errno.ENOENT:
        return ToolError(f"file not found: {shown}")
    if e.errno == errno.ELOOP:
        return ToolError(f"{shown} passes through a symlink; file tools do not follow symlinks")
    if e.errno == errno.EXDEV:
        return ToolError(f"{shown} is outside the workspace")
    if e.errno == errno.ENXIO:
        return ToolError(f"{shown} is not a regular file")
    return ToolError(f"cannot open {shown}: {e.strerror}")


class Root:
    """A workspace's directory fd; the base of every open."""

    def __init__(self, root: Path) -> None:
        self.fd = os.open(root, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)

    def close(self) -> None:
        os.close(self.fd)

    def __enter__(self) -> Root:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open_file(self, rel: str, flags: int, shown: str, mode: int = 0o644) -> int:
        """A regular file's fd (``flags`` may add O_WRONLY/O_RDWR/O_CREAT)."""
        try:
            fd = openat2(self.fd, rel, flags | os.O_NOFOLLOW | os.O_NONBLOCK, mode)
        except OSError as e:
            if e.errno == errno.EISDIR:
                raise ToolError(f"{shown} is a directory, not a file") from None
            raise explain(e, shown) from None
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            os.close(fd)
            if stat.S_ISDIR(st.st_mode):
                raise ToolError(f"{shown} is a directory, not a file (use glob or bash to list it)")
            raise ToolError(f"{shown} is not a regular file")
        # Reads and writes of a regular file may block again.
        os.set_blocking(fd, True)
        return fd

    def open_dir(self, rel: str, shown: str) -> int:
        try:
            return openat2(self.fd, rel or ".", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except OSError as e:
            if e.errno == errno.ENOTDIR:
                raise ToolError(f"{shown} is not a directory") from None
            raise explain(e, shown) from None

    def kind(self, rel: str) -> str:
        """ "dir", "file", "other" or "missing" (never follows a symlink)."""
        try:
            fd = openat2(self.fd, rel or ".", os.O_PATH | os.O_NOFOLLOW)
        except OSError as e:
            return "missing" if e.errno == errno.ENOENT else "other"
        try:
            mode = os.fstat(fd).st_mode
        finally:
            os.close(fd)
        if stat.S_ISDIR(mode):
            return "dir"
        return "file" if stat.S_ISREG(mode) else "other"

    def makedirs(self, rel_dir: str, shown: str, owner: tuple[int, int] | None) -> int:
        """Opens (making as needed) the directory ``rel_dir``; returns its fd."""
        fd = os.dup(self.fd)
        try:
            for part in [p for p in rel_dir.split("/") if p]:
                try:
                    nxt = openat2(fd, part, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW)
                except FileNotFoundError:
                    os.mkdir(part, 0o755, dir_fd=fd)
                    if owner is not None:
                        os.chown(part, *owner, dir_fd=fd, follow_symlinks=False)
                    nxt = openat2(fd, part, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW)
                except OSError as e:
                    if e.errno == errno.ENOTDIR:
                        st = os.stat(part, dir_fd=fd, follow_symlinks=False)
                        if stat.S_ISLNK(st.st_mode):
                            raise explain(OSError(errno.ELOOP, "symlink"), shown) from None
                        msg = f"cannot create {shown}: {part} is not a directory"
                        raise ToolError(msg) from None
                    raise explain(e, shown) from None
                os.close(fd)
                fd = nxt
            return fd
        except BaseException:
            os.close(fd)
            raise
