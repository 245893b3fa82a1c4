"""Input and output: readers turn files, directories, JSONL, CSV and Parquet tables, HTML pages,
URLs and stdin into records; writers turn Documents into JSON, JSONL, PTC rows, the HTML report or
a highlighted terminal view; ``ptc`` reads the corpus."""
