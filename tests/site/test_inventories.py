"""The build links to other projects' docs through inventories kept in the repo.

docs/_inventories holds each intersphinx inventory, listed with where it came
from in inventories.json; docs/_inventories/refresh.py (``nox -s inventories``)
downloads them again.  The refresh tests serve inventories from files
(``file://`` addresses), so they need no network.
"""

import hashlib
import importlib.util
import json
import runpy
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
FOLDER = DOCS / "_inventories"
LISTING = FOLDER / "inventories.json"


def _load_refresh():
    spec = importlib.util.spec_from_file_location(
        "inventory_refresh", FOLDER / "refresh.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


refresh = _load_refresh()
needs_sphinx = pytest.mark.skipif(
    importlib.util.find_spec("sphinx") is None,
    reason="reading an inventory needs Sphinx (the docs dependencies)",
)


def header(content: bytes) -> dict[str, str]:
    """The ``# Project:`` and ``# Version:`` lines of an inventory."""
    lines = content.split(b"\n", 4)[:4]
    fields = [line.decode().removeprefix("# ").split(": ", 1) for line in lines]
    return {field[0]: field[1] for field in fields if len(field) == 2}


def test_the_build_reads_every_inventory_from_a_file_in_the_repository(monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))  # conf.py adds docs/_ext
    settings = runpy.run_path(str(DOCS / "conf.py"))
    mapping = settings["intersphinx_mapping"]
    assert "python" in mapping
    assert set(mapping) == set(json.loads(LISTING.read_text()))
    for name, (docs, location) in mapping.items():
        assert docs.startswith("https://"), name
        assert "://" not in location, f"{name} would be downloaded at build time"
        assert Path(location).parent == FOLDER
        assert Path(location).is_file(), location


def test_each_copy_is_the_one_its_record_describes():
    entries = refresh.load()
    kept = {path.name for path in FOLDER.glob("*.inv")}
    assert kept == {entry["file"] for entry in entries.values()}, "unlisted copies"
    for name, entry in entries.items():
        content = (FOLDER / entry["file"]).read_bytes()
        record = entry["copy"]
        assert hashlib.sha256(content).hexdigest() == record["sha256"], name
        assert header(content) == {
            "Project": record["project"],
            "Version": record["version"],
        }
        assert entry["objects"].startswith(entry["docs"]), name
        assert record["source"], name
        assert record["date"], name


@needs_sphinx
def test_sphinx_reads_each_copy_as_recorded():
    for name, entry in refresh.load().items():
        content = (FOLDER / entry["file"]).read_bytes()
        found = refresh.check(content, entry["docs"], name)
        record = entry["copy"]
        assert found == {key: record[key] for key in ("project", "version", "objects")}


def serve(tmp_path: Path, names: dict[str, bytes]) -> Path:
    """A listing in tmp_path whose inventories are 'served' from files there.

    Each name's copy starts as b"old"; its address serves the given bytes.
    """
    listing = tmp_path / "inventories.json"
    entries = {}
    for name, served in names.items():
        source = tmp_path / "served" / name / "objects.inv"
        source.parent.mkdir(parents=True)
        source.write_bytes(served)
        (tmp_path / f"{name}.inv").write_bytes(b"old")
        entries[name] = {
            "docs": f"https://example.org/{name}/",
            "objects": source.as_uri(),
            "file": f"{name}.inv",
            "copy": {"source": "before"},
        }
    listing.write_text(json.dumps(entries, indent=2) + "\n")
    return listing


@needs_sphinx
def test_refresh_downloads_checks_and_records_each_inventory(tmp_path):
    python = (FOLDER / "python.inv").read_bytes()
    numpy = (FOLDER / "numpy.inv").read_bytes()
    listing = serve(tmp_path, {"python": python, "numpy": numpy})

    records = refresh.refresh(listing=listing, today="2030-01-02")

    assert (tmp_path / "python.inv").read_bytes() == python
    assert (tmp_path / "numpy.inv").read_bytes() == numpy
    entries = json.loads(listing.read_text())
    assert entries["python"]["copy"] == records["python"]
    assert records["python"]["project"] == "Python"
    assert records["python"]["sha256"] == hashlib.sha256(python).hexdigest()
    assert records["python"]["source"] == entries["python"]["objects"]
    assert records["python"]["date"] == "2030-01-02"
    assert records["numpy"]["project"] == "NumPy"
    assert records["numpy"]["objects"] > 1000


@needs_sphinx
def test_refresh_of_one_name_leaves_the_others_alone(tmp_path):
    python = (FOLDER / "python.inv").read_bytes()
    listing = serve(tmp_path, {"python": python, "numpy": b"never read"})

    refresh.refresh(["python"], listing=listing)

    assert (tmp_path / "numpy.inv").read_bytes() == b"old"
    assert json.loads(listing.read_text())["numpy"]["copy"] == {"source": "before"}


@needs_sphinx
@pytest.mark.parametrize(
    "served",
    [
        b"<!doctype html><title>Not found</title>",
        b"# Sphinx inventory version 2\n# Project: X\n# Version: 1\n"
        b"# The remainder of this file is compressed using zlib.\nnot zlib",
    ],
    ids=["a web page", "a damaged inventory"],
)
def test_refresh_writes_nothing_if_any_download_is_not_an_inventory(tmp_path, served):
    python = (FOLDER / "python.inv").read_bytes()
    listing = serve(tmp_path, {"python": python, "broken": served})
    before = listing.read_bytes()

    with pytest.raises(refresh.InventoryError, match="is not a Sphinx inventory"):
        refresh.refresh(listing=listing)

    assert (tmp_path / "python.inv").read_bytes() == b"old"
    assert (tmp_path / "broken.inv").read_bytes() == b"old"
    assert listing.read_bytes() == before


def test_refresh_names_the_address_it_could_not_download(tmp_path):
    listing = serve(tmp_path, {"python": b""})
    missing = tmp_path / "served" / "python" / "objects.inv"
    missing.unlink()
    before = listing.read_bytes()

    with pytest.raises(refresh.InventoryError, match="could not download") as error:
        refresh.refresh(listing=listing)

    assert missing.as_uri() in str(error.value)
    assert listing.read_bytes() == before


def test_refresh_lists_the_known_names_when_asked_for_another(tmp_path, capsys):
    listing = serve(tmp_path, {"python": b"", "numpy": b""})
    with pytest.raises(refresh.InventoryError, match="it lists python, numpy"):
        refresh.refresh(["pyhton"], listing=listing)

    # The command line (on the real listing) says the same, fails, and writes
    # nothing.
    before = LISTING.read_bytes()
    assert refresh.main(["pyhton"]) == 1
    assert "no inventory named pyhton" in capsys.readouterr().err
    assert LISTING.read_bytes() == before
