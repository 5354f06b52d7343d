"""The users file: hashed passwords only, roles viewer and editor, `newsdesk users hash|add`."""

from __future__ import annotations

import hashlib
import stat

import pytest
from typer.testing import CliRunner

from core.errors import AccessError, ConfigError
from ui.cli import app
from ui.users import Access, hash_password, read_users, verify_password


def test_hashes_are_salted_scrypt_in_werkzeugs_format():
    one, two = hash_password("correct horse"), hash_password("correct horse")
    assert one != two and one.startswith("scrypt:32768:8:1$")
    method, salt, digest = one.split("$")
    assert len(salt) == 16 and len(digest) == 128
    expected = hashlib.scrypt(b"correct horse", salt=salt.encode(), n=32768, r=8, p=1, maxmem=132 * 32768 * 8).hex()
    assert digest == expected
    assert verify_password(one, "correct horse") and not verify_password(one, "correct horse ")
    pbkdf2 = "pbkdf2:sha256:1000$abc$" + hashlib.pbkdf2_hmac("sha256", b"pw", b"abc", 1000).hex()
    assert verify_password(pbkdf2, "pw") and not verify_password(pbkdf2, "pW")
    assert not verify_password("plain-text-password", "plain-text-password")


def test_users_file_roles_and_login(tmp_path):
    path = tmp_path / "users.txt"
    path.write_text(f"# newsdesk users\n\nalice:editor:{hash_password('a-pass')}\n"
                    f"bob:viewer:{hash_password('b-pass')}\n", encoding="utf-8")
    access = Access.from_options(users_file=path)
    assert access.enabled and access.check("alice", "a-pass") and access.check("bob", "b-pass")
    assert not access.check("bob", "a-pass") and not access.check("nobody", "a-pass")
    assert (access.role("alice"), access.role("bob"), access.role("nobody")) == ("editor", "viewer", None)
    access.require_editor("alice", "add articles")
    with pytest.raises(AccessError, match="bob is a viewer here and cannot add articles"):
        access.require_editor("bob", "add articles")
    with pytest.raises(AccessError):
        access.require_editor(None, "add articles")
    both = Access.from_options(auth="carol:c-pass", users_file=path)
    assert both.role("carol") == "editor" and both.check("carol", "c-pass")
    with pytest.raises(ConfigError, match="'alice' is also in the users file"):
        Access.from_options(auth="alice:x", users_file=path)
    from ui.web import check_share

    assert check_share(share=True, auth="", public=False, users=str(path)) is None  # --share with --users is fine
    nobody = Access()
    assert not nobody.enabled and nobody.role(None) == "editor"  # no login: the local user may do everything


@pytest.mark.parametrize(("line", "message"), [
    ("alice:editor:hunter2", "the password of 'alice' is not a password hash"),
    ("alice:admin:scrypt:16384:8:1$s$00", "'alice' is not 'name:role:password-hash'"),
    ("alice", "'alice' is not 'name:role:password-hash'"),
    ("alice:viewer:md5$s$00", "not a password hash"),
])
def test_bad_lines_are_refused_with_where_and_what(tmp_path, line, message):
    path = tmp_path / "users.txt"
    path.write_text(f"# users\n{line}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as error:
        read_users(path)
    assert f"{path}:2" in str(error.value) and "hunter2" not in str(error.value)


def test_empty_duplicate_and_missing_files(tmp_path):
    path = tmp_path / "users.txt"
    path.write_text("# nobody yet\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="lists no user"):
        read_users(path)
    line = f"alice:viewer:{hash_password('x')}"
    path.write_text(f"{line}\n{line}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="listed twice"):
        read_users(path)
    with pytest.raises(ConfigError, match="cannot be read"):
        read_users(tmp_path / "missing.txt")


def test_users_commands_make_a_private_file_that_logs_in(tmp_path):
    runner = CliRunner()
    path = tmp_path / "users.txt"
    added = runner.invoke(app, ["users", "add", str(path), "alice", "--role", "editor", "--stdin"], input="s3cret\n")
    assert added.exit_code == 0, added.output
    assert "added alice (editor)" in added.output
    runner.invoke(app, ["users", "add", str(path), "bob", "--stdin"], input="b0b\n")
    again = runner.invoke(app, ["users", "add", str(path), "alice", "--role", "viewer", "--stdin"], input="new\n")
    assert "updated alice (viewer)" in again.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    access = Access.from_options(users_file=path)
    assert access.role("alice") == "viewer" and access.check("alice", "new") and not access.check("alice", "s3cret")
    assert access.role("bob") == "viewer" and access.check("bob", "b0b")
    assert "s3cret" not in path.read_text() and "new\n" not in path.read_text()

    printed = runner.invoke(app, ["users", "hash", "--stdin"], input="pw\n")
    assert printed.exit_code == 0 and verify_password(printed.output.strip(), "pw")
    bad = runner.invoke(app, ["users", "add", str(path), "eve:il", "--stdin"], input="x\n")
    assert bad.exit_code == 2 and "without ':'" in bad.output
    role = runner.invoke(app, ["users", "add", str(path), "eve", "--role", "admin", "--stdin"], input="x\n")
    assert role.exit_code == 2 and "'admin' is not one of viewer, editor" in role.output
