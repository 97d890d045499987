"""Tests of core.runtime.tools: real shells, real files under tmp_path."""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import anthropic.types.beta as sdk
import pytest
from sessiond.core.runtime.tools import SCHEMAS, Toolbox, ToolInputError, ToolOutput, Workspace

DEADLINE_S = 10.0


def _alive(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie awaiting its reaper counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


async def _until(cond: Callable[[], bool], what: str, within: float = DEADLINE_S) -> None:
    """Polls ``cond`` until it holds, failing after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not cond():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for: {what}")
        await asyncio.sleep(0.02)


def _pids(path: Path, count: int) -> list[int] | None:
    try:
        lines = path.read_text().split()
    except FileNotFoundError:
        return None
    if len(lines) < count:
        return None
    return [int(x) for x in lines[:count]]


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    root = tmp_path / "ws"
    root.mkdir()
    return Workspace(root)


@pytest.fixture
async def box(ws: Workspace) -> AsyncIterator[Toolbox]:
    toolbox = Toolbox(ws, default_timeout_ms=20000)
    yield toolbox
    await toolbox.close()


async def _ok(box: Toolbox, name: str, **input: object) -> str:
    out = await box.run(name, dict(input))
    assert isinstance(out, ToolOutput)
    assert not out.is_error, out.text
    return out.text


async def _err(box: Toolbox, name: str, input: object) -> str:
    out = await box.run(name, input)  # type: ignore[arg-type]
    assert out.is_error, out.text
    return out.text


# -- schemas ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "model"),
    [
        ("bash", sdk.BetaManagedAgentsAgentToolset20260401BashInput),
        ("read", sdk.BetaManagedAgentsAgentToolset20260401ReadInput),
        ("write", sdk.BetaManagedAgentsAgentToolset20260401WriteInput),
        ("edit", sdk.BetaManagedAgentsAgentToolset20260401EditInput),
        ("glob", sdk.BetaManagedAgentsAgentToolset20260401GlobInput),
        ("grep", sdk.BetaManagedAgentsAgentToolset20260401GrepInput),
    ],
)
def test_schema_fields_match_sdk(name: str, model: type) -> None:
    schema = SCHEMAS[name]["input_schema"]
    fields = model.model_fields  # type: ignore[attr-defined]
    assert set(schema["properties"]) == set(fields)
    required = {k for k, f in fields.items() if f.is_required()}
    assert set(schema.get("required", [])) == required
    assert SCHEMAS[name]["description"]


def test_all_tools_declared() -> None:
    assert set(SCHEMAS) == {
        "bash",
        "read",
        "write",
        "edit",
        "glob",
        "grep",
        "web_fetch",
        "web_search",
    }
    assert Toolbox.SCHEMAS is SCHEMAS


# -- bash ---------------------------------------------------------------------------------


async def test_bash_state_persists(box: Toolbox, ws: Workspace) -> None:
    (ws.root / "sub").mkdir()
    await _ok(box, "bash", command="cd sub && export GREETING=hello")
    text = await _ok(box, "bash", command='pwd; echo "$GREETING"')
    assert text == f"{ws.root / 'sub'}\nhello"


async def test_bash_starts_in_workspace_root(box: Toolbox, ws: Workspace) -> None:
    assert await _ok(box, "bash", command="pwd") == str(ws.root)


async def test_bash_exit_code_reported(box: Toolbox) -> None:
    assert await _ok(box, "bash", command="echo hi; (exit 3)") == "hi\n[exit code: 3]"
    assert await _ok(box, "bash", command="false") == "[exit code: 1]"
    assert await _ok(box, "bash", command="true") == "(no output)"


async def test_bash_captures_stderr(box: Toolbox) -> None:
    text = await _ok(box, "bash", command="echo out; echo err >&2; ls /no/such/dir")
    assert text.startswith("out\nerr\n")
    assert "No such file" in text
    assert text.endswith("[exit code: 2]")


async def test_bash_unterminated_last_line(box: Toolbox) -> None:
    assert await _ok(box, "bash", command="printf abc") == "abc"
    assert await _ok(box, "bash", command="printf 'x\\ny'") == "x\ny"
    assert await _ok(box, "bash", command="echo next") == "next"


async def test_bash_syntax_error_does_not_wedge_shell(box: Toolbox) -> None:
    text = await _ok(box, "bash", command='echo "unterminated', timeout_ms=5000)
    assert "[exit code: 2]" in text
    text = await _ok(box, "bash", command="if then fi", timeout_ms=5000)
    assert "syntax error" in text
    assert await _ok(box, "bash", command="echo still here") == "still here"


async def test_bash_stdin_is_empty(box: Toolbox) -> None:
    # `cat` must not read the shell's own input (the sentinel line) and hang.
    assert await _ok(box, "bash", command="cat", timeout_ms=5000) == "(no output)"
    assert await _ok(box, "bash", command="read line || echo eof") == "eof"


async def test_bash_multiline_command(box: Toolbox) -> None:
    command = "for i in 1 2 3; do\n  echo \"n=$i\"\ndone\ncat <<'EOF'\nliteral $HOME\nEOF"
    assert await _ok(box, "bash", command=command) == "n=1\nn=2\nn=3\nliteral $HOME"


async def test_bash_does_not_leak_server_environment(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SESSIOND_TEST_SECRET", "s3cret")
    box = Toolbox(ws)
    try:
        assert await _ok(box, "bash", command='echo "[${SESSIOND_TEST_SECRET:-}]"') == "[]"
        assert await _ok(box, "bash", command='test -n "$PATH" && echo has-path') == "has-path"
    finally:
        await box.close()


async def test_bash_timeout_kills_and_next_call_works(box: Toolbox, ws: Workspace) -> None:
    pidfile = ws.root / "pid"
    started = time.monotonic()
    out = await box.run(
        "bash", {"command": f"sleep 30 & echo $! > {pidfile}; wait", "timeout_ms": 500}
    )
    elapsed = time.monotonic() - started
    assert out.is_error
    assert "timed out after 500 ms" in out.text
    assert elapsed < 5
    pids = _pids(pidfile, 1)
    assert pids is not None
    await _until(lambda: not _alive(pids[0]), "the timed-out sleep to die")
    assert await _ok(box, "bash", command="echo recovered") == "recovered"


async def test_bash_timeout_keeps_partial_output(box: Toolbox) -> None:
    out = await box.run("bash", {"command": "echo before; sleep 30", "timeout_ms": 300})
    assert out.is_error
    assert out.text.startswith("before\n")


async def test_bash_timeout_is_capped_by_max(ws: Workspace) -> None:
    box = Toolbox(ws, default_timeout_ms=100000, max_timeout_ms=300)
    try:
        out = await box.run("bash", {"command": "sleep 30", "timeout_ms": 50000})
        assert out.is_error
        assert "timed out after 300 ms" in out.text
    finally:
        await box.close()


async def test_bash_cancellation_kills_process_tree(box: Toolbox, ws: Workspace) -> None:
    pidfile = ws.root / "pids"
    command = (
        f"echo $$ >> {pidfile}; "
        f"bash -c 'sleep 300 & echo $! >> {pidfile}; echo $$ >> {pidfile}; sleep 300'"
    )
    task = asyncio.create_task(box.run("bash", {"command": command}))
    await _until(lambda: _pids(pidfile, 3) is not None, "the command to record its pids")
    pids = _pids(pidfile, 3)
    assert pids is not None
    shell_pid, grandchild_pid, child_pid = pids
    assert all(_alive(p) for p in pids)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await _until(lambda: not any(_alive(p) for p in pids), "shell, child and grandchild to die")
    assert not _alive(shell_pid) and not _alive(child_pid) and not _alive(grandchild_pid)
    # The toolbox is still usable: a fresh shell starts.
    assert await _ok(box, "bash", command="echo fresh") == "fresh"


async def test_bash_restart(box: Toolbox) -> None:
    await _ok(box, "bash", command="export KEEP=1; cd /")
    old_pid = box.shell_pid
    assert await _ok(box, "bash", restart=True) == "bash session restarted"
    assert box.shell_pid != old_pid
    text = await _ok(box, "bash", command='echo "[${KEEP:-}]"; pwd')
    assert text == f"[]\n{box.workspace.root}"
    assert old_pid is not None
    await _until(lambda: not _alive(old_pid), "the old shell to die")


async def test_bash_restart_with_command(box: Toolbox) -> None:
    await _ok(box, "bash", command="export KEEP=1")
    assert await _ok(box, "bash", command='echo "[${KEEP:-}]"', restart=True) == "[]"


async def test_bash_shell_exit_is_recovered(box: Toolbox) -> None:
    text = await _ok(box, "bash", command="echo bye; exit 7")
    assert text.startswith("bye\n")
    assert "exited with code 7" in text
    assert await _ok(box, "bash", command="echo again") == "again"


async def test_bash_output_truncated(ws: Workspace) -> None:
    box = Toolbox(ws, max_output_chars=1000)
    try:
        text = await _ok(box, "bash", command="head -c 100000 /dev/zero | tr '\\0' a")
        assert text.startswith("a" * 1000 + "\n[output truncated: 99000 more characters]")
        assert len(text) < 1100
        small = await _ok(box, "bash", command="head -c 1500 /dev/zero | tr '\\0' b; echo")
        assert small == "b" * 1000 + "\n[output truncated: 500 more characters]"
        assert await _ok(box, "bash", command="echo small") == "small"
    finally:
        await box.close()


async def test_bash_large_output_does_not_hang(box: Toolbox) -> None:
    text = await _ok(box, "bash", command="head -c 5000000 /dev/urandom | base64")
    assert "[output truncated:" in text


async def test_bash_close_kills_background_jobs(ws: Workspace) -> None:
    box = Toolbox(ws)
    await _ok(box, "bash", command="sleep 300 & echo $! > bg.pid")
    pids = _pids(ws.root / "bg.pid", 1)
    assert pids is not None and _alive(pids[0])
    await box.close()
    await _until(lambda: not _alive(pids[0]), "the background job to die")
    assert (await box.run("bash", {"command": "echo hi"})).is_error


async def test_bash_requires_command_or_restart(box: Toolbox) -> None:
    assert "command is required" in await _err(box, "bash", {})
    assert "timeout_ms" in await _err(box, "bash", {"command": "true", "timeout_ms": -1})
    assert "timeout_ms" in await _err(box, "bash", {"command": "true", "timeout_ms": True})


async def test_bash_timeout_zero_means_default(box: Toolbox) -> None:
    assert await _ok(box, "bash", command="echo ok", timeout_ms=0) == "ok"


async def test_bash_calls_do_not_block_the_loop(box: Toolbox, ws: Workspace) -> None:
    flag = ws.root / "flag"
    task = asyncio.create_task(
        box.run("bash", {"command": "while [ ! -e flag ]; do sleep 0.01; done; echo seen"})
    )
    # If the loop were blocked this coroutine could not run while the command waits.
    await asyncio.to_thread(flag.write_text, "x")
    out = await asyncio.wait_for(task, DEADLINE_S)
    assert out.text == "seen"


# -- workspace / path escapes -------------------------------------------------------------


def test_workspace_resolve(ws: Workspace, tmp_path: Path) -> None:
    assert ws.resolve("a/b.txt") == ws.root / "a" / "b.txt"
    assert ws.resolve(str(ws.root / "x")) == ws.root / "x"
    assert ws.resolve(".") == ws.root
    assert ws.resolve("a/../b") == ws.root / "b"
    for bad in ("../x", "/etc/passwd", str(tmp_path), "a/../../x"):
        with pytest.raises(ToolInputError, match="outside the workspace"):
            ws.resolve(bad)
    # Paths map lexically; symlinks are refused when a file is opened (below).


async def test_file_tools_refuse_escapes(box: Toolbox, ws: Workspace, tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("top secret\n")
    (ws.root / "link.txt").symlink_to(outside)
    (ws.root / "linkdir").symlink_to(tmp_path)
    refused = re.compile("outside the workspace|do not follow symlinks")
    for path in ("../secret.txt", str(outside), "link.txt", "linkdir/secret.txt"):
        assert refused.search(await _err(box, "read", {"file_path": path}))
        assert refused.search(await _err(box, "write", {"file_path": path, "content": "pwned"}))
        assert refused.search(
            await _err(box, "edit", {"file_path": path, "old_string": "top", "new_string": "x"})
        )
    assert outside.read_text() == "top secret\n"
    assert "outside the workspace" in await _err(box, "glob", {"pattern": "*", "path": ".."})
    assert "outside the workspace" in await _err(box, "glob", {"pattern": "../*"})
    assert "outside the workspace" in await _err(box, "grep", {"pattern": "x", "path": "/etc"})
    # grep does not follow a symlink out of the workspace either.
    assert (await _ok(box, "grep", pattern="top")).startswith("No matches")


# -- read ---------------------------------------------------------------------------------


async def test_read_numbers_lines(box: Toolbox, ws: Workspace) -> None:
    (ws.root / "f.txt").write_text("alpha\nbeta\n")
    assert await _ok(box, "read", file_path="f.txt") == "     1\talpha\n     2\tbeta"


async def test_read_view_range(box: Toolbox, ws: Workspace) -> None:
    (ws.root / "f.txt").write_text("".join(f"line {i}\n" for i in range(1, 11)))
    text = await _ok(box, "read", file_path="f.txt", view_range=[3, 5])
    assert text == "     3\tline 3\n     4\tline 4\n     5\tline 5"
    text = await _ok(box, "read", file_path=str(ws.root / "f.txt"), view_range=[9, -1])
    assert text == "     9\tline 9\n    10\tline 10"
    text = await _ok(box, "read", file_path="f.txt", view_range=[10, 0])
    assert text == "    10\tline 10"
    assert "beyond the end" in await _err(
        box, "read", {"file_path": "f.txt", "view_range": [11, -1]}
    )
    assert "before its start" in await _err(
        box, "read", {"file_path": "f.txt", "view_range": [5, 3]}
    )
    assert "at least 2" in await _err(box, "read", {"file_path": "f.txt", "view_range": [1]})
    assert "view_range" in await _err(box, "read", {"file_path": "f.txt", "view_range": [0, 2]})


async def test_read_missing_directory_binary(box: Toolbox, ws: Workspace) -> None:
    assert "not found" in await _err(box, "read", {"file_path": "nope.txt"})
    (ws.root / "dir").mkdir()
    assert "is a directory" in await _err(box, "read", {"file_path": "dir"})
    (ws.root / "blob.bin").write_bytes(b"\x7fELF\x00\x01\x02")
    assert "binary" in await _err(box, "read", {"file_path": "blob.bin"})


async def test_read_empty_file(box: Toolbox, ws: Workspace) -> None:
    (ws.root / "empty").write_text("")
    assert "empty" in await _ok(box, "read", file_path="empty")


async def test_read_truncates(ws: Workspace) -> None:
    (ws.root / "big.txt").write_text("".join(f"{i:04}\n" for i in range(1, 1001)))
    box = Toolbox(ws, max_output_chars=200)
    text = await _ok(box, "read", file_path="big.txt")
    assert text.startswith("     1\t0001\n")
    assert "[output truncated: lines" in text
    assert "-1000 not shown" in text
    assert len(text) < 300
    long_line = "z" * 5000
    (ws.root / "long.txt").write_text(long_line + "\n")
    box = Toolbox(ws)
    text = await _ok(box, "read", file_path="long.txt")
    assert "line truncated: 3000 more characters" in text


# -- write / edit -------------------------------------------------------------------------


async def test_write_read_roundtrip(box: Toolbox, ws: Workspace) -> None:
    content = "first\nsecond ünïcödé\n\tindented"
    assert "Created" in await _ok(box, "write", file_path="deep/er/f.txt", content=content)
    assert (ws.root / "deep/er/f.txt").read_text() == content
    text = await _ok(box, "read", file_path="deep/er/f.txt")
    assert text == "     1\tfirst\n     2\tsecond ünïcödé\n     3\t\tindented"
    assert "Updated" in await _ok(box, "write", file_path="deep/er/f.txt", content="new")
    assert (ws.root / "deep/er/f.txt").read_text() == "new"
    # The shell sees what the file tools wrote.
    assert await _ok(box, "bash", command="cat deep/er/f.txt") == "new"


async def test_write_to_directory_fails(box: Toolbox, ws: Workspace) -> None:
    (ws.root / "d").mkdir()
    assert "directory" in await _err(box, "write", {"file_path": "d", "content": "x"})


async def test_edit_unique(box: Toolbox, ws: Workspace) -> None:
    f = ws.root / "code.py"
    f.write_text("def f():\n    return 1\n")
    text = await _ok(box, "edit", file_path="code.py", old_string="return 1", new_string="return 2")
    assert "replaced 1 occurrence" in text
    assert f.read_text() == "def f():\n    return 2\n"


async def test_edit_not_found_multiple_replace_all(box: Toolbox, ws: Workspace) -> None:
    f = ws.root / "t.txt"
    f.write_text("a x a x a\n")
    args = {"file_path": "t.txt", "old_string": "zzz", "new_string": "y"}
    assert "not found" in await _err(box, "edit", args)
    args = {"file_path": "t.txt", "old_string": "a", "new_string": "b"}
    assert "occurs 3 times" in await _err(box, "edit", args)
    assert f.read_text() == "a x a x a\n"
    assert "replaced 3 occurrences" in await _ok(box, "edit", **args, replace_all=True)
    assert f.read_text() == "b x b x b\n"
    same = {"file_path": "t.txt", "old_string": "x", "new_string": "x"}
    assert "identical" in await _err(box, "edit", same)
    empty = {"file_path": "t.txt", "old_string": "", "new_string": "x"}
    assert "empty" in await _err(box, "edit", empty)
    missing = {"file_path": "none.txt", "old_string": "a", "new_string": "b"}
    assert "not found" in await _err(box, "edit", missing)


# -- glob ---------------------------------------------------------------------------------


def _touch(path: Path, mtime: float, text: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.utime(path, (mtime, mtime))


async def test_glob(box: Toolbox, ws: Workspace) -> None:
    now = time.time()
    _touch(ws.root / "a.py", now - 300)
    _touch(ws.root / "src/b.py", now - 100)
    _touch(ws.root / "src/pkg/c.py", now - 200)
    _touch(ws.root / "src/readme.md", now - 50)
    _touch(ws.root / ".git/hooks/x.py", now)
    text = await _ok(box, "glob", pattern="**/*.py")
    assert text.splitlines() == ["src/b.py", "src/pkg/c.py", "a.py"]
    assert await _ok(box, "glob", pattern="*.py") == "a.py"
    assert await _ok(box, "glob", pattern="src/*.py") == "src/b.py"
    text = await _ok(box, "glob", pattern="*.{py,md}", path="src")
    assert text.splitlines() == ["src/readme.md", "src/b.py"]
    text = await _ok(box, "glob", pattern=str(ws.root / "src/**/c.py"))
    assert text == "src/pkg/c.py"
    os.utime(ws.root / "src/pkg", (now - 400, now - 400))
    text = await _ok(box, "glob", pattern="src/*")
    assert text.splitlines() == ["src/readme.md", "src/b.py", "src/pkg/"]
    assert "No files match" in await _ok(box, "glob", pattern="**/*.rs")
    assert "not a directory" in await _err(box, "glob", {"pattern": "*", "path": "a.py"})


async def test_glob_capped(ws: Workspace) -> None:
    for i in range(50):
        (ws.root / f"file{i:02}.txt").write_text("")
    box = Toolbox(ws, max_output_chars=100)
    text = await _ok(box, "glob", pattern="*.txt")
    assert "[results truncated:" in text
    assert "more matches not shown" in text


# -- grep ---------------------------------------------------------------------------------


async def test_grep(box: Toolbox, ws: Workspace) -> None:
    _touch(ws.root / "a.txt", time.time(), "hello world\nnothing\nHello again\n")
    _touch(ws.root / "sub/b.py", time.time(), "x = 'hello'\n")
    (ws.root / "bin.dat").write_bytes(b"hello\x00binary")
    text = await _ok(box, "grep", pattern="hello")
    assert text.splitlines() == ["a.txt:1:hello world", "sub/b.py:1:x = 'hello'"]
    text = await _ok(box, "grep", pattern="(?i)^hello")
    assert text.splitlines() == ["a.txt:1:hello world", "a.txt:3:Hello again"]
    assert await _ok(box, "grep", pattern="hel+o", path="sub") == "sub/b.py:1:x = 'hello'"
    assert await _ok(box, "grep", pattern="again", path="a.txt") == "a.txt:3:Hello again"
    assert "No matches" in await _ok(box, "grep", pattern="absent")
    assert "invalid regular expression" in await _err(box, "grep", {"pattern": "(unclosed"})
    assert "not found" in await _err(box, "grep", {"pattern": "x", "path": "nope"})


async def test_grep_capped(ws: Workspace) -> None:
    (ws.root / "many.txt").write_text("match\n" * 500)
    box = Toolbox(ws, max_output_chars=200)
    text = await _ok(box, "grep", pattern="match")
    assert text.startswith("many.txt:1:match\n")
    assert "[results truncated after" in text


# -- bad input ----------------------------------------------------------------------------


async def test_bad_input_is_an_error_result(box: Toolbox) -> None:
    assert "unknown tool 'frobnicate'" in await _err(box, "frobnicate", {})
    assert "missing required field 'file_path'" in await _err(box, "read", {})
    assert "missing required field 'content'" in await _err(box, "write", {"file_path": "x"})
    text = await _err(box, "read", {"file_path": 42})
    assert "'file_path' must be a string, got integer" in text
    assert "must be an array" in await _err(box, "read", {"file_path": "x", "view_range": "1-2"})
    assert "must be an integer" in await _err(
        box, "read", {"file_path": "x", "view_range": [1, "2"]}
    )
    assert "unknown field 'bogus'" in await _err(box, "glob", {"pattern": "*", "bogus": 1})
    assert "must be a boolean" in await _err(
        box, "edit", {"file_path": "x", "old_string": "a", "new_string": "b", "replace_all": "y"}
    )
    assert "JSON object" in await _err(box, "bash", ["echo"])
    assert "must be a string, got null" in await _err(box, "grep", {"pattern": None})


async def test_optional_null_fields_are_ignored(box: Toolbox, ws: Workspace) -> None:
    (ws.root / "f.txt").write_text("one\n")
    assert await _ok(box, "read", file_path="f.txt", view_range=None) == "     1\tone"
    assert await _ok(box, "bash", command="echo hi", timeout_ms=None, restart=None) == "hi"


async def test_web_tools_not_configured(box: Toolbox) -> None:
    text = await _err(box, "web_fetch", {"url": "https://example.com"})
    assert text == "web_fetch is not configured on this server"
    text = await _err(box, "web_search", {"query": "x"})
    assert text == "web_search is not configured on this server"
