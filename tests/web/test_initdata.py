"""Telegram Mini App init data: the validator against vectors computed outside it."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from web.initdata import InitDataRefused, validate_init_data

TOKEN = "123456789:AAFakeTokenForMosaicTests_0123456789"
USER = '{"id":279058397,"first_name":"Vlad","username":"vlad","language_code":"de"}'
# Computed with openssl, not with the code under test:
#   secret = HMAC-SHA256(key="WebAppData", msg=TOKEN)
#   hash = HMAC-SHA256(key=secret, msg="auth_date=…\nquery_id=…\nuser=…")
KNOWN_HASH = "6e0e12f5de2031379e7c79716a9b64e795ffdbbb3d598e766c2cc069aad35f29"
AUTH_DATE = 1_700_000_000


def init_data(hash_: str = KNOWN_HASH, *, user: str = USER, auth_date: int = AUTH_DATE) -> str:
    return (
        f"query_id=AAHdF6IQAAAAAN0XohDhrOrc&user={quote(user)}&auth_date={auth_date}&hash={hash_}"
    )


def check(data: str, *, now: float = AUTH_DATE + 10, max_age: float = 3600):
    return validate_init_data(data, TOKEN, now=now, max_age_seconds=max_age)


def test_a_known_vector_is_accepted_with_its_user() -> None:
    user = check(init_data())
    assert (user.id, user.first_name, user.username, user.language_code) == (
        279058397,
        "Vlad",
        "vlad",
        "de",
    )


def test_field_order_in_the_query_string_does_not_matter() -> None:
    shuffled = (
        f"hash={KNOWN_HASH}&auth_date={AUTH_DATE}&user={quote(USER)}"
        "&query_id=AAHdF6IQAAAAAN0XohDhrOrc"
    )
    assert check(shuffled).id == 279058397


@pytest.mark.parametrize(
    "data",
    [
        pytest.param("", id="missing"),
        pytest.param(init_data("0" * 64), id="forged hash"),
        pytest.param(init_data(KNOWN_HASH.upper()), id="hash in other case"),
        pytest.param(init_data(user=USER.replace("279058397", "279058398")), id="tampered user"),
        pytest.param(init_data(auth_date=AUTH_DATE + 1), id="tampered auth_date"),
        pytest.param(init_data().replace(f"&hash={KNOWN_HASH}", ""), id="no hash"),
        pytest.param(init_data() + "&hash=" + KNOWN_HASH, id="hash twice"),
        pytest.param(init_data() + "&extra=1", id="added field"),
        pytest.param("not a query string", id="garbage"),
    ],
)
def test_forged_tampered_or_malformed_init_data_is_refused(data: str) -> None:
    with pytest.raises(InitDataRefused):
        check(data)


def test_another_bots_token_does_not_validate() -> None:
    with pytest.raises(InitDataRefused):
        validate_init_data(init_data(), TOKEN + "x", now=AUTH_DATE, max_age_seconds=3600)


def test_auth_date_outside_the_window_is_refused() -> None:
    assert check(init_data(), now=AUTH_DATE + 3600).id == 279058397  # the edge is inside
    with pytest.raises(InitDataRefused):
        check(init_data(), now=AUTH_DATE + 3601)
    with pytest.raises(InitDataRefused):  # from the future, past the allowed clock skew
        check(init_data(), now=AUTH_DATE - 120)
