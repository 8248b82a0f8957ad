"""The Textual terminal app (the only package that imports textual)."""

from advisor.tui.app import AdvisorApp

__all__ = ["AdvisorApp"]
