"""generated/ is exactly what the pinned grpcio-tools makes from proto/."""

from __future__ import annotations

import filecmp
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _load_generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("genproto", ROOT / "scripts" / "genproto.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["genproto"] = module
    spec.loader.exec_module(module)
    return module


def _files(root: Path) -> dict[str, Path]:
    return {
        str(p.relative_to(root)): p
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_generated_matches_proto(tmp_path: Path) -> None:
    _load_generator().generate(tmp_path)
    fresh, committed = _files(tmp_path), _files(ROOT / "generated")
    assert sorted(fresh) == sorted(committed), "generated/ has missing or extra files"
    stale = [name for name in fresh if not filecmp.cmp(fresh[name], committed[name], shallow=False)]
    assert not stale, f"generated/ is stale; run python scripts/genproto.py: {stale}"
