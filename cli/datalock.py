"""One server per SQLite data dir: an exclusive ``flock`` on ``<data-dir>/sessiond.lock``.

Two processes on one SQLite file would each run turns the other never sees; the
second one refuses to start. The lock goes with the process (the kernel drops it
when the process ends, even on a crash).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_FILE = "sessiond.lock"


class DataDirBusy(Exception):
    pass


class DataDirLock:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise DataDirBusy(
                f"the data dir {self.path.parent} is in use by a running sessiond (pid {holder}); "
                "stop it, or give this one another --data-dir"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
