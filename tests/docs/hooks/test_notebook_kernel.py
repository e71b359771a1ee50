"""hooks/notebook_kernel.py: the notebook's kernel on a local socket, not TCP."""

from __future__ import annotations

import os

from tests.docs.hooks.loader import HOOKS, load_fresh


def test_loading_the_hook_puts_its_jupyter_config_first(monkeypatch):
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", "/elsewhere")
    load_fresh("notebook_kernel")
    folders = os.environ["JUPYTER_CONFIG_PATH"].split(os.pathsep)
    if os.name == "posix":
        assert folders == [str(HOOKS / "jupyter"), "/elsewhere"]
    else:  # ZeroMQ has no IPC transport on Windows: the hook leaves the path alone
        assert folders == ["/elsewhere"]
    config = (HOOKS / "jupyter" / "jupyter_nbconvert_config.py").read_text("utf8")
    assert 'c.KernelManager.transport = "ipc"' in config
