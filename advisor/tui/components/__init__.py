"""The TUI's widgets and view helpers, shared by the screens in advisor/tui/ (one job
each: tables, plots, panes, form fields and the text they show)."""
