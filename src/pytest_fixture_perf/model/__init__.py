"""The run as data (:class:`Run`), its counts (:class:`Totals`) and its statistics."""

from .run import FORMAT_VERSION, Definition, FormatError, Run, Worker
from .totals import Entry, Tally, Totals

__all__ = [
    "FORMAT_VERSION",
    "Definition",
    "Entry",
    "FormatError",
    "Run",
    "Tally",
    "Totals",
    "Worker",
]
