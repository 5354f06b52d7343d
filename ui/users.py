"""Who may use the web chat and what they may do: the users file, password hashes, roles.

The users file (`--users FILE` / NEWSDESK_USERS) has one user a line, `name:role:hash`, `#` comments allowed.
`role` is `viewer` (asks, browses, shares) or `editor` (also adds files, URLs and feeds). `hash` is a password
hash in Werkzeug's documented `generate_password_hash` format, `scrypt:N:r:p$salt$hex` (scrypt, RFC 7914, from
hashlib; `pbkdf2:sha256:iterations$salt$hex` is read too), so a line can also be made with Flask/Werkzeug.
`newsdesk users hash` prints one; `newsdesk users add FILE NAME --role viewer` writes the line.
Hashing is written here because the standard library has the functions and no kept dependency has the format.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from core.errors import AccessError, ConfigError

Role = Literal["viewer", "editor"]
ROLES: tuple[Role, ...] = ("viewer", "editor")
# Werkzeug's default scrypt cost: ~32 MB and ~0.1 s per check on one core.
_SCRYPT = (2**15, 8, 1)
_SALT_CHARS = string.ascii_letters + string.digits


def hash_password(password: str) -> str:
    if not password:
        raise ConfigError("an empty password cannot be hashed: choose one")
    n, r, p = _SCRYPT
    salt = "".join(secrets.choice(_SALT_CHARS) for _ in range(16))
    digest = hashlib.scrypt(password.encode(), salt=salt.encode(), n=n, r=r, p=p, maxmem=132 * n * r * p).hex()
    return f"scrypt:{n}:{r}:{p}${salt}${digest}"


def _derive(method: str, salt: str, password: str) -> str:
    kind, *args = method.split(":")
    if kind == "scrypt":
        n, r, p = (int(a) for a in args) if args else _SCRYPT
        return hashlib.scrypt(password.encode(), salt=salt.encode(), n=n, r=r, p=p, maxmem=132 * n * r * p).hex()
    if kind == "pbkdf2":
        name = args[0] if args else "sha256"
        rounds = int(args[1]) if len(args) > 1 else 1_000_000
        return hashlib.pbkdf2_hmac(name, password.encode(), salt.encode(), rounds).hex()
    raise ValueError(f"unknown password hash method {kind!r}")


def check_hash(stored: str) -> None:
    """Raise ValueError unless `stored` is a hash this module can verify (a plain password is not)."""
    method, sep, rest = stored.partition("$")
    salt, sep2, digest = rest.partition("$")
    if not (sep and sep2 and salt and digest) or method.split(":")[0] not in {"scrypt", "pbkdf2"}:
        raise ValueError("not a password hash (scrypt:N:r:p$salt$hex or pbkdf2:sha256:rounds$salt$hex)")
    _derive(method, salt, "")  # the parameters parse and the hash function exists


def verify_password(stored: str, password: str) -> bool:
    method, _, rest = stored.partition("$")
    salt, _, digest = rest.partition("$")
    try:
        return hmac.compare_digest(_derive(method, salt, password), digest)
    except ValueError:
        return False


def parse_auth(auth: str) -> tuple[str, str]:
    """`--auth USER:PASS` split; the password is never quoted back."""
    user, sep, password = auth.partition(":")
    if not sep or not user or not password:
        raise ConfigError(f"auth {auth.split(':')[0]!r}:*** is not USER:PASS; pass --auth USER:PASS")
    return user, password


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    password_hash: str


def parse_users_line(line: str, where: str) -> User | None:
    """One line of a users file; None for blank and comment lines. `where` names it in messages."""
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    name, _, rest = text.partition(":")
    role, _, stored = rest.partition(":")
    if not name or role not in ROLES or not stored:
        raise ConfigError(f"{where}: {name or text[:20]!r} is not 'name:role:password-hash' with role viewer or "
                          "editor; make lines with `newsdesk users add FILE NAME --role viewer`")
    try:
        check_hash(stored)
    except ValueError as exc:
        raise ConfigError(f"{where}: the password of {name!r} is {exc}; make one with `newsdesk users hash`") from None
    return User(name=name, role=role, password_hash=stored)  # type: ignore[arg-type]


def read_users(path: Path) -> dict[str, User]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"users file {str(path)!r} cannot be read ({exc}): pass --users with a readable file") \
            from None
    users: dict[str, User] = {}
    for number, line in enumerate(lines, 1):
        user = parse_users_line(line, f"{path}:{number}")
        if user is None:
            continue
        if user.name in users:
            raise ConfigError(f"{path}:{number}: user {user.name!r} is listed twice; keep one line per user")
        users[user.name] = user
    if not users:
        raise ConfigError(f"users file {str(path)!r} lists no user: add one with `newsdesk users add {path} NAME`")
    return users


@dataclass
class Access:
    """The chat's users. Without any (no --auth, no --users) there is no login and everyone is an editor."""

    users: dict[str, User] = field(default_factory=dict)
    _dummy: str = field(default_factory=lambda: hash_password(secrets.token_urlsafe(16)), repr=False)

    @classmethod
    def from_options(cls, auth: str = "", users_file: str | Path = "") -> Access:
        """`--auth USER:PASS` (one editor) and/or `--users FILE`."""
        users = read_users(Path(users_file)) if str(users_file or "").strip() else {}
        if auth:
            name, password = parse_auth(auth)
            if name in users:
                raise ConfigError(f"--auth user {name!r} is also in the users file {str(users_file)!r}: "
                                  "keep one of them")
            users[name] = User(name=name, role="editor", password_hash=hash_password(password))
        return cls(users=users)

    @property
    def enabled(self) -> bool:
        return bool(self.users)

    def check(self, username: str, password: str) -> bool:
        """Gradio's login function. An unknown name costs one hash too, so timing does not tell names apart."""
        user = self.users.get(username)
        ok = verify_password(user.password_hash if user else self._dummy, password)
        return ok and user is not None

    def role(self, username: str | None) -> Role | None:
        """The role of a logged-in user; everyone is an editor without a login; None for nobody."""
        if not self.enabled:
            return "editor"
        user = self.users.get(username or "")
        return user.role if user else None

    def require_editor(self, username: str | None, what: str) -> None:
        if self.role(username) != "editor":
            raise AccessError(f"{username or 'this visitor'!s} is a viewer here and cannot {what}: ask the "
                             "server's operator for an editor login")
