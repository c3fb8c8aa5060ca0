"""Collect: where records are made (the recorder's hooks, the clocks it reads)."""
