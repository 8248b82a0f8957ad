from tests.helpers.threads import _one_thread  # noqa: F401  (autouse fixture)
