"""The bootstrap never gives a team account a password anyone could read in this code, outside a twin."""

from __future__ import annotations

import re

from infra.bootstrap import LOCAL_TEAM_PASSWORD, ensure_team_account, generated_password
from passculture.config import get_settings
from passculture.rules.accounts import check_password
from passculture.services.accounts.signin import authenticate_password


def team_can_sign_in_with(password: str) -> bool:
    return authenticate_password(get_settings().team_email, password) is not None


def test_without_team_password_the_account_gets_a_generated_password_printed_once(aws, monkeypatch, capsys):
    monkeypatch.delenv("TEAM_PASSWORD", raising=False)
    ensure_team_account()
    printed = capsys.readouterr().out
    (password,) = re.findall(r"with the password (\S+) \(shown once", printed)
    assert get_settings().team_email in printed
    assert team_can_sign_in_with(password)
    assert not team_can_sign_in_with(LOCAL_TEAM_PASSWORD)

    ensure_team_account()  # it exists: nothing new, nothing printed
    assert capsys.readouterr().out == ""
    assert team_can_sign_in_with(password)


def test_team_password_is_the_account_s_password_wherever_it_runs(aws, monkeypatch, capsys):
    monkeypatch.setenv("TEAM_PASSWORD", "Chosen-by-ops-2026")
    ensure_team_account(LOCAL_TEAM_PASSWORD)
    assert team_can_sign_in_with("Chosen-by-ops-2026")
    assert not team_can_sign_in_with(LOCAL_TEAM_PASSWORD)
    assert "password" not in capsys.readouterr().out


def test_the_known_local_password_is_used_only_when_the_caller_gives_it(aws, monkeypatch):
    monkeypatch.delenv("TEAM_PASSWORD", raising=False)
    ensure_team_account(LOCAL_TEAM_PASSWORD)
    assert team_can_sign_in_with(LOCAL_TEAM_PASSWORD)


def test_generated_passwords_pass_the_signup_rules_and_differ():
    passwords = {generated_password() for _ in range(50)}
    assert len(passwords) == 50
    assert all(check_password(password) == password for password in passwords)
