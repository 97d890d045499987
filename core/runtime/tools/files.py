"""The file tools: read, write, edit, glob, grep.

These are plain blocking functions; :class:`core.runtime.tools.Toolbox` runs
them in its bounded worker pool. Every open is race-free (see :mod:`safeio`).
"""

from __future__ import annotations

import errno
import os
import posixpath
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass

from sessiond.core.runtime.tools.errors import ToolError, ToolInputError
from sessiond.core.runtime.tools.safeio import Root, explain, openat2
from sessiond.core.runtime.tools.workspace import Workspace

MAX_LINE_CHARS = 2000
GREP_MAX_LINE_CHARS = 500
GLOB_MAX_RESULTS = 1000
GREP_MAX_MATCHES = 500
GREP_MAX_FILE_BYTES = 20 * 1024 * 1024
_SNIFF_BYTES = 8192
_SKIP_DIRS = frozenset({".git"})


def _is_binary(head: bytes) -> bool:
    return b"\x00" in head


def _clip_line(line: str, limit: int) -> str:
    if len(line) <= limit:
        return line
    return f"{line[:limit]} [line truncated: {len(line) - limit} more characters]"


def _strip_eol(raw: bytes) -> bytes:
    if raw.endswith(b"\n"):
        raw = raw[:-1]
        if raw.endswith(b"\r"):
            raw = raw[:-1]
    return raw


def _view_range(view_range: list[int] | None) -> tuple[int, int]:
    start, end = 1, 0
    if view_range is not None:
        start, end = view_range
        if start < 1:
            raise ToolInputError(f"view_range start must be 1 or more, got {start}")
        if 0 < end < start:
            raise ToolInputError(f"view_range end ({end}) is before its start ({start})")
    return start, end


# -- read ---------------------------------------------------------------------------------


def read(ws: Workspace, file_path: str, view_range: list[int] | None, max_chars: int) -> str:
    rel = ws.relative(file_path)
    shown = ws.display(rel)
    start, end = _view_range(view_range)
    with Root(ws.root) as root, os.fdopen(root.open_file(rel, os.O_RDONLY, shown), "rb") as f:
        if _is_binary(f.read(_SNIFF_BYTES)):
            size = os.fstat(f.fileno()).st_size
            raise ToolError(f"{shown} is a binary file ({size} bytes); it cannot be read as text")
        f.seek(0)
        out: list[str] = []
        used = 0
        total = 0
        first_hidden: int | None = None
        for lineno, raw in enumerate(f, 1):
            total = lineno
            if lineno < start:
                continue
            if end > 0 and lineno > end:
                total = lineno - 1
                break
            if first_hidden is not None:
                continue
            line = _clip_line(_strip_eol(raw).decode("utf-8", errors="replace"), MAX_LINE_CHARS)
            entry = f"{lineno:6}\t{line}"
            if out and used + len(entry) + 1 > max_chars:
                first_hidden = lineno
                continue
            out.append(entry)
            used += len(entry) + 1
    if total == 0:
        return f"({shown} is empty)"
    if start > total:
        raise ToolInputError(
            f"view_range start {start} is beyond the end of {shown} ({total} lines)"
        )
    text = "\n".join(out)
    if first_hidden is not None:
        text += (
            f"\n[output truncated: lines {first_hidden}-{total} not shown; "
            "use view_range to read further]"
        )
    return text


# -- write / edit -------------------------------------------------------------------------


def _write_all(fd: int, data: bytes) -> None:
    os.ftruncate(fd, 0)
    view = memoryview(data)
    offset = 0
    while offset < len(view):
        offset += os.pwrite(fd, view[offset:], offset)


