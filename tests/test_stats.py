"""Corpus statistics and the HTML report, on a batch output built from hand-made articles."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from propscan.batch.report import render_html
from propscan.batch.stats import corpus_stats
from propscan.cli import app
from propscan.errors import InputError


def test_rates_are_spans_per_1000_words_pooled_per_outlet(corpus_dir):
    stats = corpus_stats(corpus_dir, by="outlet")
    assert (stats.articles, stats.words, stats.errors) == (4, 23, 1)
    bugle, star = stats.rates  # largest group first; a tie goes alphabetically
    assert (bugle["group"], bugle["articles"], bugle["words"]) == ("Bugle", 2, 16)
    assert bugle["Loaded_Language"] == pytest.approx(1000 * 2 / 16)
    assert bugle["Exaggeration,Minimisation"] == pytest.approx(1000 * 1 / 16)
    assert bugle["spans_per_1000"] == pytest.approx(1000 * 4 / 16)
    assert star["Loaded_Language"] == pytest.approx(1000 * 1 / 7)
    assert star["Name_Calling,Labeling"] == 0.0
    assert stats.techniques()[0] == "Loaded_Language"


def test_density_distribution_and_histogram_cover_every_article(corpus_dir):
    stats = corpus_stats(corpus_dir)
    assert sum(row["articles"] for row in stats.histogram) == 4
    star = next(row for row in stats.density if row["group"] == "Star")
    # s1 has no span; s2 is "Evil plans": 4 of 9 non-space characters
    assert star["mean"] == pytest.approx((0 + 4 / 9) / 2)


def test_top_span_texts_are_counted_case_insensitively(corpus_dir):
    stats = corpus_stats(corpus_dir)
    loaded = [row for row in stats.top_spans if row["technique"] == "Loaded_Language"]
    assert loaded == [{"technique": "Loaded_Language", "text": "evil", "count": 3}]


def test_trend_groups_by_month_and_leaves_out_unparseable_dates(corpus_dir):
    stats = corpus_stats(corpus_dir, by="month")
    assert [(row["month"], row["articles"]) for row in stats.trend] == [("2021-01", 1), ("2021-02", 2)]
    assert [row["group"] for row in stats.rates] == ["(unknown)", "2021-01", "2021-02"]


def test_grouping_by_an_unknown_column_names_the_choices(corpus_dir):
    with pytest.raises(InputError, match=r"cannot group by 'author'; choose one of: .*outlet.*month"):
        corpus_stats(corpus_dir, by="author")


def test_stats_of_a_directory_without_output_says_how_to_make_one(tmp_path):
    with pytest.raises(InputError, match="propscan batch"):
        corpus_stats(tmp_path)


def test_html_report_is_self_contained_with_four_plots_and_escaped_names(corpus_dir):
    stats = corpus_stats(corpus_dir)
    stats.rates[0]["group"] = stats.voices[0]["group"] = "<script>alert(1)</script>"
    page = render_html(stats)
    assert page.count("<svg") == 4  # whose words, technique mix, trend, density
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert not re.search(r"""(src|href)=["']?https?:""", page)  # nothing fetched from the network
    assert "<script" not in page and "<link" not in page


def test_cli_stats_prints_tables_and_writes_the_report(corpus_dir, tmp_path):
    report = tmp_path / "stats.html"
    result = CliRunner().invoke(app, ["stats", str(corpus_dir), "--by", "outlet", "--html", str(report)])
    assert result.exit_code == 0, result.output
    assert "Spans per 1,000 words by outlet" in result.stdout and "Bugle" in result.stdout
    assert "Change over time" in result.stdout
    assert report.read_text(encoding="utf-8").count("<svg") == 4


def test_cli_stats_json_and_bad_group_exit_2(corpus_dir):
    result = CliRunner().invoke(app, ["stats", str(corpus_dir), "--json"])
    assert json.loads(result.stdout)["articles"] == 4
    bad = CliRunner().invoke(app, ["stats", str(corpus_dir), "--by", "author"])
    assert bad.exit_code == 2 and "cannot group by" in bad.stderr


def test_rates_carry_a_95_percent_interval_and_small_groups_are_marked(corpus_dir):
    bugle, star = corpus_stats(corpus_dir, by="outlet").rates
    assert bugle["small"] and star["small"]  # 2 articles each, far under 30
    # Bugle: b1 has 3 spans in 9 words, b2 1 in 7; r = 4/16 per word
    r = 4 / 16
    se = (2 / 1 * ((3 - r * 9) ** 2 + (1 - r * 7) ** 2)) ** 0.5 / 16
    low, high = bugle["ci95"]["spans_per_1000"]
    assert bugle["spans_per_1000"] == pytest.approx(1000 * r)
    assert high == pytest.approx(1000 * (r + 1.959964 * se))
    assert low == pytest.approx(max(0.0, 1000 * (r - 1.959964 * se)))
    assert set(bugle["ci95"]) >= {"spans_per_1000", "Loaded_Language"}


def test_a_group_of_one_article_has_no_interval(corpus_dir):
    rows = {row["group"]: row for row in corpus_stats(corpus_dir, by="id").rates}
    assert rows["b1"]["ci95"]["spans_per_1000"] is None and rows["b1"]["articles"] == 1


def test_frequent_texts_need_a_minimum_count(corpus_dir):
    assert {(r["text"], r["count"]) for r in corpus_stats(corpus_dir).top_spans} == {("evil", 3)}
    once = corpus_stats(corpus_dir, min_count=1).top_spans
    assert ("traitors", 1) in {(r["text"], r["count"]) for r in once}
    with pytest.raises(InputError, match="min_count"):
        corpus_stats(corpus_dir, min_count=0)


def test_cli_stats_shows_intervals_and_marks_small_groups(corpus_dir):
    result = CliRunner().invoke(app, ["stats", str(corpus_dir), "--min-count", "1"])
    assert result.exit_code == 0, result.stderr
    assert "Bugle *" in result.stdout and "2 articles" in result.stdout
    assert re.search(r"\(\d+\.\d–\d+\.\d\)", result.stdout)
    assert "traitors" in result.stdout  # found once: listed with --min-count 1


def test_html_rates_table_shows_intervals_under_short_names(corpus_dir):
    page = render_html(corpus_stats(corpus_dir))
    assert "<span class='ci'>" in page and "title='Loaded language'>Loaded language</th>" in page
    assert "class='small'" in page
