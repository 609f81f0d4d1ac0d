"""Generates, from the registry, docs/reference.md (the function reference) and
lispe/function_index.json (the same metadata for `lispe --doc`, `--list` and completion, read
without importing the libraries).

    python -m lispe.docgen            # rewrite both files
    python -m lispe.docgen --check    # exit 1 when either is stale

The reference lists every registered function, core and libraries, with its signature,
aliases and one-line doc; nothing in either file is written by hand.
"""

import argparse
import json
import sys
from pathlib import Path

from .registry import INDEX, entries, import_all_libraries, index_record

TARGET = Path(__file__).resolve().parent.parent / "docs" / "reference.md"
LIBRARY_TITLES = {"core": "Core language", "lispe_torch": "lispe_torch", "lispe_tiktoken": "lispe_tiktoken"}


def escape(text):
    return text.replace("|", "\\|").replace("\n", " ")


def reference():
    """The text of docs/reference.md."""
    import_all_libraries()
    lines = ["# Function reference", "",
             "Generated from the registry by `python -m lispe.docgen`; do not edit by hand.",
             "`lispe --doc NAME` prints the same entry.", ""]
    library = None
    for entry in entries():
        if entry.library != library:
            library = entry.library
            title = LIBRARY_TITLES.get(library, library)
            load = "" if library == "core" else f" (load with `(use '{library})`)"
            lines += ["", f"## {title}{load}", "", "| function | signature | doc |", "|---|---|---|"]
        aliases = f" (also {', '.join(f'`{a}`' for a in entry.aliases)})" if entry.aliases else ""
        kind = " *special form*" if entry.special else ""
        lines.append(f"| `{escape(entry.name)}`{aliases} | `{escape(entry.signature)}` |"
                     f" {escape(entry.doc)}{kind} |")
    return "\n".join(lines) + "\n"


def function_index():
    """The text of lispe/function_index.json: one record per line, in the reference's order."""
    import_all_libraries()
    records = (json.dumps(index_record(entry), ensure_ascii=False) for entry in entries())
    return "[\n" + ",\n".join(records) + "\n]\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description="Generate docs/reference.md and "
                                                 "lispe/function_index.json from the registry.")
    parser.add_argument("--check", action="store_true", help="fail when a file is stale")
    options = parser.parse_args(argv)
    outputs = {TARGET: reference(), Path(INDEX): function_index()}
    if options.check:
        stale = [path.name for path, text in outputs.items()
                 if not path.exists() or path.read_text(encoding="utf-8") != text]
        if stale:
            print(f"{', '.join(stale)} stale: run python -m lispe.docgen", file=sys.stderr)
        return 1 if stale else 0
    for path, text in outputs.items():
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
