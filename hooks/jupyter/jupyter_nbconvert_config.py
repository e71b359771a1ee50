"""Jupyter's configuration for the notebook that mkdocs-jupyter executes at build time.

Read through JUPYTER_CONFIG_PATH, which hooks/notebook_kernel.py sets. The kernel talks
over Unix sockets (IPC) instead of TCP: private to this user, so ipykernel has no reason
to warn on every build that its TCP traffic is unencrypted. The sockets' path is
absolute (the kernel runs in the notebook's folder) and unique to this process, since
the gate builds the site in several processes at once.
"""

import os
import tempfile

c = get_config()  # noqa: F821 (given by Jupyter's loader)
c.KernelManager.transport = "ipc"
c.KernelManager.ip = os.path.join(tempfile.gettempdir(), f"lstm-explained-kernel-{os.getpid()}")
