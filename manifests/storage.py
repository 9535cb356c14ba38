"""File access for manifests and stage outputs: local paths directly, anything with a scheme (`gs://`, `s3://`,
`mem://`) through Beam's `FileSystems`, imported only when such a path is seen so that local commands stay quick."""
from __future__ import annotations

import hashlib
import os
import posixpath
import shutil
from pathlib import Path
from typing import BinaryIO, Callable

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


def local_copy(path: str, cache_dir: str | None = None) -> str:
    """A local path for `path`: itself when local, else a copy made once per machine (per worker) in a cache.

    Models named by `gs://…` are fetched here by `DoFn.setup`, never pickled with the DoFn.
    """
    if not has_scheme(path):
        return path
    import tempfile

    cache = Path(cache_dir or Path(tempfile.gettempdir()) / "llamix-models")
    target = cache / hashlib.sha256(path.encode()).hexdigest()[:16] / posixpath.basename(path)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
        with open_read(path) as src, open(partial, "wb") as out:
            while chunk := src.read(_HASH_CHUNK):
                out.write(chunk)
        partial.replace(target)  # atomic: two processes on one worker may race; both write whole files
    return str(target)
