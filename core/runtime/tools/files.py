"""The file tools: read, write, edit, glob, grep.

These are plain blocking functions; :class:`core.runtime.tools.Toolbox` runs
them in a worker thread.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sessiond.core.runtime.tools.errors import ToolError, ToolInputError
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


def _existing_file(ws: Workspace, file_path: str) -> Path:
    path = ws.resolve(file_path)
    shown = ws.display(path)
    if not path.exists():
        raise ToolError(f"file not found: {shown}")
    if path.is_dir():
        raise ToolError(f"{shown} is a directory, not a file (use glob or bash to list it)")
    if not path.is_file():
        raise ToolError(f"{shown} is not a regular file")
    return path


# -- read ---------------------------------------------------------------------------------


def read(ws: Workspace, file_path: str, view_range: list[int] | None, max_chars: int) -> str:
    path = _existing_file(ws, file_path)
    shown = ws.display(path)
    start, end = 1, 0
    if view_range is not None:
        start, end = view_range
        if start < 1:
            raise ToolInputError(f"view_range start must be 1 or more, got {start}")
        if 0 < end < start:
            raise ToolInputError(f"view_range end ({end}) is before its start ({start})")
    with path.open("rb") as f:
        if _is_binary(f.read(_SNIFF_BYTES)):
            size = path.stat().st_size
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


def write(ws: Workspace, file_path: str, content: str) -> str:
    path = ws.resolve(file_path)
    shown = ws.display(path)
    if path.is_dir():
        raise ToolError(f"{shown} is a directory; cannot write a file there")
    existed = path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8")
    path.write_bytes(data)
    verb = "Updated" if existed else "Created"
    return f"{verb} {shown} ({len(data)} bytes)"


def edit(ws: Workspace, file_path: str, old_string: str, new_string: str, replace_all: bool) -> str:
    if old_string == "":
        raise ToolInputError("old_string must not be empty (use write to create a file)")
    if old_string == new_string:
        raise ToolInputError("old_string and new_string are identical; nothing to change")
    path = _existing_file(ws, file_path)
    shown = ws.display(path)
    data = path.read_bytes()
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
            f"old_string occurs {count} times in {shown}; include more surrounding context "
            "to make it unique, or set replace_all to true"
        )
    path.write_bytes(text.replace(old_string, new_string).encode("utf-8"))
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


def glob(ws: Workspace, pattern: str, path: str | None, max_chars: int) -> str:
    if not pattern.strip():
        raise ToolInputError("pattern must not be empty")
    base = ws.resolve(path) if path else ws.root
    if not base.is_dir():
        raise ToolError(f"{ws.display(base)} is not a directory")
    prefix, rest = _split_literal_prefix(pattern)
    if prefix:
        base = ws.resolve(prefix if Path(prefix).is_absolute() else str(base / prefix))
    if ".." in rest.split("/"):
        raise ToolInputError("pattern must not contain '..' after its first wildcard")
    if not base.is_dir():
        return f"No files match {pattern!r}"
    regex = compile_glob(rest)
    max_depth = None if "**" in rest else len([s for s in rest.split("/") if s])
    found: list[_Entry] = []
    for dirpath, dirnames, filenames in os.walk(base):
        here = Path(dirpath)
        rel_dir = here.relative_to(base).as_posix()
        depth = 0 if rel_dir == "." else rel_dir.count("/") + 1
        dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS]
        if max_depth is not None and depth + 1 >= max_depth:
            # Entries one level down are still matched below; no need to descend further.
            subdirs = list(dirnames)
            dirnames[:] = []
        else:
            subdirs = dirnames
        for name, is_dir in [(d, True) for d in subdirs] + [(f, False) for f in filenames]:
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            if not regex.fullmatch(rel):
                continue
            full = here / name
            try:
                mtime = full.lstat().st_mtime
            except OSError:
                continue
            shown = ws.display(full) + ("/" if is_dir else "")
            found.append(_Entry(shown, mtime))
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


def _grep_files(ws: Workspace, target: Path) -> Iterator[Path]:
    if target.is_file():
        yield target
        return
    for dirpath, dirnames, filenames in os.walk(target):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        for name in sorted(filenames):
            full = Path(dirpath) / name
            if full.is_symlink() and not ws.contains(full):
                continue
            yield full


def grep(ws: Workspace, pattern: str, path: str | None, max_chars: int) -> str:
    try:
        regex = re.compile(pattern)
    except re.error as e:
        raise ToolInputError(f"invalid regular expression {pattern!r}: {e}") from None
    target = ws.resolve(path) if path else ws.root
    if not target.exists():
        raise ToolError(f"path not found: {ws.display(target)}")
    lines: list[str] = []
    used = 0
    capped = False
    for file in _grep_files(ws, target):
        if capped:
            break
        try:
            if not file.is_file() or file.stat().st_size > GREP_MAX_FILE_BYTES:
                continue
            with file.open("rb") as f:
                if _is_binary(f.read(_SNIFF_BYTES)):
                    continue
                f.seek(0)
                shown = ws.display(file)
                for lineno, raw in enumerate(f, 1):
                    line = _strip_eol(raw).decode("utf-8", errors="replace")
                    if not regex.search(line):
                        continue
                    entry = f"{shown}:{lineno}:{_clip_line(line, GREP_MAX_LINE_CHARS)}"
                    if len(lines) >= GREP_MAX_MATCHES or (
                        lines and used + len(entry) + 1 > max_chars
                    ):
                        capped = True
                        break
                    lines.append(entry)
                    used += len(entry) + 1
        except OSError:
            continue
    if not lines:
        return f"No matches for {pattern!r}"
    text = "\n".join(lines)
    if capped:
        text += f"\n[results truncated after {len(lines)} matches; narrow the pattern or path]"
    return text
