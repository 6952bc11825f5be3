"""Malformed ChEF data files: every reader refuses them with a one-line ``UserError`` naming the file and the record,
never another exception (hypothesis over random contents); and the TSV reader reads what ``pd.read_csv(sep='\\t')``
reads, cell for cell, on well-formed files (a property test against pandas where it is installed)."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

import pytest
from chef_data_fixtures import BAMBOO, OMNIBENCHMARK, write_reference_root
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lamm_bench.chef_data import (
    BAMBOO_FILE,
    OMNI_FILE,
    SEED_FILE,
    pope_file,
    pope_reader,
    read_mme,
    read_seedbench,
)
from lamm_bench.chef_mmbench import (
    MMBENCH_FILE,
    as_pandas_prints,
    read_mmbench,
    read_tsv,
)
from lamm_bench.chef_omnibenchmark import omnibenchmark_reader
from lamm_bench.errors import UserError

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.sampled_from(["", "A", "image", "../x.png", "/abs.png", "a.png"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["questions", "data_type", "question", "answer", "data_id", "choice_a", "choice_b", "choice_c",
                         "choice_d", "question_id", "image", "chain", "realm_name", "id2name", "father2child",
                         "child2father", "text", "label", "id"]), inner, max_size=8),
    max_leaves=20,
)  # fmt: skip
"""JSON values with the readers' own field names, so that generated files get past the first checks."""
TSV_TOKENS = ["index", "question", "answer", "A", "B", "image", "1", "2", "x", "None", "iVBORw0KGgo=", "\t", "\n",
              '"', " ", "\r", "\xff"]  # fmt: skip
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _root_with(relative: str, content: bytes) -> tuple[tempfile.TemporaryDirectory, Path]:
    folder = tempfile.TemporaryDirectory()
    root = write_reference_root(Path(folder.name) / "data")
    (root / relative).write_bytes(content)
    return folder, root


def _refused_or_read(reader, relative: str, content: bytes) -> None:
    folder, root = _root_with(relative, content)
    with folder:
        try:
            samples, metas = reader(root)
        except UserError as exc:
            assert "\n" not in str(exc) and str(exc)
        else:
            assert samples and metas


@SETTINGS
@given(st.lists(st.sampled_from(TSV_TOKENS), max_size=40).map("".join))
def test_any_tsv_is_read_or_refused_in_one_line(text):
    _refused_or_read(read_mmbench, MMBENCH_FILE, text.encode("utf-8", "surrogateescape"))


@SETTINGS
@given(JSON)
def test_any_json_is_read_or_refused_in_one_line(value):
    content = json.dumps(value).encode()
    for reader, relative in ((read_seedbench, SEED_FILE), (omnibenchmark_reader(), OMNI_FILE),
                             (omnibenchmark_reader(), BAMBOO_FILE)):  # fmt: skip
        _refused_or_read(reader, relative, content)


@SETTINGS
@given(st.lists(JSON, max_size=4), st.binary(max_size=8))
def test_any_json_lines_are_read_or_refused_in_one_line(values, tail):
    content = b"".join(json.dumps(v).encode() + b"\n" for v in values) + tail
    _refused_or_read(pope_reader("popular"), pope_file("popular"), content)


@SETTINGS
@given(st.lists(st.sampled_from(["q", "Yes", "\t", "\n", " ", "\r", "\xff"]), max_size=12).map("".join))
def test_any_mme_question_file_is_read_or_refused_in_one_line(text):
    _refused_or_read(read_mme, "MME_Benchmark_release_version/count/questions_answers_YN/a.txt",
                     text.encode("utf-8", "surrogateescape"))  # fmt: skip


