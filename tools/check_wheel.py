"""Check the addon wheel that ``setup.py`` builds.

``python tools/check_wheel.py WHEEL ADDON_DIR`` exits non-zero unless

* the wheel holds exactly the files of the addon folder (Python caches aside), under
  ``odoo/addons/<addon>/``, byte for byte;
* nothing else is installed: no other top-level package (such as a bare ``xmldirect``), and
  no ``odoo/__init__.py`` or ``odoo/addons/__init__.py`` (they are namespace folders; a wheel
  shipping one would overwrite the files of a pip-installed Odoo);
* the metadata requires the manifest's Python dependencies, and Odoo only as the ``odoo`` extra.
"""

from __future__ import annotations

import ast
import sys
import zipfile
from email.parser import HeaderParser
from pathlib import Path


def addon_files(addon_dir: Path) -> dict[str, bytes]:
    return {
        path.relative_to(addon_dir).as_posix(): path.read_bytes()
        for path in sorted(addon_dir.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


def problems(wheel: Path, addon_dir: Path) -> list[str]:
    prefix = f"odoo/addons/{addon_dir.name}/"
    found: list[str] = []
    with zipfile.ZipFile(wheel) as archive:
        names = [n for n in archive.namelist() if not n.endswith("/")]
        installed = {n[len(prefix) :]: archive.read(n) for n in names if n.startswith(prefix)}
        metadata_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = HeaderParser().parsestr(archive.read(metadata_name).decode("utf-8"))
        stray = [n for n in names if not n.startswith(prefix) and ".dist-info/" not in n]
    found += [f"installed outside {prefix}: {name}" for name in stray]
    expected = addon_files(addon_dir)
    for name, content in expected.items():
        if name not in installed:
            found.append(f"missing from the wheel: {name}")
        elif installed[name] != content:
            found.append(f"differs from the addon folder: {name}")
    found += [f"not in the addon folder: {name}" for name in installed if name not in expected]
    manifest = ast.literal_eval((addon_dir / "__manifest__.py").read_text(encoding="utf-8"))
    python_dependencies = set(manifest["external_dependencies"]["python"])
    requires = metadata.get_all("Requires-Dist") or []
    plain = {r for r in requires if ";" not in r}
    if plain != python_dependencies:
        found.append(f"Requires-Dist {sorted(plain)}, expected {sorted(python_dependencies)}")
    if not any(r.startswith("odoo") and 'extra == "odoo"' in r for r in requires):
        found.append("no Odoo requirement in the 'odoo' extra")
    if metadata["Version"] != manifest["version"]:
        found.append(f"version {metadata['Version']}, manifest {manifest['version']}")
    return found


def main(argv: list[str]) -> int:
    wheel, addon_dir = Path(argv[0]), Path(argv[1])
    found = problems(wheel, addon_dir)
    for problem in found:
        print(f"{wheel.name}: {problem}")
    if not found:
        count = len(addon_files(addon_dir))
        print(f"{wheel.name}: the {count} files of {addon_dir.name}/, under odoo/addons/ only")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
