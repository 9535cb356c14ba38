"""File access for manifests and stage outputs: local paths directly, anything with a scheme (`gs://`, `s3://`,
`mem://`) through Beam's `FileSystems`, imported only when such a path is seen so that local commands stay quick."""
from __future__ import annotations

import hashlib
import logging
import os
import posixpath
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

log = logging.getLogger(__name__)

_HASH_CHUNK = 8 << 20


def has_scheme(path: str) -> bool:
    return "://" in str(path)


def _filesystems():
    from apache_beam.io.filesystems import FileSystems

    return FileSystems


def join(base: str, *parts: str) -> str:
    if has_scheme(base):
        return _filesystems().join(base, *parts)
    return str(Path(base, *parts))


def dirname(path: str) -> str:
    if has_scheme(path):
        return _filesystems().split(path)[0]
    return str(Path(path).parent)


def relpath(path: str, start: str) -> str:
    if has_scheme(path) or has_scheme(start):
        return posixpath.relpath(path.split("://", 1)[1], start.split("://", 1)[1])
    return os.path.relpath(path, start)


def open_read(path: str) -> BinaryIO:
    if has_scheme(path):
        from apache_beam.io.filesystem import CompressionTypes

        return _filesystems().open(path, compression_type=CompressionTypes.UNCOMPRESSED)
    return open(path, "rb")


def exists(path: str) -> bool:
    return _filesystems().exists(path) if has_scheme(path) else Path(path).exists()


def _write_atomic(path: str, write: Callable[[BinaryIO], None]) -> None:
    """Calls `write(handle)` on a temporary name beside `path`, then renames, so readers never see half a file."""
    if has_scheme(path):
        fs = _filesystems()
        partial = path + ".partial"
        with fs.create(partial) as out:
            write(out)
        if fs.exists(path):
            fs.delete([path])
        fs.rename([partial], [path])
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    with open(partial, "wb") as out:
        write(out)
    partial.replace(target)


def write_bytes_atomic(path: str, data: bytes) -> None:
    _write_atomic(path, lambda out: out.write(data))


def publish_file(local: str | Path, target: str) -> None:
    """Copies a finished local file to `target` (local or remote), atomically."""
    with open(local, "rb") as source:
        _write_atomic(target, lambda out: shutil.copyfileobj(source, out, _HASH_CHUNK))


def file_digest(path: str) -> tuple[int, str]:
    """Returns `(bytes, sha256 hex)` of a file, streamed."""
    digest = hashlib.sha256()
    size = 0
    with open_read(path) as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


MODEL_CACHE_ENV = "LLAMIX_MODEL_CACHE"  # where remote models are copied; default <tmp>/llamix-models


def model_cache_dir() -> Path:
    """The folder remote models are copied into: `$LLAMIX_MODEL_CACHE`, else `<tempdir>/llamix-models`."""
    import tempfile

    return Path(os.environ.get(MODEL_CACHE_ENV) or Path(tempfile.gettempdir()) / "llamix-models")


def _remote_metadata(path: str):
    matched = _filesystems().match([path])[0].metadata_list
    found = [m for m in matched if m.path == path] or matched
    if not found:
        raise FileNotFoundError(f"{path}: no such file")
    return found[0]


@contextmanager
def _machine_lock(lock_path: Path) -> Iterator[None]:
    """An exclusive lock on `lock_path` across the processes and threads of one machine (a Dataflow worker runs one
    SDK process per core: only the first copies a multi-GB model, the others wait and reuse it). The file is opened
    afresh by every caller, and `flock` locks belong to an open file, so threads of one process exclude each other
    too."""
    try:
        import fcntl
    except ImportError:  # not POSIX: the temp-then-rename below still keeps every copy whole
        yield
        return
    with open(lock_path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def local_copy(path: str, cache_dir: str | None = None) -> str:
    """A local path for `path`: itself when local, else a copy made once per machine (per worker) in a cache.

    Models named by `gs://…` are fetched here by `DoFn.setup`, never pickled with the DoFn. The cache entry is
    `<cache>/<sha256 of url, size and modification time>/<file name>`, so a model replaced at the same URL is copied
    again. The copy is written to a temporary name and renamed; a lock per machine makes two DoFn instances (threads
    or processes of one worker) copy it once and share it.
    """
    if not has_scheme(path):
        return path
    meta = _remote_metadata(path)
    identity = f"{path}\n{meta.size_in_bytes}\n{meta.last_updated_in_seconds}"
    cache = Path(cache_dir) if cache_dir else model_cache_dir()
    target = cache / hashlib.sha256(identity.encode()).hexdigest()[:16] / posixpath.basename(path)
    if target.exists():
        return str(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with _machine_lock(target.parent / ".lock"):
        if target.exists():  # another process or thread of this machine copied it while we waited
            return str(target)
        started = time.monotonic()
        # A name of its own per writer: without `fcntl` there is no lock, and concurrent copies must not mix.
        partial = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.partial")
        with open_read(path) as src, open(partial, "wb") as out:
            shutil.copyfileobj(src, out, _HASH_CHUNK)
        partial.replace(target)
        log.info("copied %s to %s (%d bytes, %.1fs)", path, target, target.stat().st_size,
                 time.monotonic() - started)
    return str(target)