@pytest.mark.parametrize(
    ("relative", "content", "message"),
    [
        (SEED_FILE, [1], 'expected a JSON object with a "questions" list'),
        (SEED_FILE, {"questions": [{"data_type": "image", "question": "q"}]}, "question 0: missing field 'choice_a'"),
        (SEED_FILE, {"questions": [{"data_type": "video"}]}, "no question with data_type 'image'"),
        (SEED_FILE, {"questions": [{"data_type": "image", "question": "q", "choice_a": "a", "choice_b": "b",
                                    "choice_c": "c", "choice_d": "d", "answer": "AB", "data_id": "x.png"}]},
         "question 0: answer 'AB' should be one of A, B, C, D"),
        (SEED_FILE, {"questions": [{"data_type": "image", "question": "q", "choice_a": "a", "choice_b": "b",
                                    "choice_c": "c", "choice_d": "d", "answer": "A", "data_id": "../../x.png"}]},
         "question 0: media path '../../x.png' is absolute or leaves the data root"),
        (OMNI_FILE, [{"image": "a.png", "chain": [], "realm_name": "r"}], "record 0: field 'chain' should be a non-empty"),
        (OMNI_FILE, [*OMNIBENCHMARK, {**OMNIBENCHMARK[0], "chain": ["polygon", "pentagon"]}],
         "record 3, chain level 1: label 'pentagon' is not in the Bamboo hierarchy"),
        (OMNI_FILE, [{**OMNIBENCHMARK[0], "chain": ["root"]}], "record 0, chain level 0: label 'root' (id r) has no parent"),
        (OMNI_FILE, [{**OMNIBENCHMARK[0], "chain": ["circle", "red triangle"]}],
         "record 0, chain level 0: the parent 'o' of label 'circle' has no children list"),
        (BAMBOO_FILE, {**BAMBOO, "id2name": {"r": []}}, "id2name['r'] is empty"),
        (BAMBOO_FILE, {**BAMBOO, "child2father": []}, "'child2father' should be an object"),
        (pope_file("random"), None, "line 1: field 'image' should be str, found NoneType"),
    ],
)  # fmt: skip
def test_a_malformed_json_file_is_one_line_naming_file_and_record(tmp_path, relative, content, message):
    root = write_reference_root(tmp_path / "data")
    if relative == OMNI_FILE and "'o'" in message:
        bamboo = {**BAMBOO, "father2child": {k: v for k, v in BAMBOO["father2child"].items() if k != "o"}}
        (root / BAMBOO_FILE).write_text(json.dumps(bamboo))
    path = root / relative
    path.write_text(json.dumps({"image": None, "text": "t", "label": "yes"}) + "\n" if content is None else json.dumps(content))
    reader = {SEED_FILE: read_seedbench, OMNI_FILE: omnibenchmark_reader(), BAMBOO_FILE: omnibenchmark_reader()}.get(
        relative, pope_reader("random"))
    with pytest.raises(UserError) as caught:
        reader(root)
    assert str(caught.value).startswith(str(path if relative != BAMBOO_FILE else root / BAMBOO_FILE))
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_a_blank_pope_line_and_a_bad_mme_line_are_refused_with_their_line(tmp_path):
    root = write_reference_root(tmp_path / "data")
    pope = root / pope_file("adversarial")
    pope.write_text(pope.read_text() + "\n")
    with pytest.raises(UserError, match=rf"^{pope}: line 4: not valid JSON"):
        pope_reader("adversarial")(root)
    mme = root / "MME_Benchmark_release_version/color/000.txt"
    mme.write_text("Is it red?\tYes\nIs it\tblue?\tNo\n")
    with pytest.raises(UserError, match=rf"^{mme}: line 2: expected 'question<TAB>answer', found 3 fields$"):
        read_mme(root)


def test_mme_needs_its_folder_and_at_least_one_question(tmp_path):
    with pytest.raises(UserError, match="MME folder not found"):
        read_mme(tmp_path)
    (tmp_path / "MME_Benchmark_release_version" / "count" / "questions_answers_YN").mkdir(parents=True)
    with pytest.raises(UserError, match="questions_answers_YN: no question files$"):
        read_mme(tmp_path)
    (tmp_path / "MME_Benchmark_release_version" / "count" / "questions_answers_YN").rmdir()
    with pytest.raises(UserError, match="no MME question with an image in any subtask folder"):
        read_mme(tmp_path)


CELL_TOKENS = ["a", "x y", " ", "1", "07", "-2", "3.5", ".5", "1e3", "NA", "None", "nan", "", '"', "\t", "\n",
               "True", "false", "+4", " 5", "#N/A", "\r\n"]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 3).flatmap(
    lambda n: st.lists(st.lists(st.lists(st.sampled_from(CELL_TOKENS), max_size=3).map("".join), min_size=n,
                                max_size=n), min_size=1, max_size=4)))  # fmt: skip
def test_the_tsv_reader_reads_what_pandas_reads(rows):
    pd = pytest.importorskip("pandas")
    header = [f"c{i}" for i in range(len(rows[0]))]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter="\t", lineterminator="\n").writerows([header, *rows])
    frame = pd.read_csv(io.BytesIO(buffer.getvalue().encode()), sep="\t")
    expected = [[None if not isinstance(v, str) and pd.isna(v) else f"{v}" for v in row]
                for row in frame.itertuples(index=False)]  # fmt: skip
    columns, read = read_tsv(buffer.getvalue().encode(), Path("x.tsv"))
    assert (columns, [[r.cells[c] for c in columns] for r in as_pandas_prints(columns, read)]) == (header, expected)
