"""Command line interface (typer). Sub-commands live one per module and expose ``register(app)``."""
