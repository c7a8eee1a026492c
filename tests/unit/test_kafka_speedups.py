"""The compiled helpers kafka-python silently falls back from are installed and in use.

kafka-python checksums every record batch it produces and fetches with CRC32C; without
the `crc32c` package it does so in pure Python (~70 µs per 600 bytes), which more than
halved the scorer's end-to-end throughput in the benchmark (BENCHMARKS.md). The fallback
is silent, so a missing dependency would only show up as a slow service.
"""

from __future__ import annotations

from kafka.record import util
from kafka.record._crc32c import crc as pure_python_crc32c


def test_kafka_python_uses_the_compiled_crc32c() -> None:
    import crc32c

    assert util._crc32c is crc32c.crc32c, (
        "kafka-python is checksumming in pure Python; install the `crc32c` package "
        "(a dependency in pyproject.toml)")


def test_compiled_crc32c_agrees_with_the_reference() -> None:
    data = bytes(range(256)) * 4
    assert util.calc_crc32c(data) == pure_python_crc32c(data)
