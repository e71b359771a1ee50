"""Root conftest: load the plugin that checks each documentation snippet's printed output
(it must load before pytest collects docs/, so it is registered here at the rootdir), and
start the site's builds before the tests that need them.
"""

import os
import threading

import pytest

from lstm_explained.frameworks.keras_adapter import TENSORFLOW_ENV

# Snippets import Keras directly: the same quiet start-up and float32 order as the package's
# import_keras, for this process and every one it starts (fresh-process snippets, builds).
for _name, _value in TENSORFLOW_ENV.items():
    os.environ.setdefault(_name, _value)

pytest_plugins = ["tests.docs.snippets"]


# ---- the site's builds, early --------------------------------------------------------
# The strict build and the mike deployment (three builds) are made once per run, and the
# tests that use them used to wait for them: on two workers, one built while the other
# sat blocked on its lock. Now those tests run last, and each worker starts the builds in
# a background thread at its first test, the two workers in opposite orders so the
# builds go on side by side while the unit tests run.

NEEDS_A_BUILD = {"site", "published"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests that need a built site after the others, each group in its own order."""
    items.sort(key=lambda item: bool(NEEDS_A_BUILD & set(getattr(item, "fixturenames", ()))))


@pytest.fixture(scope="session", autouse=True)
def build_early(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> None:
    needed = {
        name
        for item in request.session.items
        for name in NEEDS_A_BUILD & set(getattr(item, "fixturenames", ()))
    }
    if needed:
        from tests.docs.conftest import built_site, published_site

        makers = {"site": built_site, "published": published_site}
        order = sorted(needed, reverse=os.environ.get("PYTEST_XDIST_WORKER") == "gw1")

        def build() -> None:
            for name in order:
                try:
                    makers[name](tmp_path_factory)
                except BaseException:  # the fixture builds again and reports the failure
                    return

        threading.Thread(target=build, name="build_early", daemon=True).start()
