"""Root conftest: load the plugin that checks each documentation snippet's printed output.

It must load before pytest collects docs/, so it is registered here at the rootdir.
"""

import os

# Keep TensorFlow's start-up logging out of the gate's output (snippets import Keras).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

pytest_plugins = ["tests.docs.snippets"]
