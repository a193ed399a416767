"""Reading labelled examples from CSV or JSONL files.

A file has a ``text`` column and one 0/1 column per score (``abuse``, ``spam``).  A file
that has only a generic ``label`` column can be read with ``label_as="abuse"``.  Rows come
out as ``(text, {label: 0 or 1})``; a label that is missing or blank in a row is left out of
that row's dict, so a model for it neither learns from nor is tested on that row.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from classifier.errors import DataError

__all__ = ["Row", "read_rows", "rows_digest"]

Row = tuple[str, dict[str, int]]

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def _records(path: Path) -> Iterator[dict]:
    if path.suffix.lower() in {".jsonl", ".ndjson"}:
        with path.open(encoding="utf-8") as fh:
            for number, line in enumerate(fh, 1):
                if line.strip():
                    try:
                        yield json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise DataError(f"{path}:{number}: not valid JSON ({exc.msg})") from exc
    else:
        with path.open(encoding="utf-8", newline="") as fh:
            yield from csv.DictReader(fh)


def _to_label(value: object, where: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip().lower()
    if text in {"1", "1.0", "true", "yes"}:
        return 1
    if text in {"0", "0.0", "false", "no"}:
        return 0
    raise DataError(f"{where}: label must be 0 or 1, got {value!r}")


def read_rows(path: str | Path, labels: Sequence[str] = ("abuse", "spam"),
              label_as: str | None = None) -> list[Row]:
    """Read ``(text, labels)`` rows from a CSV or JSONL file.

    ``labels`` names the columns to read; ``label_as`` reads the ``label`` column as that
    score instead.  Raises :class:`DataError` when the file has no ``text`` column or none
    of the label columns, or when a label is not 0/1.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    columns = {"label": label_as} if label_as else {name: name for name in labels}
    rows: list[Row] = []
    for number, record in enumerate(_records(path), 2):
        if "text" not in record:
            raise DataError(f"{path}: needs a 'text' column, found {sorted(record)}")
        if number == 2 and not any(col in record for col in columns):
            wanted = ", ".join(columns)
            raise DataError(f"{path}: no label column ({wanted}); use --label-as for 'label'")
        found = {}
        for column, name in columns.items():
            value = _to_label(record.get(column), f"{path}:{number}")
            if value is not None:
                found[name] = value
        rows.append((str(record["text"] or ""), found))
    return rows


def rows_digest(rows: Iterable[Row], weights: Iterable[float] | None = None) -> str:
    """A sha256 of the rows (and weights) in order: the data hash a manifest records."""
    digest = hashlib.sha256()
    weights_iter = iter(weights) if weights is not None else None
    for text, found in rows:
        digest.update(text.encode("utf-8", "surrogatepass"))
        digest.update(json.dumps(found, sort_keys=True).encode())
        if weights_iter is not None:
            digest.update(repr(float(next(weights_iter))).encode())
        digest.update(b"\x00")
    return digest.hexdigest()
