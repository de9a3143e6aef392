"""The `textae` command: its frame and commands, the measuring commands, shared flags, the files they write."""

from textae.cli.commands import build_parser, main

__all__ = ["main", "build_parser"]
