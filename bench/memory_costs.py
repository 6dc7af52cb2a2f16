"""What fresh memory and the page cache cost on this machine (seconds a GiB), the figures the big tiers hinge on.

A virtual machine may hand memory that stays free for a few seconds back to its host (Linux's
free page reporting, ``virtio_balloon``); touching it again then costs far more than touching
memory freed a moment ago. A 1M-article scan touches gigabytes anew in each stage, a 100k scan
mostly reuses what it has just freed: that alone makes time grow faster than the corpus. Run
from the repository root (nothing to download; writes one temporary file of ``--gib``):

    python bench/memory_costs.py --gib 2 --idle 10

Prints, in seconds a GiB:
- anonymous memory touched at once after freeing the same amount, then after ``--idle`` seconds;
- the same after ``--idle`` seconds with ``MADV_POPULATE_WRITE`` (Linux 5.14+) instead of page faults;
- a file written through the page cache, then written synced and dropped every 64 MB
  (as ``segments._SyncedFile`` writes an index's files), and each read back;
and the latency of a random 3 KB read of that file from disk (what scoring would pay per read if
a scan's spills left the page cache).
"""

from __future__ import annotations

import argparse
import ctypes
import mmap
import os
import tempfile
import time

import numpy as np

GIB = 1 << 30
CHUNK = 64 << 20
MADV_POPULATE_WRITE = 23


def _touch(size: int, populate: bool = False) -> float:
    """Seconds to map ``size`` bytes and write a byte in every page (or populate them with madvise)."""
    began = time.perf_counter()
    area = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    pages = np.frombuffer(area, dtype=np.uint8)
    if populate:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        if libc.madvise(pages.ctypes.data, size, MADV_POPULATE_WRITE) != 0:
            raise OSError(ctypes.get_errno(), "madvise(MADV_POPULATE_WRITE) failed (Linux 5.14 or later needed)")
    pages[:: mmap.PAGESIZE] = 1
    seconds = time.perf_counter() - began
    del pages
    area.close()
    return seconds


def _write(path: str, size: int, drop: bool) -> tuple[float, float]:
    """Seconds to write ``size`` bytes to ``path`` (kept in the page cache, or synced and dropped every chunk),
    and to read them back."""
    data = os.urandom(1 << 20) * (CHUNK >> 20)
    began = time.perf_counter()
    with open(path, "wb") as file:
        for _ in range(size // CHUNK):
            file.write(data)
            if drop:
                file.flush()
                os.fdatasync(file.fileno())
                os.posix_fadvise(file.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
        file.flush()
        os.fsync(file.fileno())
    written = time.perf_counter() - began
    began = time.perf_counter()
    descriptor = os.open(path, os.O_RDONLY)
    try:
        for k in range(size // CHUNK):
            os.pread(descriptor, CHUNK, k * CHUNK)
            if drop:
                os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(descriptor)
    return written, time.perf_counter() - began


def _random_reads(path: str, size: int, reads: int) -> float:
    """Microseconds a random 3 KB read of ``path`` takes once its pages left the page cache."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
        places = np.random.default_rng(0).integers(0, size - 4096, size=reads).tolist()
        began = time.perf_counter()
        for place in places:
            os.pread(descriptor, 3000, place)
        return (time.perf_counter() - began) / reads * 1e6
    finally:
        os.close(descriptor)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=2.0, help="memory and file size, GiB [2]")
    parser.add_argument("--idle", type=float, default=10.0, help="seconds memory stays free before it is touched again [10]")
    parser.add_argument("--dir", default=None, help="folder for the temporary file [the system's]")
    args = parser.parse_args()
    size = max(CHUNK, int(args.gib * GIB) // CHUNK * CHUNK)
    gib = size / GIB

    _touch(size)  # the memory this process will reuse
    at_once = _touch(size)
    time.sleep(args.idle)
    after_idle = _touch(size)
    time.sleep(args.idle)
    populated = _touch(size, populate=True)
    print(f"anonymous memory, {gib:.2f} GiB: touched at once after freeing {at_once / gib:.2f} s/GiB; "
          f"after {args.idle:g} s free {after_idle / gib:.2f} s/GiB; the same with MADV_POPULATE_WRITE {populated / gib:.2f} s/GiB")

    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        path = os.path.join(folder, "costs.bin")
        time.sleep(args.idle)
        kept = _write(path, size, drop=False)
        os.unlink(path)
        time.sleep(args.idle)
        dropped = _write(path, size, drop=True)
        latency = _random_reads(path, size, 20_000)
    print(f"file of {gib:.2f} GiB through the page cache: written {kept[0] / gib:.2f} s/GiB, read back {kept[1] / gib:.2f} s/GiB; "
          f"synced and dropped every {CHUNK >> 20} MB: written {dropped[0] / gib:.2f} s/GiB, read back from disk {dropped[1] / gib:.2f} s/GiB")
    print(f"random 3 KB read from disk: {latency:.0f} µs")


if __name__ == "__main__":
    main()
