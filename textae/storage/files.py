"""Files opened and written the way a shared server needs: a file to read is a regular file, opened without
following a link and without blocking (never a FIFO or a device that may not end), and files written get
the mode the user's umask allows, as any other tool's would."""

from __future__ import annotations

import csv
import errno
import io
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import IO

from textae.errors import DataError


def open_regular(path: str | Path) -> io.BufferedReader:
    """A regular file opened for reading, never through a symlink and never blocking (a FIFO or a device is
    refused, not waited on); DataError otherwise."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        raise
    except OSError as e:
        why = "it is a symbolic link" if e.errno == errno.ELOOP else e.strerror or e
        raise DataError(f"{path} cannot be read: {why}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise DataError(f"{path} is not a regular file")
    return os.fdopen(fd, "rb")


def write_atomically(path: str | Path, write: Callable[[IO[bytes]], None], sync: bool = False) -> Path:
    """Write a file whole or not at all: `write(f)` fills a temporary file beside `path`, which then replaces
    whatever `path` was (a file, a link, a FIFO alike), with the mode the umask gives; on any error, or an
    interruption, the temporary file is removed and `path` is untouched. `sync` flushes it to disk first."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            if sync:
                f.flush()
                os.fsync(f.fileno())
        give_umask_mode(Path(tmp))  # mkstemp makes it 0600; a written file is shared like any other
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text(path: str | Path, text: str) -> Path:
    """`text` as UTF-8 in `path`, whole or not at all (`write_atomically`): a report, a log, a list of lines."""
    return write_atomically(path, lambda f: f.write(text.encode("utf-8")))


def give_umask_mode(path: Path) -> None:
    """Give a file (0666) or directory (0777) the mode the user's umask allows, as any other tool would."""
    os.chmod(path, (0o777 if path.is_dir() else 0o666) & ~_umask())


def _umask() -> int:
    """The process's umask: from /proc where there is one (reading it there changes nothing, so threads
    writing files meanwhile are safe), else by setting it and putting it back at once."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# a cell a spreadsheet reads as a formula, or as the start of one after its leading tab or carriage return
# (OWASP, "CSV injection"): such a cell gets a leading ' and is read as text; a number stays a number
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def csv_cell(value):
    """A CSV cell that no spreadsheet opens as a formula: text starting with = + - @, a tab or a carriage
    return gets a leading ' (a number, or text that is one, such as "-0.5", stays as it is)."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_text(rows: Iterable[Mapping | Iterable], columns: Iterable[str] | None = None) -> str:
    """Rows as CSV text, every cell through `csv_cell`, the header too: rows as dicts under `columns` (the first
    row's keys when not given), or as sequences after the header `columns` (none when not given). The one
    writer of every CSV the project makes, the app's downloads and the commands' files alike."""
    rows = list(rows)
    if columns is None and rows and isinstance(rows[0], Mapping):
        columns = list(rows[0])
    columns = list(columns) if columns is not None else None
    buf = io.StringIO()
    w = csv.writer(buf)  # RFC 4180's \r\n: a cell holding either character is then quoted, so it stays one cell
    if columns is not None:
        w.writerow([csv_cell(c) for c in columns])
    for row in rows:
        cells = [row.get(c, "") for c in columns] if isinstance(row, Mapping) else list(row)
        w.writerow([csv_cell(c) for c in cells])
    return buf.getvalue()
