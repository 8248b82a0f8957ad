"""The user-facing error base class and the catalog's own error.

They live here, not in ``advisor.errors``, because the catalog may not import the advisor
(import-linter contract). ``advisor.errors`` re-exports both, so there is one class each:
``advisor.errors.AdvisorError is catalog.errors.AdvisorError``.
"""


class AdvisorError(ValueError):
    """A problem with the user's input or environment.

    The CLI prints the message and exits with status 2; library callers can catch
    ``ValueError``. Messages name the problem and the fix.
    """


class CatalogError(AdvisorError):
    """A catalog entry or file is missing or malformed."""
