from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.sysfix.hardening.plugins.module_utils import text

LINE_BREAKS = ["\n", "\r\n", "\r", "\x0b", "\x0c", "\x1c", "\x85", "\u2028"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(LINE_BREAKS), st.text(max_size=6))).map("".join),
       st.integers(1, 8))
def test_iter_lines_cuts_like_splitlines_whatever_the_block_size(data, chunk):
    assert list(text.iter_lines(data, chunk=chunk)) == data.splitlines()


def test_iter_lines_of_a_large_text():
    data = "".join("line %d\r\n" % number for number in range(50000))
    assert list(text.iter_lines(data)) == data.splitlines()


def test_is_number_refuses_what_int_refuses():
    assert text.is_number("0123")
    assert not text.is_number("\u00b2") and "\u00b2".isdigit()
    assert not text.is_number("") and not text.is_number("-1") and not text.is_number("1 ")


def test_clip():
    assert text.clip(b"abc\r\n") == "abc"
    assert text.clip("x" * 300) == "x" * 200 + "..."
