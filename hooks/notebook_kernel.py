"""MkDocs hook: run the notebook's kernel over a local socket, not TCP.

mkdocs-jupyter executes the notebook at every build, through nbconvert, which reads
Jupyter's config files. Loading this hook puts hooks/jupyter/ first on
JUPYTER_CONFIG_PATH, whose config selects the IPC transport (see the file for why).
"""

from __future__ import annotations

import os
from pathlib import Path

if os.name == "posix":  # ZeroMQ has no IPC transport on Windows; TCP stays there
    _CONFIG = str(Path(__file__).parent / "jupyter")
    _OTHERS = os.environ.get("JUPYTER_CONFIG_PATH")
    os.environ["JUPYTER_CONFIG_PATH"] = os.pathsep.join([_CONFIG, *([_OTHERS] if _OTHERS else [])])