def write(ws: Workspace, file_path: str, content: str) -> str:
    rel = ws.relative(file_path)
    shown = ws.display(rel)
    if not rel:
        raise ToolError(f"{shown} is a directory; cannot write a file there")
    parent, _, name = rel.rpartition("/")
    data = content.encode("utf-8")
    with Root(ws.root) as root:
        dir_fd = root.makedirs(parent, shown, ws.owner)
        try:
            existed = True
            try:
                fd = openat2(dir_fd, name, os.O_WRONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            except FileNotFoundError:
                existed = False
                fd = openat2(
                    dir_fd, name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644
                )
            except OSError as e:
                if e.errno == errno.EISDIR:
                    raise ToolError(f"{shown} is a directory; cannot write a file there") from None
                raise explain(e, shown) from None
        finally:
            os.close(dir_fd)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise ToolError(f"{shown} is not a regular file")
            if not existed and ws.owner is not None:
                os.fchown(fd, *ws.owner)
            os.set_blocking(fd, True)
            _write_all(fd, data)
        finally:
            os.close(fd)
    verb = "Updated" if existed else "Created"
    return f"{verb} {shown} ({len(data)} bytes)"


def edit(ws: Workspace, file_path: str, old_string: str, new_string: str, replace_all: bool) -> str:
    if old_string == "":
        raise ToolInputError("old_string must not be empty (use write to create a file)")
    if old_string == new_string:
        raise ToolInputError("old_string and new_string are identical; nothing to change")
    rel = ws.relative(file_path)
    shown = ws.display(rel)
    with Root(ws.root) as root:
        fd = root.open_file(rel, os.O_RDWR, shown)
        try:
            chunks = []
            while chunk := os.read(fd, 1 << 20):
                chunks.append(chunk)
            data = b"".join(chunks)
            if _is_binary(data[:_SNIFF_BYTES]):
                raise ToolError(f"{shown} is a binary file; it cannot be edited as text")
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                raise ToolError(f"{shown} is not valid UTF-8 text; it cannot be edited") from None
            count = text.count(old_string)
            if count == 0:
                raise ToolError(f"old_string was not found in {shown}")
            if count > 1 and not replace_all:
                raise ToolError(
                    f"old_string occurs {count} times in {shown}; include more surrounding "
                    "context to make it unique, or set replace_all to true"
                )
            _write_all(fd, text.replace(old_string, new_string).encode("utf-8"))
        finally:
            os.close(fd)
    plural = "occurrence" if count == 1 else "occurrences"
    return f"Edited {shown}: replaced {count} {plural}"


# -- glob ---------------------------------------------------------------------------------

_GLOB_CHARS = frozenset("*?[{")


def _segment_regex(seg: str) -> str:
    """Translates one path segment of a glob into a regex (no ``/`` inside)."""
    out: list[str] = []
    i = 0
    while i < len(seg):
        c = seg[i]
        if c == "*":
            while i + 1 < len(seg) and seg[i + 1] == "*":
                i += 1
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "\\" and i + 1 < len(seg):
            i += 1
            out.append(re.escape(seg[i]))
        elif c == "[":
            close = seg.find("]", i + 2)
            if close < 0:
                out.append(re.escape(c))
            else:
                body = seg[i + 1 : close]
                negate = body[:1] in ("!", "^")
                if negate:
                    body = body[1:]
                body = body.replace("\\", "\\\\").replace("[", "\\[")
                out.append(f"[{'^' if negate else ''}{body}]")
                i = close
        elif c == "{":
            close, options = _brace_options(seg, i)
            if close < 0:
                out.append(re.escape(c))
            else:
                out.append("(?:" + "|".join(_segment_regex(o) for o in options) + ")")
                i = close
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def _brace_options(seg: str, open_at: int) -> tuple[int, list[str]]:
    """Splits ``{a,b{c,d}}`` at top-level commas; returns the closing index and options."""
    depth = 0
    options: list[str] = []
    current: list[str] = []
    i = open_at
    while i < len(seg):
        c = seg[i]
        if c == "\\" and i + 1 < len(seg):
            current.append(seg[i : i + 2])
            i += 2
            continue
        if c == "{":
            depth += 1
            if depth > 1:
                current.append(c)
        elif c == "}":
            depth -= 1
            if depth == 0:
                options.append("".join(current))
                return i, options
            current.append(c)
        elif c == "," and depth == 1:
            options.append("".join(current))
            current = []
        else:
            current.append(c)
        i += 1
    return -1, []


def compile_glob(pattern: str) -> re.Pattern[str]:
    """A regex matching ``/``-separated relative paths against a doublestar pattern."""
    segs = [s for s in pattern.split("/") if s not in ("", ".")]
    parts: list[str] = []
    for i, seg in enumerate(segs):
        last = i == len(segs) - 1
        if seg == "**":
            parts.append(".*" if last else "(?:.*/)?")
        else:
            parts.append(_segment_regex(seg) + ("" if last else "/"))
    return re.compile("".join(parts), re.DOTALL)


@dataclass
class _Entry:
    rel: str
    mtime: float


def _split_literal_prefix(pattern: str) -> tuple[str, str]:
    """Splits a pattern into its leading wildcard-free directories and the rest."""
    segs = pattern.split("/")
    n = 0
    while n < len(segs) - 1 and not (_GLOB_CHARS & set(segs[n])) and "\\" not in segs[n]:
        n += 1
    prefix = "/".join(segs[:n])
    if pattern.startswith("/") and not prefix:
        prefix = "/"
    return prefix, "/".join(segs[n:])


def _walk(root: Root, rel: str, shown: str) -> Iterator[tuple[str, list[str], list[str], int]]:
    """``os.fwalk`` below ``rel`` (never through a symlink); paths relative to the root."""
    top = root.open_dir(rel, shown)
    try:
        for dirpath, dirnames, filenames, dfd in os.fwalk(".", dir_fd=top):
            here = posixpath.normpath(posixpath.join(rel, dirpath)) if rel else dirpath
            here = "" if here == "." else here.removeprefix("./")
            yield here, dirnames, filenames, dfd
    finally:
        os.close(top)


def glob(ws: Workspace, pattern: str, path: str | None, max_chars: int) -> str:
    if not pattern.strip():
        raise ToolInputError("pattern must not be empty")
    base = ws.relative(path) if path else ""
    prefix, rest = _split_literal_prefix(pattern)
    if prefix:
        joined = prefix if prefix.startswith("/") else posixpath.join(base, prefix)
        base = ws.relative(joined if joined else ".")
    if ".." in rest.split("/"):
        raise ToolInputError("pattern must not contain '..' after its first wildcard")
    regex = compile_glob(rest)
    max_depth = None if "**" in rest else len([s for s in rest.split("/") if s])
    found: list[_Entry] = []
    with Root(ws.root) as root:
        kind = root.kind(base)
        if kind != "dir":
            if path and not prefix:
                raise ToolError(f"{ws.display(base)} is not a directory")
            return f"No files match {pattern!r}"
        for here, dirnames, filenames, dfd in _walk(root, base, ws.display(base)):
            rel_dir = here[len(base) :].lstrip("/") if base else here
            depth = 0 if not rel_dir else rel_dir.count("/") + 1
            dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS]
            if max_depth is not None and depth + 1 >= max_depth:
                subdirs = list(dirnames)
                dirnames[:] = []
            else:
                subdirs = dirnames
            for name, is_dir in [(d, True) for d in subdirs] + [(f, False) for f in filenames]:
                rel = name if not rel_dir else f"{rel_dir}/{name}"
                if not regex.fullmatch(rel):
                    continue
                try:
                    mtime = os.stat(name, dir_fd=dfd, follow_symlinks=False).st_mtime
                except OSError:
                    continue
                full = f"{here}/{name}" if here else name
                found.append(_Entry(full + ("/" if is_dir else ""), mtime))
    if not found:
        return f"No files match {pattern!r}"
    found.sort(key=lambda e: (-e.mtime, e.rel))
    lines: list[str] = []
    used = 0
    for entry in found[:GLOB_MAX_RESULTS]:
        if lines and used + len(entry.rel) + 1 > max_chars:
            break
        lines.append(entry.rel)
        used += len(entry.rel) + 1
    text = "\n".join(lines)
    if len(lines) < len(found):
        text += f"\n[results truncated: {len(found) - len(lines)} more matches not shown]"
    return text


