"""User-facing errors: what went wrong and how to fix it, never a traceback.

``is_user_error`` and ``user_message`` are the one place that decides whether an exception
is the user's to fix (show the message) or a bug (show the traceback). The CLI, the TUI and
the workers all call them.
"""

# Defined in catalog (the lowest layer, which may not import advisor); one class each.
from catalog.errors import AdvisorError, CatalogError  # noqa: E402,F401


class DataError(AdvisorError):
    """The labelled data cannot be used as given."""


class ModelLoadError(AdvisorError):
    """A backbone's weights cannot be loaded (missing package, no network, corrupt file)."""


class CheckpointError(AdvisorError):
    """A fine-tuning run folder or checkpoint is missing, corrupt or in the way."""


class Cancelled(Exception):
    """Raised inside workers when the caller's cancel event is set."""


def is_user_error(exc: BaseException) -> bool:
    """True for problems the user can fix: ``AdvisorError`` and the probes' input errors.

    Any other exception (a numpy or pandas ``ValueError`` included) is a bug and keeps its
    traceback.
    """
    if isinstance(exc, AdvisorError):
        return True
    from probes.errors import ProbeInputError

    return isinstance(exc, ProbeInputError)


def user_message(exc: BaseException) -> str:
    """The one-line text shown for an exception: the message of a user error, else type: text."""
    text = str(exc).strip() or exc.__class__.__name__
    return text if is_user_error(exc) else f"{exc.__class__.__name__}: {text}"
