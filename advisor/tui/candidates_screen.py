"""Step 2: the catalog as a filterable table; space toggles candidates for scoring."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Label, Select

from advisor.errors import user_message
from advisor.features.layers import LAYER_MODES
from advisor.tui.components.form_input import FormInput
from advisor.tui.components.step_bar import StepBar
from catalog import availability as entry_availability

AVAILABILITIES = ("offline", "local", "cached", "download", "missing")
READY = ("offline", "local", "cached")  # usable with no network: the default selection
COLUMNS = (
    ("pick", "✓"),
    ("id", "candidate"),
    ("availability", "availability"),
    ("params", "params M"),
    ("gmacs", "GMACs"),
    ("top1", "IN top-1"),
    ("pretraining", "pretrained on"),
    ("licence", "licence"),
    ("modality", "modality"),
)


def _number(value, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def default_selection(entries, availability: dict[str, str], modality: str | None) -> list[str]:
    """The candidates usable right now (offline package, local file or cached) for the data."""
    return [
        e.id
        for e in entries
        if (modality is None or e.modality == modality) and availability.get(e.id) in READY
    ]


class CandidatesScreen(Screen):
    """The catalog, filterable by modality, parameter budget, licence and availability."""

    BINDINGS = [
        Binding("space", "toggle", "Toggle", key_display="space"),
        Binding("a", "select_shown", "Select shown"),
        Binding("x", "clear", "Clear"),
        Binding("d", "defaults", "Defaults"),
        Binding("slash", "focus_search", "Filter"),
        # the status line names the mode and the key; the footer keeps room for "s Score"
        Binding("l", "cycle_layers", "Layers", show=False),
        Binding("s", "app.start_scoring", "Score selected"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._availability: dict[str, str] = {}
        self._shown_modality: str | None = "unset"

    def compose(self) -> ComposeResult:
        yield StepBar("candidates")
        with Horizontal(id="cand-filters"):
            yield Select(
                [("image", "image"), ("text", "text")], prompt="any modality", id="filter-modality"
            )
            yield FormInput(placeholder="max params (M)", type="number", id="filter-params")
            yield Select([], prompt="any licence", id="filter-licence")
            yield Select(
                [(a, a) for a in AVAILABILITIES], prompt="availability", id="filter-availability"
            )
            yield FormInput(placeholder="search id / family  (/)", id="filter-query")
        yield DataTable(id="cand-table", cursor_type="row", zebra_stripes=True)
        yield Label("", id="cand-status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#cand-table", DataTable)
        for key, title in COLUMNS:
            table.add_column(title, key=key)
        catalog = self.app.catalog()
        if catalog is None:
            return
        for entry in catalog:
            try:
                self._availability[entry.id] = entry_availability(entry)
            except Exception as exc:  # a broken user entry must not hide the others
                self._availability[entry.id] = f"error: {user_message(exc)}"
        licences = sorted({e.licence for e in catalog})
        self.query_one("#filter-licence", Select).set_options([(x, x) for x in licences])
        table.focus()

    def on_screen_resume(self) -> None:
        session = self.app.session
        if session.catalog is None:
            return
        modality = session.modality
        if modality != self._shown_modality:
            # New data: show its modality and start from the usable candidates.
            self._shown_modality = modality
            select = self.query_one("#filter-modality", Select)
            if modality in ("image", "text"):
                select.value = modality
            if not session.selected or any(
                session.catalog.get(cid).modality != modality for cid in session.selected
            ):
                session.selected = default_selection(session.catalog, self._availability, modality)
        self.refill()

    # ---- filters --------------------------------------------------------------------------

    def current_filter(self) -> dict:
        def chosen(selector: str):
            select = self.query_one(selector, Select)
            return None if select.is_blank() else select.value

        params_text = self.query_one("#filter-params", Input).value.strip()
        try:
            max_params = float(params_text) if params_text else None
        except ValueError:
            max_params = None
        if max_params is not None and max_params <= 0:
            max_params = None  # a half-typed number; the filter waits for a positive one
        query = self.query_one("#filter-query", Input).value.strip() or None
        return {
            "modality": chosen("#filter-modality"),
            "max_params_m": max_params,
            "licence": chosen("#filter-licence"),
            "availability": chosen("#filter-availability"),
            "query": query,
        }

    def shown_entries(self):
        catalog = self.app.session.catalog
        if catalog is None:
            return []
        return list(catalog.filter(**self.current_filter()))

    @on(Select.Changed)
    @on(Input.Changed)
    def _filters_changed(self) -> None:
        if self.is_mounted:
            self.refill()

    def refill(self) -> None:
        table = self.query_one("#cand-table", DataTable)
        cursor_key = self._cursor_key()
        table.clear()
        selected = set(self.app.session.selected)
        for entry in self.shown_entries():
            availability = self._availability.get(entry.id, "?")
            style = (
                "green" if availability in READY else ("red" if "error" in availability else "dim")
            )
            table.add_row(
                Text("✓" if entry.id in selected else " ", style="b green"),
                entry.id,
                Text(availability, style=style),
                _number(entry.params_m),
                _number(entry.gmacs, 2),
                _number(entry.imagenet_top1),
                entry.pretraining_data,
                entry.licence,
                entry.modality,
                key=entry.id,
            )
        if cursor_key is not None and cursor_key in table.rows:
            table.move_cursor(row=table.get_row_index(cursor_key))
        self._update_status()

    def _cursor_key(self) -> str | None:
        table = self.query_one("#cand-table", DataTable)
        if table.row_count == 0:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def _update_status(self) -> None:
        session = self.app.session
        shown = self.query_one("#cand-table", DataTable).row_count
        total = len(session.catalog) if session.catalog is not None else 0
        need = sum(self._availability.get(c) == "download" for c in session.selected)
        text = f"{len(session.selected)} selected · {shown} of {total} shown"
        if need:
            text += f" · {need} selected need a download (no network here: they will fail)"
        text += f" · layers: {session.layers} (l: {'/'.join(LAYER_MODES)})"
        if session.data is None:
            text += " · load data first (1)"
        self.query_one("#cand-status", Label).update(text)

    def action_cycle_layers(self) -> None:
        """The layer mode of the next scoring: the last layer, the layer mean, the best layer."""
        session = self.app.session
        session.layers = LAYER_MODES[(LAYER_MODES.index(session.layers) + 1) % len(LAYER_MODES)]
        self._update_status()

    # ---- selection ------------------------------------------------------------------------

    def _set_selected(self, ids: list[str]) -> None:
        order = {e.id: i for i, e in enumerate(self.app.session.catalog)}
        self.app.session.selected = sorted(set(ids), key=lambda c: order.get(c, 1 << 30))
        table = self.query_one("#cand-table", DataTable)
        chosen = set(self.app.session.selected)
        for row_key in table.rows:
            table.update_cell(
                row_key, "pick", Text("✓" if row_key.value in chosen else " ", style="b green")
            )
        self._update_status()

    def action_toggle(self) -> None:
        key = self._cursor_key()
        if key is None:
            return
        selected = set(self.app.session.selected)
        selected.symmetric_difference_update({key})
        self._set_selected(list(selected))

    @on(DataTable.RowSelected, "#cand-table")
    def _row_selected(self) -> None:
        self.action_toggle()

    def action_select_shown(self) -> None:
        self._set_selected(self.app.session.selected + [e.id for e in self.shown_entries()])

    def action_clear(self) -> None:
        self._set_selected([])

    def action_defaults(self) -> None:
        session = self.app.session
        self._set_selected(default_selection(session.catalog, self._availability, session.modality))

    @on(Input.Submitted, "#filter-query, #filter-params")
    def _filter_submitted(self) -> None:
        self.query_one("#cand-table", DataTable).focus()  # enter: back to picking

    def action_focus_search(self) -> None:
        self.query_one("#filter-query", Input).focus()
