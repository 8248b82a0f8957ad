"""Turn exceptions from the library into one-line, user-facing reasons."""

from __future__ import annotations


def reason(exc: BaseException) -> str:
    """The message to show: AdvisorError/ValueError text as is, anything else with its type."""
    text = str(exc).strip() or exc.__class__.__name__
    if isinstance(exc, (ValueError, FileNotFoundError, PermissionError)):
        return text
    return f"{exc.__class__.__name__}: {text}"


def is_user_error(exc: BaseException) -> bool:
    """True for problems the user can fix (bad input), False for bugs worth reporting."""
    return isinstance(exc, (ValueError, FileNotFoundError, PermissionError))
