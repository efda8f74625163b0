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

from rag.errors import vietnamese_argparse
from ui.auth import UsersFileError, read_users, write_user

MIN_LENGTH = 8


def main(argv: list[str] | None = None) -> int:
    vietnamese_argparse()
    parser = argparse.ArgumentParser(prog="python -m ui.users", description="Quản lý tệp người dùng của ứng dụng (add: thêm/đổi mật khẩu, list: liệt kê, remove: xoá).")
    parser.add_argument("command", choices=["add", "list", "remove"], help="việc cần làm: add (thêm hoặc đổi mật khẩu), list, remove")
    parser.add_argument("name", nargs="?", help="tên người dùng (cho add và remove)")
    parser.add_argument("--file", default=os.environ.get("DANVAN_USERS_FILE", ""),
                        help="tệp người dùng (mặc định: DANVAN_USERS_FILE)")
    parser.add_argument("--password-stdin", action="store_true", help="đọc mật khẩu từ đầu vào chuẩn (stdin)")
    args = parser.parse_args(argv)
    if not args.file:
        parser.error("chưa có tệp người dùng: hãy dùng --file hoặc đặt DANVAN_USERS_FILE")
    path = Path(args.file)
    try:
        if args.command == "list":
            print("\n".join(read_users(path)))
            return 0
        if not args.name:
            parser.error(f"lệnh {args.command} cần tên người dùng (NAME)")
        if args.command == "remove":
            users = read_users(path)
            if users.pop(args.name, None) is None:
                print(f"lỗi: không có người dùng {args.name!r} trong {path}; xem danh sách bằng: python -m ui.users list", file=sys.stderr)
                return 1
            path.write_text("".join(f"{n}:{h}\n" for n, h in users.items()), encoding="utf-8")
            return 0
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass(f"Mật khẩu cho {args.name}: ")
            if getpass.getpass("Nhập lại: ") != password:
                print("lỗi: hai lần nhập mật khẩu không khớp; hãy chạy lại lệnh và nhập giống nhau", file=sys.stderr)
                return 1
        if len(password) < MIN_LENGTH:
            print(f"lỗi: mật khẩu cần ít nhất {MIN_LENGTH} ký tự; hãy chọn mật khẩu dài hơn", file=sys.stderr)
            return 1
        write_user(path, args.name, password)
    except UsersFileError as exc:
        print(f"lỗi: {exc}", file=sys.stderr)
        return 1
    print(f"{args.name}: đã lưu vào {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
