"""The desktop app: Qt widgets only; the engine runs in ui.engine_worker on its own thread."""
