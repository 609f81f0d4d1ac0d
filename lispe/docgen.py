"""Generates docs/reference.md, the function reference, from the registry.

    python -m lispe.docgen            # rewrite docs/reference.md
    python -m lispe.docgen --check    # exit 1 when docs/reference.md is stale

The reference lists every registered function, core and libraries, with its signature,
aliases and one-line doc; nothing in it is written by hand.
"""

import argparse
import sys
from pathlib import Path

from .registry import entries, import_all_libraries

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


def main(argv=None):
    parser = argparse.ArgumentParser(description="Generate docs/reference.md from the registry.")
    parser.add_argument("--check", action="store_true", help="fail when the file is stale")
    options = parser.parse_args(argv)
    text = reference()
    if options.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print("docs/reference.md is stale: run python -m lispe.docgen", file=sys.stderr)
            return 1
        return 0
    TARGET.parent.mkdir(exist_ok=True)
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
