"""Input and output: readers turn files, directories, JSONL and stdin into records; writers turn
Documents into JSON, JSONL, PTC rows or a highlighted terminal view; ``ptc`` reads the corpus."""
