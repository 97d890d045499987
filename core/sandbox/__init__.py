"""The sandbox every session's built-in tools run in (CONTRACT.md §2 "Built-in
tools run in a sandbox"): bubblewrap namespaces, a user that is not the
server's, cgroup and rlimit limits, a seccomp filter, and a network policy
enforced by an allowlist proxy the sandbox reaches over a Unix socket."""

from sessiond.core.sandbox.settings import Limits, NetPolicy, SandboxSettings

__all__ = ["Limits", "NetPolicy", "SandboxSettings"]
