"""A local worker's spool (``store/spool.py``) without pytest sessions: what is written is
read back as the same run, a spool cut anywhere keeps its whole records, and nothing read
from a damaged file gets past a one-line error.

Runs are built from plain rows the test writes itself (``test_model.build``), and the
expectations are computed from those rows.
"""

from __future__ import annotations

import json
import tempfile
from array import array
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from pytest_fixture_perf.model import FormatError, Run, Worker
from pytest_fixture_perf.model.intake import Intake
from pytest_fixture_perf.model.run import TABLES, Mark, typecode
from pytest_fixture_perf.store.spool import SpoolReader, SpoolWriter
from test_model import SETTINGS, Row, build, facts, held, rows_strategy


def spooled(path: Path, rows: list[Row], cuts: list[int]) -> tuple[Run, list[list[Row]]]:
    """A worker's run made of ``rows``, a record spooled at each cut; the run and the rows
    of each record (one record per non-empty stretch)."""
    source = Run()
    source.worker_id(Worker("gw0", pid=7, anchor_ns=10**18))
    writer = SpoolWriter(path)
    mark, records = Mark(), []
    for start, end in zip([0, *cuts], [*cuts, len(rows)], strict=True):
        source.absorb(build(rows[start:end]).to_dict())
        if source.mark() != mark:
            records.append(rows[start:end])
        mark = writer.append(source, mark)
    writer.close()
    return source, records


def read(path: Path, sender: str, chunk: int = 4096) -> tuple[list[Any], FormatError | None]:
    """A spool's documents (``chunk`` records each at most) and what ended the reading."""
    reader = SpoolReader(path, sender, chunk)
    return [reader.document(records) for records in reader], reader.problem


def merged(documents: list[Any], *more: str) -> Run:
    target = Run()
    intake = Intake(target)
    for document in documents:
        intake.add(document)
    for text in more:
        intake.add_json(text)
    intake.merge()
    assert intake.errors == []
    return target


@SETTINGS
@given(st.lists(rows_strategy, min_size=1, max_size=30), st.data())
def test_a_spool_reads_back_as_the_run(rows: list[Row], data: st.DataObject) -> None:
    """Records at any cuts, then the rest as the worker's last fragment: the controller
    ends with the worker's run."""
    cuts = sorted(data.draw(st.lists(st.integers(0, len(rows)), max_size=6)))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "spool.bin"
        source, _ = spooled(path, rows[: cuts[-1]] if cuts else [], cuts)
        documents, problem = read(path, "gw0", chunk=data.draw(st.integers(1, 3)))
    mark = source.mark()
    source.absorb(build(rows[cuts[-1] if cuts else 0 :]).to_dict())  # after the last record
    last = source.fragment(mark, sender="gw0", full_workers=True)
    assert problem is None
    target = merged(documents, *([json.dumps(last)] if last else []))
    assert held(target) == facts(rows)
    assert target == source


def test_a_spool_cut_anywhere_keeps_its_whole_records(tmp_path: Path) -> None:
    rows: list[Row] = [
        ("gw0", ("db", "c.py"), 0, 4, -1, None, 0, 1, 2, 2, -1, 0),
        ("gw0", ("client", "c.py"), 0, 4, 1, "p1", 1, 3, 4, 5, 6, 1),
        ("gw0", ("db", "c.py"), 1, 4, -1, None, 1, 7, 8, 8, -1, 0),
    ]
    path = tmp_path / "spool.bin"
    _, records = spooled(path, rows, [1, 2])
    data = path.read_bytes()
    ends, cut = [], tmp_path / "cut.bin"
    for size in range(len(data) + 1):
        cut.write_bytes(data[:size])
        documents, problem = read(cut, "gw0")
        whole = sum(1 for end in ends if end <= size)
        if problem is None and size:
            ends.append(size)  # a record ends here
            whole = len(ends)
        kept: list[Row] = [row for record in records[:whole] for row in record]
        assert held(merged(documents)) == facts(kept), size
        if problem is not None:
            assert "cut short" in str(problem)
    assert len(ends) == len(records) == 3
    assert ends[-1] == len(data)


def framed(header: bytes, body: bytes) -> bytes:
    """A record as the documented layout frames it: two lengths, the header, the columns."""
    return len(header).to_bytes(4, "little") + len(body).to_bytes(4, "little") + header + body


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=6,
)
headers = st.fixed_dictionaries(
    {"rows": st.lists(st.integers(0, 2), min_size=3, max_size=3)},
    optional={key: json_values | st.lists(json_values, max_size=3)
              for key in ("param_id", "definitions", "tests", "workers")},
)  # fmt: skip


def row_bytes(table: str) -> int:
    """The bytes of a row of ``table``'s integer columns (from the format's column kinds)."""
    codes = [typecode(kind) for kind in TABLES[table].values()]
    return sum(array(code).itemsize for code in codes if code is not None)


@st.composite
def records(draw: st.DrawFn) -> bytes:
    """Records framed as documented, random headers with columns of the size their rows
    need, of random bytes."""
    spool = b""
    for header in draw(st.lists(headers, min_size=1, max_size=3)):
        size = sum(n * row_bytes(table) for n, table in zip(header["rows"], TABLES, strict=True))
        body = draw(st.binary(min_size=size, max_size=size))
        spool += framed(json.dumps(header).encode(), body)
    return spool


@SETTINGS
@given(
    st.binary(max_size=200)
    | st.lists(st.tuples(headers, st.binary(max_size=300)), min_size=1, max_size=3).map(
        lambda records: b"".join(framed(json.dumps(h).encode(), b) for h, b in records)
    )
    | records()
)
def test_a_damaged_spool_is_refused_in_one_line(data: bytes) -> None:
    """Random bytes, and records framed as documented whose headers and columns are
    random: whatever is read is merged or refused with one line, never anything else."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "spool.bin"
        path.write_bytes(data)
        documents, problem = read(path, "gw0", chunk=1)
    errors = [problem] if problem is not None else []
    intake = Intake(Run())
    for document in documents:
        try:
            intake.add(document)
        except FormatError as exc:
            errors.append(exc)
    intake.merge()
    for error in [*errors, *intake.errors]:
        assert isinstance(error, FormatError)
        assert "\n" not in str(error)


def test_a_spool_that_is_not_there_cannot_be_read(tmp_path: Path) -> None:
    try:
        SpoolReader(tmp_path / "none.bin", "gw0")
    except FileNotFoundError:
        pass
    else:
        raise AssertionError("a reader of nothing")


def test_a_spool_is_never_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "spool.bin"
    path.write_text("someone's")
    try:
        SpoolWriter(path)
    except FileExistsError:
        pass
    else:
        raise AssertionError("an existing file was opened")
    assert path.read_text() == "someone's"
    link = tmp_path / "link.bin"
    link.symlink_to(tmp_path / "elsewhere.bin")
    try:
        SpoolWriter(link)
    except OSError:
        pass
    else:
        raise AssertionError("a link was followed")
    assert not (tmp_path / "elsewhere.bin").exists()


def test_no_records_make_a_document_of_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "spool.bin"
    SpoolWriter(path).close()
    reader = SpoolReader(path, "gw0")
    assert list(reader) == []
    document = reader.document([])
    assert [document[table][0] for table in TABLES] == [0, 0, 0]
    assert merged([document]).mark() == Mark()
