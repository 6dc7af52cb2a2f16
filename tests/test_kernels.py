"""kernels: a run that will compile its kernels first says so; one that finds them cached says nothing.

Each case that needs an empty cache runs in a fresh process with ``NUMBA_CACHE_DIR`` pointing at an
empty folder (numba looks there first when it is set): reading the cache index compiles nothing,
so these stay fast.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

from provenance.kernels import ready
from tests.conftest import SEEDS

NOTICE = "provenance: compiling its kernels first"


def _python(code: str, cache=None):
    env = {key: value for key, value in os.environ.items() if key != "NUMBA_CACHE_DIR"}
    if cache is not None:
        env["NUMBA_CACHE_DIR"] = str(cache)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)


def test_a_scan_leaves_its_kernels_cached(seed_report):
    assert ready("scan")  # the seeds' scan (the fixture) compiled them, or found them cached


def test_an_empty_cache_is_not_ready(tmp_path):
    done = _python("from provenance.kernels import ready; print(ready('scan'), ready('index'))", tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]
    assert not list(tmp_path.rglob("*.nbc"))  # nothing was compiled to find out


def test_the_cli_says_it_compiles_only_when_it_will(tmp_path, seed_report):
    empty = tmp_path / "empty"
    empty.mkdir()
    # An empty folder: the scan stops at "no articles", after the notice, before compiling anything.
    code = f"import sys; from provenance.cli import main; sys.argv = ['provenance', 'scan', {str(empty)!r}]; main()"
    fresh = _python(code, tmp_path / "cache")
    assert fresh.returncode != 0 and NOTICE in fresh.stderr, fresh.stderr
    assert fresh.stderr.index(NOTICE) < fresh.stderr.index("error:")
    warm = _python(code)
    assert warm.returncode == fresh.returncode and NOTICE not in warm.stderr, warm.stderr


def test_compare_of_the_seeds_says_nothing_once_compiled(seed_report):
    first, second = sorted(SEEDS.glob("*.txt"))[:2]
    done = _python(f"import sys; from provenance.cli import main; sys.argv = ['provenance', 'compare', {str(first)!r}, {str(second)!r}]; main()")
    assert done.returncode == 0, done.stderr
    assert NOTICE not in done.stderr


def test_kernels_are_cached_in_the_temporary_folder_where_numba_has_no_folder_to_write():
    # A read-only install run by a user with no home: every cache=True kernel raised numba's "no
    # locator available" as the package was imported. (Root writes anywhere, so the unwritable
    # folders are played by replacing the check; run as another user, `provenance` now works.)
    expected = os.path.join(tempfile.gettempdir(), f"provenance-numba-{os.getuid()}")
    for first, read in (("", "os.environ['NUMBA_CACHE_DIR']"), ("import numba; ", "numba.config.CACHE_DIR")):
        code = (f"{first}import os, provenance; provenance._writable = lambda folder: False; "
                f"provenance._numba_cache_folder(); print({read})")
        done = _python(code)
        assert done.returncode == 0 and done.stdout.strip() == expected, done.stderr
    untouched = _python("import os, provenance; print(os.environ.get('NUMBA_CACHE_DIR'))")
    assert untouched.stdout.strip() == "None"  # where the package's own folder can be written
    given = _python("import os, provenance; print(os.environ.get('NUMBA_CACHE_DIR'))", "/somewhere/else")
    assert given.stdout.strip() == "/somewhere/else"
