"""IMEI, account ids, device types and time parsing, without a database."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from onenumber_cli.domain.imei import luhn_check_digit, validate_imei
from onenumber_cli.domain.values import Plan, parse_time, validate_account, validate_type
from onenumber_cli.errors import InvalidAccount, InvalidImei, InvalidTime, InvalidType
from onenumber_cli.i18n.errors import render

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize("imei", ["490154203237518", "356938035643809", "000000000000000"])
def test_valid_imeis_pass_the_luhn_check(imei: str) -> None:
    assert validate_imei(imei) == imei


@pytest.mark.parametrize(
    ("imei", "reason"),
    [
        ("490154203237517", "check_digit"),
        ("49015420323751", "format"),
        ("4901542032375180", "format"),
        ("49015420323751a", "format"),
        ("４９０１５４２０３２３７５１８", "format"),  # full-width digits are not an IMEI
        ("", "format"),
    ],
)
def test_invalid_imeis_are_refused(imei: str, reason: str) -> None:
    with pytest.raises(InvalidImei) as caught:
        validate_imei(imei)
    assert caught.value.reason == reason


def test_check_digit_error_says_which_digit_is_expected() -> None:
    with pytest.raises(InvalidImei) as caught:
        validate_imei("490154203237517")
    assert "8" in render(caught.value)[0]
    assert luhn_check_digit("49015420323751") == 8


@pytest.mark.parametrize("account", ["a", "user@example.com", "A.b_c+d-e", "x" * 64])
def test_valid_account_ids(account: str) -> None:
    assert validate_account(account) == account


@pytest.mark.parametrize("account", ["", "x" * 65, "has space", "日本", "a/b", "a\nb"])
def test_invalid_account_ids(account: str) -> None:
    with pytest.raises(InvalidAccount):
        validate_account(account)


def test_device_types_are_trimmed_and_must_be_printable() -> None:
    assert validate_type("  Apple Watch SE ") == "Apple Watch SE"
    for bad in ("", "   ", "x" * 65, "tab\there", "nul\x00"):
        with pytest.raises(InvalidType):
            validate_type(bad)


def test_plan_capacities() -> None:
    assert Plan.ONE_NUMBER.capacity == 1
    assert Plan.MULTI.capacity == 5


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2022-09-12", datetime(2022, 9, 11, 15, 0, tzinfo=UTC)),
        ("2022-09-12T16:43", datetime(2022, 9, 12, 7, 43, tzinfo=UTC)),
        ("2022-09-12 16:43:10", datetime(2022, 9, 12, 7, 43, 10, tzinfo=UTC)),
        ("2022-09-12T16:43Z", datetime(2022, 9, 12, 16, 43, tzinfo=UTC)),
        ("2022-09-12T16:43+02:00", datetime(2022, 9, 12, 14, 43, tzinfo=UTC)),
    ],
)
def test_times_without_offset_are_read_in_the_given_zone(raw: str, expected: datetime) -> None:
    assert parse_time(raw, TOKYO) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2022年09月12日", datetime(2022, 9, 11, 15, 0, tzinfo=UTC)),
        ("2022年9月12日", datetime(2022, 9, 11, 15, 0, tzinfo=UTC)),
        ("2022年09月12日 16:43", datetime(2022, 9, 12, 7, 43, tzinfo=UTC)),
        ("２０２２年０９月１２日　１６：４３", datetime(2022, 9, 12, 7, 43, tzinfo=UTC)),
        ("2022/09/12", datetime(2022, 9, 11, 15, 0, tzinfo=UTC)),
        ("2022/9/12 16:43:05", datetime(2022, 9, 12, 7, 43, 5, tzinfo=UTC)),
        (" 2022/09/12 ", datetime(2022, 9, 11, 15, 0, tzinfo=UTC)),
    ],
)
def test_times_as_the_tool_and_a_japanese_spreadsheet_print_them_are_read_back(
        raw: str, expected: datetime) -> None:
    assert parse_time(raw, TOKYO) == expected


def test_a_printed_japanese_date_is_read_back_as_the_table_shows_it() -> None:
    """What a Japanese table prints (format_date) parses to the same minute."""
    at = datetime(2021, 7, 20, 3, 4, tzinfo=UTC)
    local = at.astimezone(TOKYO)
    printed = f"{local.year:04d}年{local.month:02d}月{local.day:02d}日 {local:%H:%M}"
    assert parse_time(printed, TOKYO) == at


@pytest.mark.parametrize("raw", ["yesterday", "2022-13-01", "12/09/2022", "", "2022年13月01日",
                                 "2022/02/30", "2022年09月12日 25:00", "2022/09/12/01",
                                 "2022年09月", "2022/09/12 16"])
def test_bad_times_are_refused(raw: str) -> None:
    with pytest.raises(InvalidTime):
        parse_time(raw, TOKYO)


def test_future_times_can_be_refused() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(InvalidTime) as caught:
        parse_time("2026-01-02", TOKYO, now=now, allow_future=False)
    assert caught.value.reason == "future"
