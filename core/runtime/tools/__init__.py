"""The built-in toolset ``agent_toolset_20260401``: bash, read, write, edit, glob, grep
(web_fetch and web_search are declared but not configured on this server).

One :class:`Toolbox` per session; the turn loop calls :meth:`Toolbox.run` for
each built-in tool use and :meth:`Toolbox.close` when the session ends.
"""

from sessiond.core.runtime.tools.errors import ToolError, ToolInputError
from sessiond.core.runtime.tools.output import ToolOutput
from sessiond.core.runtime.tools.schemas import SCHEMAS, TOOLSET_TYPE
from sessiond.core.runtime.tools.toolbox import Toolbox
from sessiond.core.runtime.tools.workspace import Workspace

__all__ = [
    "SCHEMAS",
    "TOOLSET_TYPE",
    "ToolError",
    "ToolInputError",
    "ToolOutput",
    "Toolbox",
    "Workspace",
]
