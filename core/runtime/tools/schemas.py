"""Input schemas of the ``agent_toolset_20260401`` tools, and a validator for them.

Field names follow the anthropic SDK's ``BetaManagedAgentsAgentToolset20260401*Input``
models. The validator understands exactly the JSON-schema subset used here.
"""

from __future__ import annotations

from typing import Any

from sessiond.core.runtime.tools.errors import ToolInputError

TOOLSET_TYPE = "agent_toolset_20260401"

_STRING: dict[str, Any] = {"type": "string"}

SCHEMAS: dict[str, dict[str, Any]] = {
    "bash": {
        "description": (
            "Run a command in a persistent bash shell whose working directory starts at the "
            "workspace root. State such as the current directory and exported variables "
            "persists between calls. Returns combined stdout and stderr, followed by the exit "
            "code when it is not zero. Standard input is empty, so interactive programs get "
            "end-of-file. Long output is truncated. Set restart to true to start a fresh shell."
        ),
        "input_schema": {
            "type": "object",
            "properties": {
                "command": {
                    **_STRING,
                    "description": "The command to run. Omit only when restart is true.",
                },
                "restart": {
                    "type": "boolean",
                    "description": "Kill the shell and start a new one before anything else.",
                },
                "timeout_ms": {
                    "type": "integer",
                    "minimum": 0,
                    "description": (
                        "Timeout in milliseconds; 0 or omitted means the server default. "
                        "On timeout the command and everything it started is killed."
                    ),
                },
            },
            "additionalProperties": False,
        },
    },
    "read": {
        "description": (
            "Read a text file from the workspace. Returns its lines numbered from 1, like "
            "`cat -n`. Use view_range to read part of a large file. Directories and binary "
            "files cannot be read."
        ),
        "input_schema": {
            "type": "object",
            "properties": {
                "file_path": {
                    **_STRING,
                    "description": "Path of the file, relative to the workspace root or absolute.",
                },
                "view_range": {
                    "type": "array",
                    "items": {"type": "integer"},
                    "minItems": 2,
                    "maxItems": 2,
                    "description": (
                        "[start_line, end_line], 1-based and inclusive; an end_line of 0 or "
                        "less means the end of the file."
                    ),
                },
            },
            "required": ["file_path"],
            "additionalProperties": False,
        },
    },
    "write": {
        "description": (
            "Write a file in the workspace, replacing any existing contents. Parent "
            "directories are created as needed."
        ),
        "input_schema": {
            "type": "object",
            "properties": {
                "file_path": {**_STRING, "description": "Path of the file to write."},
                "content": {**_STRING, "description": "The complete new contents of the file."},
            },
            "required": ["file_path", "content"],
            "additionalProperties": False,
        },
    },
    "edit": {
        "description": (
            "Replace text in a file. old_string must occur exactly once in the file unless "
            "replace_all is true; include enough surrounding context to make it unique. "
            "Whitespace and indentation must match exactly."
        ),
        "input_schema": {
            "type": "object",
            "properties": {
                "file_path": {**_STRING, "description": "Path of the file to edit."},
                "old_string": {**_STRING, "description": "The exact text to replace."},
                "new_string": {**_STRING, "description": "The replacement text."},
                "replace_all": {
                    "type": "boolean",
                    "description": "Replace every occurrence instead of requiring exactly one.",
                },
            },
            "required": ["file_path", "old_string", "new_string"],
            "additionalProperties": False,
        },
    },
    "glob": {
        "description": (
            "Find files and directories whose path matches a glob pattern, newest first. "
            "Supports *, ?, [abc], {a,b} and ** (any number of directories), e.g. "
            "`**/*.py`. Paths are returned relative to the workspace root; directories end "
            "with /. .git directories are skipped."
        ),
        "input_schema": {
            "type": "object",
            "properties": {
                "pattern": {**_STRING, "description": "The glob pattern, e.g. `src/**/*.ts`."},
                "path": {
                    **_STRING,
                    "description": "Directory to search under; defaults to the workspace root.",
                },
            },
            "required": ["pattern"],
            "additionalProperties": False,
        },
    },
    "grep": {
        "description": (
            "Search file contents for a regular expression (Python `re` syntax; prefix the "
            "pattern with (?i) for a case-insensitive search). Returns matching lines as "
            "path:line:text, paths relative to the workspace root. Binary files and .git "
            "directories are skipped."
        ),
        "input_schema": {
            "type": "object",
            "properties": {
                "pattern": {**_STRING, "description": "The regular expression to search for."},
                "path": {
                    **_STRING,
                    "description": ("File or directory to search; defaults to the workspace root."),
                },
            },
            "required": ["pattern"],
            "additionalProperties": False,
        },
    },
    "web_fetch": {
        "description": "Fetch the contents of a URL.",
        "input_schema": {
            "type": "object",
            "properties": {"url": {**_STRING, "description": "The URL to fetch."}},
            "required": ["url"],
            "additionalProperties": False,
        },
    },
    "web_search": {
        "description": "Search the web.",
        "input_schema": {
            "type": "object",
            "properties": {"query": {**_STRING, "description": "The search query."}},
            "required": ["query"],
            "additionalProperties": False,
        },
    },
}

_TYPE_NAMES: dict[str, str] = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "array": "an array",
    "object": "an object",
}


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _has_type(value: object, expected: str) -> bool:
    actual = _json_type(value)
    if expected == "number":
        return actual in ("integer", "number")
    return actual == expected


def _check(value: object, schema: dict[str, Any], where: str) -> None:
    expected = schema.get("type")
    if isinstance(expected, str) and not _has_type(value, expected):
        raise ToolInputError(
            f"{where} must be {_TYPE_NAMES.get(expected, expected)}, got {_json_type(value)}"
        )
    if "minimum" in schema and isinstance(value, int | float) and value < schema["minimum"]:
        raise ToolInputError(f"{where} must be at least {schema['minimum']}, got {value}")
    if expected == "array" and isinstance(value, list | tuple):
        if "minItems" in schema and len(value) < schema["minItems"]:
            raise ToolInputError(f"{where} must have at least {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            raise ToolInputError(f"{where} must have at most {schema['maxItems']} items")
        items = schema.get("items")
        if isinstance(items, dict):
            for i, item in enumerate(value):
                _check(item, items, f"{where}[{i}]")
    if expected == "object" and isinstance(value, dict):
        _check_object(value, schema, where)


def _check_object(value: dict[Any, Any], schema: dict[str, Any], where: str) -> None:
    props: dict[str, Any] = schema.get("properties", {})
    for key in schema.get("required", []):
        if key not in value:
            raise ToolInputError(f"missing required field {key!r}")
    if schema.get("additionalProperties") is False:
        unknown = sorted(str(k) for k in value if k not in props)
        if unknown:
            allowed = ", ".join(props) or "none"
            raise ToolInputError(f"unknown field {unknown[0]!r} (allowed fields: {allowed})")
    for key, sub in props.items():
        if key in value:
            _check(value[key], sub, f"field {key!r}")


def validate(name: str, input: object) -> dict[str, Any]:
    """Checks ``input`` against the schema of tool ``name``; returns a cleaned copy.

    Optional fields given as null are treated as absent.
    """
    schema = SCHEMAS[name]["input_schema"]
    if not isinstance(input, dict):
        raise ToolInputError(f"input must be a JSON object, got {_json_type(input)}")
    required = set(schema.get("required", []))
    cleaned = {k: v for k, v in input.items() if not (v is None and k not in required)}
    _check_object(cleaned, schema, "input")
    return cleaned
