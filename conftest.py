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


# ---- the site's build, early ---------------------------------------------------------
# The site is built once per run (`published_site` in tests/docs/conftest.py: one strict
# build, deployed by mike as two versions), and the tests that use it used to wait for
# it. Now those tests run last, and each worker starts the build in a background thread
# at its first test, so it goes on while the unit tests run: the first worker to get
# there builds, the other's thread waits for it.

NEEDS_A_BUILD = {"site", "published"}


def needs_the_site(item: pytest.Item) -> bool:
    return bool(NEEDS_A_BUILD & set(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests that need the built site after the others, each group in its own order."""
    items.sort(key=needs_the_site)


@pytest.fixture(scope="session", autouse=True)
def build_early(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> None:
    if any(map(needs_the_site, request.session.items)):
        from tests.docs.conftest import published_site

        def build() -> None:
            try:
                published_site(tmp_path_factory)
            except BaseException:  # the fixture builds again and reports the failure
                return

        threading.Thread(target=build, name="build_early", daemon=True).start()
