"""``plancal import`` of the seed document as text, Word and PDF, timed as whole processes.

The seed's text (``tests/fixtures/documents``) is written as .txt, .docx (python-docx) and .pdf
(reportlab) once, then each is imported by a fresh ``plancal import`` process, interleaved with
the peers in the same run so a busy machine slows all alike:

- ``plancal validate`` of the shipped example (what a person runs next on the draft);
- ``python -c "import docx"`` and ``python -c "import pdfplumber"`` (the readers' import cost
  alone: what the Word and PDF imports pay before reading a byte).

Reported: the median and the spread of N runs each (default 7). Run:
``python bench/bench_import.py [--runs N]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers.documents import SEED_TEXT, docx_bytes, pdf_bytes, seed_parts  # noqa: E402

EXAMPLE = ROOT / "examples" / "soderhamn-2022-2023.yaml"
PLANCAL = [sys.executable, "-m", "plancal.cli"]


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    run = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if run.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{run.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        documents = {
            "txt": folder / "seed.txt",
            "docx": folder / "seed.docx",
            "pdf": folder / "seed.pdf",
        }
        documents["txt"].write_bytes(SEED_TEXT.read_bytes())
        documents["docx"].write_bytes(docx_bytes(seed_parts()))
        documents["pdf"].write_bytes(pdf_bytes(seed_parts()))
        commands: dict[str, list[str]] = {
            f"plancal import seed.{kind}": [
                *PLANCAL,
                "import",
                str(path),
                "--out",
                str(folder / f"out-{kind}.yaml"),
                "--force",
            ]
            for kind, path in documents.items()
        }
        commands["plancal validate example (peer)"] = [*PLANCAL, "validate", str(EXAMPLE)]
        commands['python -c "import docx" (peer)'] = [sys.executable, "-c", "import docx"]
        commands['python -c "import pdfplumber" (peer)'] = [
            sys.executable,
            "-c",
            "import pdfplumber",
        ]
        for command in commands.values():  # warm the disk cache and the holiday cache once
            timed(command)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                times[name].append(timed(command))
    print(f"whole processes, medians of {args.runs} runs (interleaved, same run)")
    width = max(len(n) for n in times)
    for name, values in times.items():
        print(
            f"  {name:<{width}}  median {statistics.median(values) * 1000:7.0f} ms"
            f"  (min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f})"
        )


if __name__ == "__main__":
    main()