# -- grep ---------------------------------------------------------------------------------


def _grep_files(root: Root, target: str, shown: str) -> Iterator[tuple[int, str, str]]:
    """(dir fd, name, path relative to the root) of each file to search."""
    if root.kind(target) == "file":
        parent, _, name = target.rpartition("/")
        dfd = root.open_dir(parent, shown)
        try:
            yield dfd, name, target
        finally:
            os.close(dfd)
        return
    for here, dirnames, filenames, dfd in _walk(root, target, shown):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        for name in sorted(filenames):
            yield dfd, name, f"{here}/{name}" if here else name


def grep(ws: Workspace, pattern: str, path: str | None, max_chars: int) -> str:
    try:
        regex = re.compile(pattern)
    except re.error as e:
        raise ToolInputError(f"invalid regular expression {pattern!r}: {e}") from None
    target = ws.relative(path) if path else ""
    lines: list[str] = []
    used = 0
    capped = False
    with Root(ws.root) as root:
        if root.kind(target) == "missing":
            raise ToolError(f"path not found: {ws.display(target)}")
        for dfd, name, rel in _grep_files(root, target, ws.display(target)):
            if capped:
                break
            try:
                fd = openat2(dfd, name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            except OSError:
                continue
            with os.fdopen(fd, "rb") as f:
                st = os.fstat(fd)
                if not stat.S_ISREG(st.st_mode) or st.st_size > GREP_MAX_FILE_BYTES:
                    continue
                os.set_blocking(fd, True)
                if _is_binary(f.read(_SNIFF_BYTES)):
                    continue
                f.seek(0)
                for lineno, raw in enumerate(f, 1):
                    line = _strip_eol(raw).decode("utf-8", errors="replace")
                    if not regex.search(line):
                        continue
                    entry = f"{rel}:{lineno}:{_clip_line(line, GREP_MAX_LINE_CHARS)}"
                    if len(lines) >= GREP_MAX_MATCHES or (
                        lines and used + len(entry) + 1 > max_chars
                    ):
                        capped = True
                        break
                    lines.append(entry)
                    used += len(entry) + 1
    if not lines:
        return f"No matches for {pattern!r}"
    text = "\n".join(lines)
    if capped:
        text += f"\n[results truncated after {len(lines)} matches; narrow the pattern or path]"
    return text
