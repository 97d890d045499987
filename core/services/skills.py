"""Skills: bundles with a SKILL.md whose front matter names and describes them.

docs "Skills" (managed-agents/skills): at most 20 skills per session; the
bundle layout and SKILL.md front matter (``name``, ``description``) follow
"Agent Skills" (agents-and-tools/agent-skills/overview).
"""

from __future__ import annotations

import asyncio
import io
import posixpath
import re
import zipfile
from collections.abc import Sequence

from sessiond.core import errors, ids
from sessiond.core.services.common import decode_page, encode_page, page_size, require
from sessiond.core.store.base import Scope
from sessiond.core.store.skills import Bundle, SkillStore
from sessiond.core.timeutil import from_timestamp, now_us, to_timestamp
from sessiond.v1 import skill_pb2

MAX_SKILLS_PER_SESSION = 20
MAX_BUNDLE_BYTES = 30 * 1024 * 1024
MAX_NAME = 64
MAX_DESCRIPTION = 1024
DEFAULT_PAGE = 20
MAX_PAGE = 100
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def front_matter(text: str) -> dict[str, str]:
    """The ``key: value`` lines between the leading ``---`` fences of SKILL.md."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise errors.InvalidArgument("SKILL.md must start with a --- front matter block.")
    out: dict[str, str] = {}
    for line in lines[1:]:
        if line.strip() == "---":
            return out
        key, sep, value = line.partition(":")
        if sep and not line.startswith((" ", "\t")):
            out[key.strip()] = value.strip().strip("'\"")
    raise errors.InvalidArgument("SKILL.md's front matter has no closing ---.")


def pack(files: Sequence[skill_pb2.SkillFile]) -> tuple[str, str, str, bytes]:
    """Checks a bundle: (directory, name, description, zip archive)."""
    if not files:
        raise errors.InvalidArgument("files: upload the skill's files, SKILL.md among them.")
    paths = [posixpath.normpath(f.path.lstrip("/")) for f in files]
    if any(p.startswith("..") or p == "." for p in paths):
        raise errors.InvalidArgument("files: paths must stay inside the skill's directory.")
    tops = {p.split("/", 1)[0] for p in paths}
    nested = all("/" in p for p in paths) and len(tops) == 1
    directory = tops.pop() if nested else ""
    rel = [p.split("/", 1)[1] if nested else p for p in paths]
    if "SKILL.md" not in rel:
        raise errors.InvalidArgument("files: a SKILL.md at the top of the bundle is required.")
    if sum(len(f.content) for f in files) > MAX_BUNDLE_BYTES:
        raise errors.InvalidArgument(f"files: a bundle is limited to {MAX_BUNDLE_BYTES} bytes.")
    skill_md = files[rel.index("SKILL.md")].content.decode("utf-8", "replace")
    meta = front_matter(skill_md)
    name, description = meta.get("name", ""), meta.get("description", "")
    if not _NAME.match(name) or len(name) > MAX_NAME:
        raise errors.InvalidArgument(
            f"SKILL.md: name must be 1-{MAX_NAME} lowercase letters, digits and hyphens."
        )
    if not description or len(description) > MAX_DESCRIPTION:
        raise errors.InvalidArgument(
            f"SKILL.md: description must be 1-{MAX_DESCRIPTION} characters."
        )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path, f in zip(rel, files, strict=True):
            z.writestr(f"{directory or name}/{path}", f.content)
    return directory or name, name, description, buf.getvalue()


class SkillService:
    def __init__(self, store: SkillStore) -> None:
        self.store = store

    async def _version(self, skill_id: str, files: Sequence[skill_pb2.SkillFile]) -> Bundle:
        directory, name, description, archive = await asyncio.to_thread(pack, files)
        now = now_us()
        v = skill_pb2.SkillVersion(
            id=str(now), name=name, description=description, skill_id=skill_id
        )
        v.created_at.CopyFrom(to_timestamp(now))
        return Bundle(v, directory, archive)

    async def create(self, req: skill_pb2.CreateSkillRequest, ws: str) -> skill_pb2.SkillResource:
        skill_id = ids.new_id("skill")
        bundle = await self._version(skill_id, req.files)
        s = skill_pb2.SkillResource(
            id=skill_id,
            display_name=req.display_name if req.HasField("display_name") else bundle.version.name,
            latest_version_id=bundle.version.id,
        )
        s.source.type = "custom"
        s.created_at.CopyFrom(bundle.version.created_at)
        s.updated_at.CopyFrom(bundle.version.created_at)
        await self.store.insert(s, bundle, ws, new=True)
        return s

    async def get(self, skill_id: str, ws: Scope) -> skill_pb2.SkillResource:
        return await self.store.get(require(skill_id, "skill_id"), ws)

    async def list_skills(
        self, req: skill_pb2.ListSkillsRequest, ws: Scope
    ) -> tuple[list[skill_pb2.SkillResource], str]:
        if req.source and req.source != "custom":
            return [], ""
        limit = page_size(req.page_size, DEFAULT_PAGE, MAX_PAGE)
        found, more = await self.store.page(limit, decode_page(req.page_token), ws)
        token = encode_page([from_timestamp(found[-1].created_at), found[-1].id]) if more else ""
        return found, token

    async def delete(self, skill_id: str, ws: Scope) -> None:
        await self.store.delete(require(skill_id, "skill_id"), ws)

    async def create_version(
        self, req: skill_pb2.CreateSkillVersionRequest, ws: str
    ) -> skill_pb2.SkillVersion:
        s = await self.get(req.skill_id, ws)
        bundle = await self._version(s.id, req.files)
        s.latest_version_id = bundle.version.id
        s.updated_at.CopyFrom(bundle.version.created_at)
        await self.store.insert(s, bundle, ws, new=False)
        return bundle.version

    async def get_version(self, skill_id: str, version: str, ws: Scope) -> Bundle:
        return await self.store.bundle(
            require(skill_id, "skill_id"), require(version, "version"), ws
        )

    async def list_versions(
        self, req: skill_pb2.ListSkillVersionsRequest, ws: Scope
    ) -> tuple[list[skill_pb2.SkillVersion], str]:
        await self.get(req.skill_id, ws)
        limit = page_size(req.page_size, DEFAULT_PAGE, MAX_PAGE)
        found, more = await self.store.versions(
            req.skill_id, limit, decode_page(req.page_token), ws
        )
        token = encode_page([from_timestamp(found[-1].created_at), found[-1].id]) if more else ""
        return found, token

    async def delete_version(self, skill_id: str, version: str, ws: Scope) -> None:
        await self.store.delete_version(
            require(skill_id, "skill_id"), require(version, "version"), ws
        )
