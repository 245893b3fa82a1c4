import pyarrow as pa
import pyarrow.parquet as pq

from propscan.io.readers import count_inputs, read_inputs


def test_csv_rows_become_records_with_metadata_and_default_ids(tmp_path):
    path = tmp_path / "news.csv"
    path.write_text(
        'id,text,outlet,published\nx1,"First, with a comma\nand a newline",Bugle,2020-01-02\n,Second,,\n',
        encoding="utf-8",
    )
    records = list(read_inputs([path]))
    assert [(r.id, r.text, r.meta) for r in records] == [
        ("x1", "First, with a comma\nand a newline", {"outlet": "Bugle", "published": "2020-01-02"}),
        ("news:2", "Second", {}),
    ]
    assert records[1].source == f"{path}:2"
    assert count_inputs([path]) == 2


def test_csv_row_with_invalid_utf8_is_an_error_and_the_next_row_is_read(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"id,text\na,fine\nb,broken \xff byte\nc,also fine\n")
    records = list(read_inputs([path]))
    assert [r.id for r in records if r.ok] == ["a", "c"]
    assert "not valid UTF-8" in records[1].error and records[1].source == f"{path}:2"


def test_table_without_text_column_is_one_error_naming_its_columns(tmp_path):
    path = tmp_path / "notext.csv"
    path.write_text("id,body\n1,hello\n", encoding="utf-8")
    (record,) = list(read_inputs([path]))
    assert not record.ok and "no 'text' column (columns: id, body)" in record.error


def test_parquet_rows_keep_metadata_and_report_null_text(tmp_path):
    path = tmp_path / "feed.parquet"
    table = pa.table(
        {
            "id": [1, 2, 3],
            "text": ["one", None, "three"],
            "outlet": ["A", "B", None],
            "published": pa.array([19000, 19001, 19002], pa.int32()).cast(pa.date32()),
        }
    )
    pq.write_table(table, path, row_group_size=2)
    records = list(read_inputs([path]))
    assert [(r.id, r.text) for r in records] == [("1", "one"), ("feed:2", None), ("3", "three")]
    assert records[0].meta == {"outlet": "A", "published": "2022-01-08"}
    assert "'text' must be a string" in records[1].error
    assert count_inputs([path]) == 3


def test_parquet_that_is_not_parquet_is_an_error_record(tmp_path):
    path = tmp_path / "fake.parquet"
    path.write_text("not parquet", encoding="utf-8")
    (record,) = list(read_inputs([path]))
    assert not record.ok and "not a readable Parquet file" in record.error
