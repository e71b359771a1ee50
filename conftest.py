"""Root conftest: load the plugin that checks each documentation snippet's printed output.

It must load before pytest collects docs/, so it is registered here at the rootdir.
"""

import os

from lstm_explained.keras_adapter import TENSORFLOW_ENV

# Snippets import Keras directly: the same quiet start-up and float32 order as the package's
# import_keras, for this process and every one it starts (fresh-process snippets, builds).
for _name, _value in TENSORFLOW_ENV.items():
    os.environ.setdefault(_name, _value)

pytest_plugins = ["tests.docs.snippets"]
