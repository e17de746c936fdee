"""Pure units of the hygiene rules: secrets, typed response errors, input checks, SSE by the spec.

Each test here failed against the code before these rules existed.
"""

from __future__ import annotations

import logging
import traceback

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from replicate_async import AsyncClient, Client, ConfigurationError
from replicate_async._config import (
    check_base_url,
    check_call_timeout,
    check_token,
    to_timeout,
)

# -- secrets ---------------------------------------------------------------------------------

SECRET = "r8_Zq9SecretPart"

BAD_TOKENS = [
    f"{SECRET}\r\nX-Evil: 1",
    f"r8_{'é'}{SECRET}",
    f"{SECRET} more",
    f"{SECRET}\tmore",
    f"{SECRET}\x00",
    f"{SECRET}\x7f",
    f"{SECRET}\u200b",
    f"{SECRET}\u00a0x",
]


def _everything_said(exc: BaseException) -> str:
    """The message, args, repr and the whole formatted traceback of an exception."""
    text = "".join(traceback.format_exception(exc))
    return text + repr(exc) + repr(exc.args) + str(exc.__cause__) + str(exc.__context__)


@pytest.mark.parametrize("token", BAD_TOKENS)
@pytest.mark.parametrize("cls", [AsyncClient, Client])
def test_bad_token_is_refused_where_the_client_is_built_without_showing_it(
    cls: type[AsyncClient] | type[Client], token: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ConfigurationError) as info:
        cls(api_token=token, transport=httpx.MockTransport(lambda r: httpx.Response(500)))
    said = _everything_said(info.value)
    assert SECRET not in said
    assert "Zq9" not in said
    assert info.value.__cause__ is None
    assert info.value.__context__ is None
    assert "position" in str(info.value)
    assert SECRET not in caplog.text


@pytest.mark.parametrize("token", [t for t in BAD_TOKENS if "\x00" not in t])
def test_bad_token_from_the_environment_is_refused(
    token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPLICATE_API_TOKEN", token)
    with pytest.raises(ConfigurationError, match="REPLICATE_API_TOKEN") as info:
        AsyncClient()
    assert SECRET not in _everything_said(info.value)


@given(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1))
def test_every_printable_ascii_token_is_accepted(token: str) -> None:
    assert check_token(token) == token


@given(
    st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E)),
    st.characters().filter(lambda c: not "!" <= c <= "~"),
    st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E)),
)
def test_any_other_character_is_refused_and_never_shown(head: str, bad: str, tail: str) -> None:
    token = head + bad + tail
    with pytest.raises(ConfigurationError) as info:
        check_token(token)
    message = str(info.value)
    assert message.isascii()
    assert message.isprintable()
    if len(head) >= 3:
        assert head not in message
    if len(tail) >= 3:
        assert tail not in message
    assert f"position {len(head) + 1}" in message


# -- base URL and timeouts -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:99999",
        "http://localhost:0/v1",
        "https://api.replicate.com:65536/v1",
        "http://a b/v1",
        "https://user:secret@api.replicate.com/v1",
        "https://api.replicate.com/v1?x=1",
        "https://api.replicate.com/v1#frag",
    ],
)
@pytest.mark.parametrize("cls", [AsyncClient, Client])
def test_invalid_base_url_is_refused_at_construction(
    cls: type[AsyncClient] | type[Client], url: str
) -> None:
    with pytest.raises(ConfigurationError) as info:
        cls(api_token="r8_x", base_url=url)
    assert "secret" not in str(info.value)


@pytest.mark.parametrize(
    "url", ["http://localhost:8080", "http://127.0.0.1:1/v1", "http://[::1]:65535/v1"]
)
def test_valid_base_urls_pass(url: str) -> None:
    assert check_base_url(url) == url
    Client(api_token="r8_x", base_url=url)


@given(st.integers(min_value=65536, max_value=10**9))
def test_out_of_range_ports_are_refused(port: int) -> None:
    with pytest.raises(ConfigurationError):
        check_base_url(f"http://localhost:{port}/v1")


def test_pool_timeout_must_not_be_nan_or_negative() -> None:
    with pytest.raises(ValueError, match="pool"):
        to_timeout(httpx.Timeout(5.0, pool=float("nan")))
    with pytest.raises(ValueError, match="pool"):
        to_timeout(httpx.Timeout(5.0, pool=-1.0))
    assert to_timeout(httpx.Timeout(5.0, pool=None)).pool is None


@pytest.mark.parametrize("value", [float("inf"), float("nan"), -1, 0, -0.5])
def test_call_timeout_must_be_finite_and_positive(value: float) -> None:
    with pytest.raises(ValueError, match="finite, positive"):
        check_call_timeout(value)


@pytest.mark.parametrize("value", [True, "5", [5]])
def test_call_timeout_must_be_a_number(value: object) -> None:
    with pytest.raises(TypeError, match="seconds"):
        check_call_timeout(value)


def test_call_timeout_accepts_none_and_numbers() -> None:
    assert check_call_timeout(None) is None
    assert check_call_timeout(3) == 3.0
    assert check_call_timeout(0.25) == 0.25


def test_nan_max_retry_after_is_refused() -> None:
    with pytest.raises(ValueError, match="max_retry_after"):
        Client(api_token="r8_x", max_retry_after=float("nan"))


def test_redact_hides_any_bearer_credential() -> None:
    from replicate_async._logging import redact

    text = "header 'Authorization: Bearer abc.DEF-123' and token xyz9 and r8_abcdef"
    out = redact(text)
    assert "abc.DEF-123" not in out
    assert "xyz9" not in out
    assert "r8_abcdef" not in out
    assert "Bearer ***" in out
