"""Formula-injection neutralisation of text cells written to spreadsheets.

A spreadsheet program reads a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some
programs, a tab or carriage return) as a formula, so a name typed as ``=cmd|' /C calc'!A0`` would
run when a county officer opens the export. Every *text* cell that starts with one of these is
written with a leading apostrophe (``'``), which Excel and WPS show as the text itself.

Numbers are written as numbers and never neutralised, so ``-120.50`` stays a number. A reader
that wants the original text back calls :func:`restore`, which removes the apostrophe only where
:func:`neutralise` put one (an apostrophe followed by one of the trigger characters).
Parquet is a typed format that spreadsheet programs do not execute: it keeps the raw text.
"""

from __future__ import annotations

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PREFIX = "'"


def neutralise(text: str) -> str:
    """``text`` made safe to open in a spreadsheet (see the module docstring)."""
    if text and text.startswith(TRIGGERS):
        return PREFIX + text
    return text


def restore(text: str) -> str:
    """The inverse of :func:`neutralise` (for importers reading our exports)."""
    if len(text) > 1 and text.startswith(PREFIX) and text[1:].startswith(TRIGGERS):
        return text[1:]
    return text
