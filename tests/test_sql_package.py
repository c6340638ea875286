"""SQL ships inside the package: a wheel holds every file of sql/ and an installed copy reads them.

The SQL is edited in the top-level ``sql/`` folder; ``csenet_dagster/sql`` links to it, so
``importlib.resources`` finds the files in a checkout, an editable install and a wheel alike
(issue 15). One numbering scheme (docs/DESIGN.md, "SQL files") is checked here too.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from csenet_dagster import db

REPO = Path(__file__).resolve().parent.parent
SQL = REPO / "sql"
STAGE = re.compile(r"^\d_[a-z]+$")
STEP = re.compile(r"^(\d\d)_[a-z0-9_]+\.sql$")
NAMED = re.compile(r"^[a-z][a-z0-9_]*\.sql$")


def test_the_package_reads_sql_through_importlib_resources():
    assert (db.sql_root() / "5_publish" / "01_network.sql").is_file()
    assert "CREATE" in db.render_sql("5_publish/01_network.sql").upper()


def test_one_numbering_scheme_across_stages():
    """Stage folders hold only numbered steps 01..n (in the order they run, each number once);
    checks, templates, dossier queries and other purposes live unnumbered in a named subfolder."""
    for stage in sorted(p for p in SQL.iterdir() if p.is_dir()):
        if stage.name == "common":
            assert all(NAMED.match(f.name) for f in stage.rglob("*.sql")), stage
            continue
        assert STAGE.match(stage.name), stage.name
        numbers = []
        for entry in sorted(stage.iterdir()):
            if entry.is_dir():
                assert all(NAMED.match(f.name) for f in entry.rglob("*.sql")), f"{entry}: subfolder files are unnumbered"
                continue
            match = STEP.match(entry.name)
            assert match, f"{stage.name}/{entry.name}: a step file is NN_name.sql"
            numbers.append(int(match.group(1)))
        assert numbers == list(range(1, len(numbers) + 1)), f"{stage.name}: steps numbered 01..n, each once: {numbers}"


@pytest.mark.slow
def test_a_built_wheel_carries_and_reads_every_sql_file(tmp_path):
    # Built from a copy: setuptools writes build/ and *.egg-info beside the sources. The link
    # csenet_dagster/sql -> ../sql is copied as a link, as a clone has it.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "csenet_dagster", source / "csenet_dagster", symlinks=True, ignore=ignore)
    shutil.copytree(SQL, source / "sql", ignore=ignore)
    assert (source / "csenet_dagster" / "sql").is_symlink()
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True, text=True, timeout=600,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("csenet-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"csenet_dagster/sql/{p.relative_to(SQL).as_posix()}" for p in SQL.rglob("*.sql")}
    assert expected and expected <= names, sorted(expected - names)[:5]

    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    probe = subprocess.run(
        [sys.executable, "-c",
         "from csenet_dagster import db; print(db.sql_root()); print(len(db.render_sql('5_publish/01_network.sql')))"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(target)},
    )
    assert probe.returncode == 0, probe.stderr[-2000:]
    root, size = probe.stdout.split()
    assert Path(root).resolve().is_relative_to(target.resolve()) and int(size) > 100
