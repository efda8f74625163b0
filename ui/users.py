"""``python -m ui.users add NAME [--file F]``: add a user to the app's users file (or change a password).

The file defaults to ``DANVAN_USERS_FILE``. The password is read twice from the terminal
(``getpass``), or once from standard input with ``--password-stdin`` (scripts). Also
``list`` (names only) and ``remove NAME``.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from ui.auth import UsersFileError, read_users, write_user

MIN_LENGTH = 8


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui.users", description="Manage the app's users file.")
    parser.add_argument("command", choices=["add", "list", "remove"])
    parser.add_argument("name", nargs="?")
    parser.add_argument("--file", default=os.environ.get("DANVAN_USERS_FILE", ""),
                        help="users file (default: DANVAN_USERS_FILE)")
    parser.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    args = parser.parse_args(argv)
    if not args.file:
        parser.error("no users file: pass --file or set DANVAN_USERS_FILE")
    path = Path(args.file)
    try:
        if args.command == "list":
            print("\n".join(read_users(path)))
            return 0
        if not args.name:
            parser.error(f"{args.command} needs a NAME")
        if args.command == "remove":
            users = read_users(path)
            if users.pop(args.name, None) is None:
                print(f"error: no user {args.name!r} in {path}", file=sys.stderr)
                return 1
            path.write_text("".join(f"{n}:{h}\n" for n, h in users.items()), encoding="utf-8")
            return 0
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass(f"Password for {args.name}: ")
            if getpass.getpass("Again: ") != password:
                print("error: the passwords differ", file=sys.stderr)
                return 1
        if len(password) < MIN_LENGTH:
            print(f"error: a password needs at least {MIN_LENGTH} characters", file=sys.stderr)
            return 1
        write_user(path, args.name, password)
    except UsersFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{args.name}: saved in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
