"""CI check: installing the test extras must not change the packages users run.

    python tools/check_versions.py

Resolves the dependencies of pyproject.toml twice with pip, as `pip install .` and as
`pip install ".[test]"` would on a fresh machine (`--dry-run --ignore-installed --report`:
nothing is installed, and pip reads package metadata, not whole packages, where the index
serves it), then compares the two: every package of the plain install must get the same
version with the extras.  Exits 1 and lists the packages that differ otherwise.
"""

import json
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
TIMEOUT = 600  # seconds for one resolution


def requirements():
    """(the project's dependencies, its test extras), as pip requirement strings."""
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    return project["dependencies"], project["optional-dependencies"]["test"]


def canonical(name):
    """A package name as the index compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def resolve(packages):
    """{package: version} that pip would install for `packages` on a fresh machine."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        command = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed",
                   "--quiet", "--report", str(report), *packages]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            sys.exit(f"pip did not resolve {' '.join(packages)} within {TIMEOUT} s "
                     "(conflicting pins make it try version after version)")
        if result.returncode != 0:
            sys.exit(f"pip could not resolve {' '.join(packages)}:\n{result.stderr}")
        installs = json.loads(report.read_text(encoding="utf-8"))["install"]
    return {canonical(i["metadata"]["name"]): i["metadata"]["version"] for i in installs}


def differences(plain, with_extras):
    """(package, plain version, version with the extras) for each package that changes."""
    return [(name, version, with_extras.get(name, "absent"))
            for name, version in sorted(plain.items()) if with_extras.get(name) != version]


def main():
    dependencies, extras = requirements()
    plain, with_extras = resolve(dependencies), resolve(dependencies + extras)
    changed = differences(plain, with_extras)
    if changed:
        print("The test extras change packages that users run:")
        for name, before, after in changed:
            print(f"  {name}: {before} without the extras, {after} with them")
        return 1
    added = sorted(set(with_extras) - set(plain))
    print(f"Same versions with and without the test extras ({len(plain)} packages; the extras "
          f"add {', '.join(added)}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
