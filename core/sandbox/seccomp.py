"""A classic-BPF seccomp filter for bubblewrap's ``--seccomp FD``.

It returns EPERM for the system calls a tool sandbox has no use for (tracing,
kernel keyrings, BPF, perf, mounts, new namespaces, module and kexec loading…)
and ENOSYS for ``clone3`` (its flags live in memory a filter cannot read, so
libc falls back to ``clone``, whose namespace flags are checked). Any other
architecture than the host's native one is killed. Written by hand with struct
packing (``struct sock_filter`` is ``u16 code, u8 jt, u8 jf, u32 k``), so it
needs no libseccomp. x86_64 only; elsewhere :func:`program` returns None.
"""

from __future__ import annotations

import errno
import platform
import struct

_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_JSET_K = 0x45
_RET_K = 0x06

_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_RET_KILL_PROCESS = 0x80000000

_AUDIT_ARCH_X86_64 = 0xC000003E
_X32_BIT = 0x40000000

# struct seccomp_data: int nr; u32 arch; u64 instruction_pointer; u64 args[6].
_OFF_NR = 0
_OFF_ARCH = 4
_OFF_ARG0_LO = 16

# x86_64 numbers (asm/unistd_64.h).
DENIED_X86_64 = {
    "ptrace": 101,
    "syslog": 103,
    "pivot_root": 155,
    "chroot": 161,
    "acct": 163,
    "mount": 165,
    "umount2": 166,
    "swapon": 167,
    "swapoff": 168,
    "reboot": 169,
    "iopl": 172,
    "ioperm": 173,
    "init_module": 175,
    "delete_module": 176,
    "quotactl": 179,
    "kexec_load": 246,
    "add_key": 248,
    "request_key": 249,
    "keyctl": 250,
    "unshare": 272,
    "perf_event_open": 298,
    "open_by_handle_at": 304,
    "setns": 308,
    "process_vm_readv": 310,
    "process_vm_writev": 311,
    "finit_module": 313,
    "kexec_file_load": 320,
    "bpf": 321,
    "userfaultfd": 323,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
    "mount_setattr": 442,
}
_CLONE = 56
_CLONE3 = 435
# CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET | NEWTIME
_CLONE_NS_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000
_CLONE_NS_FLAGS |= 0x10000000 | 0x20000000 | 0x40000000 | 0x00000080


def _insn(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("<HBBI", code, jt, jf, k)


def program() -> bytes | None:
    """The compiled filter for this machine, or None where it has no table."""
    if platform.machine() != "x86_64":
        return None
    eperm = _RET_ERRNO | errno.EPERM
    denied = sorted(DENIED_X86_64.values())
    out = [
        _insn(_LD_W_ABS, _OFF_ARCH),
        _insn(_JEQ_K, _AUDIT_ARCH_X86_64, 1, 0),
        _insn(_RET_K, _RET_KILL_PROCESS),
        _insn(_LD_W_ABS, _OFF_NR),
        # x32 system calls (nr | 0x40000000) are refused outright.
        _insn(_JGE_K, _X32_BIT, 0, 1),
        _insn(_RET_K, eperm),
        _insn(_JEQ_K, _CLONE3, 0, 1),
        _insn(_RET_K, _RET_ERRNO | errno.ENOSYS),
        _insn(_JEQ_K, _CLONE, 0, 4),
        _insn(_LD_W_ABS, _OFF_ARG0_LO),
        _insn(_JSET_K, _CLONE_NS_FLAGS, 0, 1),
        _insn(_RET_K, eperm),
        _insn(_RET_K, _RET_ALLOW),
    ]
    # One jump per denied number: on a match skip to the EPERM return at the end.
    n = len(denied)
    for i, nr in enumerate(denied):
        out.append(_insn(_JEQ_K, nr, n - i, 0))
    out.append(_insn(_RET_K, _RET_ALLOW))
    out.append(_insn(_RET_K, eperm))
    return b"".join(out)
