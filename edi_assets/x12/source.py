"""Turn a path, bytes or binary stream into decoded text chunks of bounded size.

Text is decoded as UTF-8 with ``surrogateescape``: ASCII (nearly all X12) costs nothing, UTF-8 data
(some partners send it, and one corpus file uses U+2026 as its terminator) reads as the characters
meant, and stray single bytes (Windows-1252, binary) survive as lone surrogates instead of failing,
so a delimiter can be any byte the sender chose.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Iterator
from typing import BinaryIO

from edi_assets.x12.errors import X12SourceError

Source = str | os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO

DEFAULT_CHUNK = 1 << 20
BOM = "\ufeff"


def _byte_chunks(source: Source, chunk_size: int) -> Iterator[bytes]:
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        for i in range(0, len(data), chunk_size):
            yield data[i : i + chunk_size]
        return
    if isinstance(source, str | os.PathLike):
        try:
            fh = open(source, "rb")  # noqa: SIM115 - closed in finally; generator owns it
        except OSError as exc:
            raise X12SourceError(f"cannot open {os.fspath(source)!s}: {exc.strerror or exc}") from None
        try:
            while block := fh.read(chunk_size):
                yield block
        except OSError as exc:
            raise X12SourceError(f"cannot read {os.fspath(source)!s}: {exc.strerror or exc}") from None
        finally:
            fh.close()
        return
    if hasattr(source, "read"):
        try:
            while block := source.read(chunk_size):
                if isinstance(block, str):
                    raise X12SourceError("the stream is opened in text mode; open it in binary mode ('rb')")
                yield bytes(block)
        except OSError as exc:
            raise X12SourceError(f"cannot read the stream: {exc}") from None
        return
    raise X12SourceError(f"cannot read X12 from a {type(source).__name__}")


def source_size(source: Source) -> int | None:
    """Total bytes of ``source`` when knowable up front (a path or bytes), for progress reports."""
    if isinstance(source, bytes | bytearray | memoryview):
        return len(source)
    if isinstance(source, str | os.PathLike):
        try:
            return os.path.getsize(source)
        except OSError:
            return None
    return None


def text_chunks(source: Source, chunk_size: int = DEFAULT_CHUNK, counter: list[int] | None = None) -> Iterator[str]:
    """Yield decoded text in chunks of about ``chunk_size`` characters; the BOM is dropped.

    ``counter[0]``, when given, is kept at the number of bytes read so far.
    """
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    first = True
    for block in _byte_chunks(source, chunk_size):
        if counter is not None:
            counter[0] += len(block)
        text = decoder.decode(block)
        if first and text:
            first = False
            if text.startswith(BOM):
                text = text[1:]
        if text:
            yield text
    tail = decoder.decode(b"", final=True)
    if tail:
        yield tail
