"""The installed layout: everything under the one namespace ``sessiond``."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _configured() -> tuple[set[str], dict[str, str]]:
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    return set(conf["packages"]), dict(conf["package-dir"])


def test_every_package_folder_is_listed() -> None:
    packages, dirs = _configured()
    found = set()
    for name, folder in dirs.items():
        base = ROOT / folder
        for init in base.rglob("__init__.py"):
            rel = init.parent.relative_to(base)
            dotted = ".".join((name, *rel.parts)) if rel.parts else name
            # A sub-folder that is mapped on its own is found under its own name.
            if not any(
                dotted.startswith(other + ".") or dotted == other
                for other in dirs
                if other != name and other.startswith(name + ".")
            ):
                found.add(dotted)
    assert found == packages, f"pyproject.toml [tool.setuptools] packages: {found ^ packages}"


def test_wheel_puts_only_sessiond_at_the_top(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("sessiond-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert top == {"sessiond"}
    for module in (
        "sessiond/core/server.py",
        "sessiond/edge/app.py",
        "sessiond/cli/main.py",
        "sessiond/v1/event_pb2.py",
        "sessiond/core/store/migrations/versions/0001_initial.py",
    ):
        assert module in names
