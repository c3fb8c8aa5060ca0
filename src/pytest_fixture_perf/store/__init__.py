"""Store: where a run is kept outside the process (the live view, files)."""
