"""Percent-decoding of protocol parameters: the fast path must read every input as urllib does."""

from __future__ import annotations

import random
from urllib.parse import unquote_to_bytes, urlencode

import pytest

from cdkg.web.sparql.request import percent_decode

PIECES = [
    b"%",
    b"2",
    b"0",
    b"a",
    b"F",
    b"g",
    b"_",
    b"+",
    b" ",
    b"\t",
    b"=",
    b"\r",
    b"\n",
    b"x",
    b"%3D",
    b"%3d",
    b"%25",
    b"%0A",
    b"%0d",
    b"%20",
    b"%e2%82%ac",
    b"%C3%A9",
    b"%%",
    b"%4",
]


def _urllib(encoded: bytes) -> str:
    return unquote_to_bytes(encoded.replace(b"+", b" ")).decode("utf-8")


def test_a_whole_sparql_query_comes_back_as_it_was_sent():
    query = 'PREFIX ex: <http://example.org/#a%20b>\nSELECT * { ?s ?p "é = 100% €\\t" } # done\r\n'
    encoded = urlencode({"query": query}).encode("ascii").partition(b"=")[2]
    assert percent_decode(encoded) == query


def test_random_mixes_of_escapes_and_odd_bytes_decode_exactly_as_urllib_decodes_them():
    rng = random.Random(20261123)
    for _ in range(20_000):
        encoded = b"".join(rng.choice(PIECES) for _ in range(rng.randint(0, 12)))
        try:
            expected = _urllib(encoded)
        except UnicodeDecodeError:
            with pytest.raises(UnicodeDecodeError):
                percent_decode(encoded)
            continue
        assert percent_decode(encoded) == expected, encoded


@pytest.mark.parametrize("encoded", [b"100%", b"%%41", b"%4", b"a=b%41", b"%41%0", b"%41\r\n%42", b"%41 \t"])
def test_malformed_escapes_and_separators_stay_as_urllib_leaves_them(encoded):
    assert percent_decode(encoded) == _urllib(encoded)


def test_bytes_that_are_not_utf8_are_refused():
    with pytest.raises(UnicodeDecodeError):
        percent_decode(b"caf%E9")
