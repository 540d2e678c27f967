"""Download the intersphinx inventories again: ``nox -s inventories``.

The site links to other projects' documentation (Python's, NumPy's, ...)
through their Sphinx inventories (``objects.inv``).  The build never downloads
them: ``docs/conf.py`` points intersphinx at the copies in this folder, so it
needs no network.  ``inventories.json`` lists them, each with

- ``docs``: the address its links point to;
- ``objects``: the address of its inventory, which this script downloads;
- ``file``: the copy in this folder;
- ``copy``: where and when the copy came from (written by this script).

Run with no arguments to refresh every inventory, or name some
(``python docs/_inventories/refresh.py python numpy``).  Each is downloaded
and read with Sphinx's own reader before anything is written, so a failed
download or a page that is not an inventory leaves every copy as it was.
"""

from __future__ import annotations

import hashlib
import json
import sys
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

LISTING = Path(__file__).resolve().with_name("inventories.json")
TIMEOUT = 60  # seconds for one download


class InventoryError(Exception):
    """An inventory could not be downloaded, or is not one Sphinx can read."""


def load(listing: Path = LISTING) -> dict[str, dict]:
    """The inventories ``listing`` names, by intersphinx name."""
    return json.loads(listing.read_text(encoding="utf-8"))


def download(url: str) -> bytes:
    """The bytes at ``url``, or InventoryError saying what went wrong."""
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            return response.read()
    except (urllib.error.URLError, OSError) as error:
        raise InventoryError(
            f"could not download {url}: {error}; check the network, or the "
            f"'objects' address in {LISTING.name}"
        ) from error


def check(content: bytes, docs: str, source: str) -> dict[str, object]:
    """What Sphinx reads in an inventory: its project, version and object count.

    Raises InventoryError if Sphinx cannot read it, or it lists nothing.
    """
    from sphinx.util.inventory import InventoryFile

    try:
        inventory = InventoryFile.loads(content, uri=docs)
    except (ValueError, zlib.error, UnicodeDecodeError) as error:
        raise InventoryError(
            f"{source} is not a Sphinx inventory ({error}); its 'objects' "
            f"address in {LISTING.name} should end in objects.inv"
        ) from error
    items = [item for objects in inventory.data.values() for item in objects.values()]
    if not items:
        raise InventoryError(f"{source} is an inventory that lists no objects")
    return {
        "project": items[0].project_name,
        "version": items[0].project_version,
        "objects": len(items),
    }


def refresh(
    names: Iterable[str] = (),
    *,
    listing: Path = LISTING,
    fetch: Callable[[str], bytes] = download,
    today: str | None = None,
) -> dict[str, dict]:
    """Download the named inventories (all if none), check them, then save them.

    Returns the new records, by name.  Nothing is written unless every named
    inventory downloaded and read correctly.
    """
    entries = load(listing)
    names = list(names) or list(entries)
    unknown = [name for name in names if name not in entries]
    if unknown:
        raise InventoryError(
            f"no inventory named {', '.join(unknown)} in {listing.name}; "
            f"it lists {', '.join(entries)}"
        )
    date = today or datetime.now(UTC).date().isoformat()
    fetched = {}
    for name in names:
        url = entries[name]["objects"]
        content = fetch(url)
        record = check(content, entries[name]["docs"], url)
        record |= {
            "sha256": hashlib.sha256(content).hexdigest(),
            "source": url,
            "date": date,
        }
        fetched[name] = (content, record)
    for name, (content, record) in fetched.items():
        (listing.parent / entries[name]["file"]).write_bytes(content)
        entries[name]["copy"] = record
    listing.write_text(json.dumps(entries, indent=2) + "\n", encoding="utf-8")
    return {name: record for name, (_, record) in fetched.items()}


def main(argv: list[str]) -> int:
    """Refresh the inventories named in ``argv`` (all if none); 1 on failure."""
    try:
        records = refresh(argv)
    except InventoryError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for name, record in records.items():
        print(
            f"{name}: {record['project']} {record['version']}, "
            f"{record['objects']} objects, from {record['source']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
