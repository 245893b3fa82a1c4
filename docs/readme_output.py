"""The README's example output: what `propscan analyze examples/sample_article.txt` prints to a pipe,
100 columns wide, with the shipped model. tests/test_docs.py checks that README.md shows exactly
this; when a shipped model changes, rewrite the README's block (and re-read the paragraph under it,
which describes what the model finds and misses) and remake docs/page.png:

    python docs/readme_output.py --write && python docs/screenshot.py
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SAMPLE = "examples/sample_article.txt"
WIDTH = 100  # what the README shows; a pipe gets rich's default of 80 unless COLUMNS says otherwise
BLOCK = re.compile(r"(<!-- sample-output -->\n```text\n)(.*?)(```\n)", re.S)


def sample_output() -> str:
    """The CLI's output for the sample article, as a pipe 100 columns wide receives it; trailing
    spaces dropped (rich pads table lines, editors strip them)."""
    from typer.testing import CliRunner

    from propscan.cli import app

    old = os.getcwd()
    os.chdir(ROOT)
    try:
        # COLUMNS is what rich reads for the width of a pipe; CliRunner sets it for this call only
        result = CliRunner().invoke(app, ["analyze", SAMPLE], env={"COLUMNS": str(WIDTH)})
    finally:
        os.chdir(old)
    if result.exit_code != 0:
        raise SystemExit(f"propscan analyze failed ({result.exit_code}): {result.stderr}")
    return "\n".join(line.rstrip() for line in result.stdout.splitlines()) + "\n"


def readme_block(text: str) -> str:
    """The example block of the README's text."""
    match = BLOCK.search(text)
    if match is None:
        raise SystemExit(f"{README} has no '<!-- sample-output -->' text block")
    return match.group(2)


def main() -> None:
    output = sample_output()
    if "--write" not in sys.argv[1:]:
        print(output, end="")
        return
    text = README.read_text("utf-8")
    README.write_text(BLOCK.sub(lambda m: m.group(1) + output + m.group(3), text, count=1), "utf-8")
    print(f"{README} updated; re-read the paragraph under the example, then run: python docs/screenshot.py")


if __name__ == "__main__":
    main()
