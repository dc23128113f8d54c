"""Passwords from published breaches are refused wherever a password is set (issue #14,
finding 12): the 30,000 most common of Xato's 10 million, as ranked by zxcvbn's list."""

import pytest

from api.auth.passwords import password_problem
from tests.support.walker import TEST_PASSWORD

BREACHED = ["qwerty123456", "1qaz2wsx3edc", "123456789qwe", "QWERTY123456", "finalfantasy"]


@pytest.mark.parametrize("password", BREACHED)
def test_a_breached_password_is_refused(password):
    assert password_problem(password) == "That password is in lists of breached passwords."


@pytest.mark.parametrize("password", [TEST_PASSWORD, "a much longer passphrase 2"])
def test_an_uncommon_password_is_accepted(password):
    assert password_problem(password) is None


def test_changing_to_a_breached_password_is_a_422_naming_the_field(client, create_clinician, login):
    csrf = login(client, create_clinician())
    response = client.post(
        "/api/v1/account/password",
        json={"current_password": TEST_PASSWORD, "new_password": "qwerty123456"},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 422
    errors = response.json["errors"]
    assert "new_password" in errors or "new_password" in errors.get("json", {})


def test_the_cli_refuses_a_breached_admin_password(app):
    from api.cli import create_admin

    result = app.test_cli_runner().invoke(
        create_admin,
        ["--clinic", "C", "--email", "a@example.org", "--password", "1q2w3e4r5t6y"],
    )
    assert result.exit_code != 0 and "breached" in result.output
