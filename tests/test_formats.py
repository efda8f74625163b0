"""Every format through scan/read_file: PDF, DOCX, .doc, HTML, text; and every kind of bad file."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest

from ingest.load import SUFFIXES, read_file, scan
from rag.errors import InputError

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
PDFS = SHARED / "data" / "raw" / "pdf"
FIELD = SHARED / "field-cases"


def _shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} not present")
    return path


# -- DOCX ---------------------------------------------------------------------------------------

def _plan_docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_heading("KẾ HOẠCH", level=1)
    document.add_paragraph("Tuyên truyền, nhân rộng mô hình dân vận khéo năm 2024")
    document.add_heading("I. MỤC ĐÍCH", level=2)
    document.add_paragraph("Nâng cao nhận thức của cán bộ, đảng viên.", style="List Number")
    document.add_paragraph("Phát huy vai trò của Nhân dân.", style="List Number")
    document.add_paragraph("Ghi chú thêm", style="List Bullet")
    table = document.add_table(rows=3, cols=3)
    rows = [("Thôn", "Số mô hình đăng ký", "Được công nhận"), ("Đông Hòa", "3", "1"), ("Tây Sơn", "2", "2")]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_paragraph("Kết quả được báo cáo trước ngày 15/12/2024.")
    document.save(path)
    return path


def test_docx_paragraphs_headings_lists_and_tables_with_headers(tmp_path):
    path = _plan_docx(tmp_path / "ke-hoach.docx")
    (doc,) = read_file(path, "2024/ke-hoach.docx")
    assert doc.doc_id == "file:2024/ke-hoach.docx"
    assert doc.doc_type == "Kế hoạch" and doc.title == "Kế hoạch tuyên truyền, nhân rộng mô hình dân vận khéo năm 2024"
    lines = doc.text.split("\n")
    for line in ("I. MỤC ĐÍCH", "1. Nâng cao nhận thức của cán bộ, đảng viên.", "2. Phát huy vai trò của Nhân dân.",
                 "- Ghi chú thêm", "Thôn: Đông Hòa; Số mô hình đăng ký: 3; Được công nhận: 1",
                 "Thôn: Tây Sơn; Số mô hình đăng ký: 2; Được công nhận: 2",
                 "Kết quả được báo cáo trước ngày 15/12/2024."):
        assert line in lines
    assert lines.index("Thôn: Đông Hòa; Số mô hình đăng ký: 3; Được công nhận: 1") < lines.index(
        "Kết quả được báo cáo trước ngày 15/12/2024.")


def test_field_case_23_docx_and_tiny_pdf():
    docs = _shared(FIELD / "case23" / "docs")
    (report,) = read_file(docs / "bao-cao-quy-1-2026.docx", "bao-cao-quy-1-2026.docx")
    assert report.doc_id == "file:bao-cao-quy-1-2026.docx" and "tiếp nhận 37 kiến nghị" in report.text
    assert report.doc_type == "Báo cáo"
    (minutes,) = read_file(docs / "bien-ban-hop-lien-tich.pdf", "bien-ban-hop-lien-tich.pdf")
    assert minutes.text == "Bien ban hop lien tich quy I/2026 (gia dinh)" and minutes.page_starts == (0,)
    found = scan([docs])
    assert [name for _, name in found.files] == ["bao-cao-quy-1-2026.docx", "base.jsonl", "bien-ban-hop-lien-tich.pdf"]


def test_docx_zip_bomb_is_refused_before_parsing(tmp_path):
    path = tmp_path / "bom.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b" " * (60 * 2**20))
    assert path.stat().st_size < 2**20
    with pytest.raises(InputError, match=r"bom\.docx: part word/document\.xml expands \d+x.*zip bomb"):
        read_file(path, "bom.docx")


def test_docx_that_is_not_a_zip(tmp_path):
    path = tmp_path / "fake.docx"
    path.write_text("chỉ là văn bản", encoding="utf-8")
    with pytest.raises(InputError, match=r"fake\.docx: not a valid \.docx.*save it again as \.docx"):
        read_file(path, "fake.docx")


def test_legacy_doc_without_libreoffice_names_the_fix(tmp_path, monkeypatch):
    path = tmp_path / "cu.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(InputError, match=r"cu\.doc: .*LibreOffice.*apt-get install libreoffice-writer-nogui.*\.docx"):
        read_file(path, "cu.doc")


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice not installed")
def test_legacy_doc_through_libreoffice(tmp_path):
    import subprocess

    source = _plan_docx(tmp_path / "src.docx")
    subprocess.run(["soffice", "--headless", "--convert-to", "doc", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=180)
    (doc,) = read_file(tmp_path / "src.doc", "src.doc")
    assert "Thôn: Đông Hòa; Số mô hình đăng ký: 3; Được công nhận: 1" in doc.text


# -- PDF ----------------------------------------------------------------------------------------

def test_gazette_pdf_is_clean_and_keeps_pages():
    path = _shared(PDFS / "nghi-dinh-so-38-2022-nd-cp-37348.pdf")
    (doc,) = read_file(path, "nd-38.pdf")
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        pages = len(pdf.pages)
    assert len(doc.page_starts) == pages and list(doc.page_starts) == sorted(doc.page_starts)
    for noise in ("CÔNG BÁO", "Người ký", "Thời gian ký", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA", "Độc lập - Tự do"):
        assert noise not in doc.text
    lines = doc.text.split("\n")
    assert lines[:2] == ["NGHỊ ĐỊNH", "Quy định mức lương tối thiểu đối với người lao động làm việc theo hợp đồng lao động"]
    assert ("Nghị định này quy định mức lương tối thiểu tháng và mức lương tối thiểu giờ áp dụng đối với người lao "
            "động làm việc theo hợp đồng lao động.") in lines
    assert "Vùng I 4.680.000 22.500" in lines  # table rows stay rows
    third = doc.text[doc.page_starts[2]:doc.page_starts[3]]
    assert third.lstrip().startswith("e) Người sử dụng lao động hoạt động trên địa bàn là thành phố")


def test_rotated_table_pages_read_forwards():
    path = _shared(PDFS / "thong-tu-so-19-2023-tt-bldtbxh-41242.pdf")
    (doc,) = read_file(path, "tt-19.pdf")
    assert "Công việc nặng nhọc" in doc.text and "gnôc" not in doc.text


def _pdf_bytes(text_pages: list[str]) -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    for text in text_pages:
        page = writer.add_blank_page(width=612, height=792)
        font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                                 NameObject("/BaseFont"): NameObject("/Helvetica")})
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})})
        stream = DecodedStreamObject()
        stream.set_data(f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_encrypted_pdf_names_the_fix(tmp_path):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf_bytes(["Bien ban hop thon Dong Hoa"]))))
    writer.encrypt(user_password="matkhau", owner_password="chu", algorithm="AES-128")
    path = tmp_path / "mat.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    with pytest.raises(InputError, match=r"mat\.pdf: the PDF is password-protected.*qpdf --decrypt"):
        read_file(path, "mat.pdf")


def test_corrupt_and_truncated_pdf(tmp_path):
    path = tmp_path / "hong.pdf"
    path.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ngarbage garbage\n")
    with pytest.raises(InputError, match=r"hong\.pdf: .*(damaged|cannot be read|no pages).*"):
        read_file(path, "hong.pdf")
    good = _pdf_bytes(["Trang mot"])
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(good[: len(good) // 3])
    try:
        docs = read_file(cut, "cut.pdf")
    except InputError as exc:
        assert "cut.pdf" in str(exc)
    else:  # pdfminer may recover a truncated file; then the text is what it recovered
        assert docs[0].doc_id == "file:cut.pdf"


def test_scanned_pdf_needs_ocr_and_says_how(tmp_path):
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1240, 1754), "white")
    ImageDraw.Draw(image).text((100, 100), "BIEN BAN HOP", fill="black")
    path = tmp_path / "scan.pdf"
    image.save(path, "PDF", resolution=150)
    with pytest.raises(InputError, match=r"scan\.pdf: no text layer.*needs OCR.*DANVAN_OCR=on.*tesseract-ocr-vie"):
        read_file(path, "scan.pdf")


def test_ocr_on_without_tesseract_names_the_install(tmp_path, monkeypatch):
    from PIL import Image

    path = tmp_path / "scan.pdf"
    Image.new("RGB", (600, 800), "white").save(path, "PDF")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(InputError, match=r"tesseract is not installed.*apt-get install tesseract-ocr tesseract-ocr-vie"):
        read_file(path, "scan.pdf", ocr="on")


# -- HTML ---------------------------------------------------------------------------------------

def test_html_main_text_only_entities_decoded(tmp_path):
    page = ("<!doctype html><html><head><meta charset='utf-8'><title>Họp d&acirc;n th&ocirc;n Đông Hòa</title>"
            "<style>p{}</style><script>var x = 'Trang chủ';</script></head><body>"
            "<header><div class='menu'>Trang chủ | Tin tức</div></header><nav>Giới thiệu</nav>"
            "<article><h1>Họp dân thôn Đông Hòa</h1><p>Ng&agrave;y 05/3/2024, &#7910;y ban nh&acirc;n d&acirc;n x&atilde; "
            "tổ chức họp d&acirc;n &amp; lấy &yacute; kiến.</p><p>Kết quả: 37 kiến nghị.</p></article>"
            "<aside>Tin liên quan</aside><footer>© UBND xã</footer></body></html>")
    path = tmp_path / "tin.html"
    path.write_text(page, encoding="utf-8")
    (doc,) = read_file(path, "tin.html")
    assert doc.text == ("Họp dân thôn Đông Hòa\nNgày 05/3/2024, Ủy ban nhân dân xã tổ chức họp dân & lấy ý kiến.\n"
                        "Kết quả: 37 kiến nghị.")
    assert doc.title == "Họp dân thôn Đông Hòa"


def test_html_in_windows_1258_declared_by_meta(tmp_path):
    path = tmp_path / "cu.htm"
    path.write_bytes(b"<html><head><meta http-equiv='Content-Type' content='text/html; charset=windows-1258'>"
                     b"</head><body><p>" + "Thôn Đông".encode("cp1258") + b"</p></body></html>")
    (doc,) = read_file(path, "cu.htm")
    assert doc.text == "Thôn Đông"


# -- text and bad files -------------------------------------------------------------------------

def test_field_case_05_and_07_text_files():
    (tcvn3,) = read_file(_shared(FIELD / "case05" / "docs" / "quy-che-vntime.txt"), "quy-che-vntime.txt")
    assert "trả lời bằng văn bản trong thời hạn 10 ngày làm việc" in tcvn3.text
    assert tcvn3.doc_id == "file:quy-che-vntime.txt"
    (utf16,) = read_file(_shared(FIELD / "case07" / "docs" / "quy-che-notepad.txt"), "quy-che-notepad.txt")
    assert "trong thời hạn 10 ngày làm việc" in utf16.text and utf16.title.startswith("Quy chế phối hợp")


def test_field_case_13_wrapped_text_file():
    (doc,) = read_file(_shared(FIELD / "case13" / "docs" / "quy-che-pdftotext.txt"), "quy-che-pdftotext.txt")
    assert ("2. Ủy ban nhân dân xã trả lời bằng văn bản trong thời hạn 10 ngày làm việc kể từ ngày nhận được "
            "kiến nghị;") in doc.text


def test_empty_binary_and_odd_named_files(tmp_path):
    empty = tmp_path / "rong.txt"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match=r"rong\.txt: tệp rỗng"):
        read_file(empty, "rong.txt")
    blank = tmp_path / "trang.md"
    blank.write_text(" \n\u200b\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"trang\.md: tệp không có chữ"):
        read_file(blank, "trang.md")
    binary = tmp_path / "anh.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 20)
    with pytest.raises(InputError, match=r"anh\.txt: tệp chứa byte NUL.*nhị phân.*loại thật"):
        read_file(binary, "anh.txt")
    odd = tmp_path / "Kế hoạch (bản 2) #1 – ý kiến's [cũ].txt"
    odd.write_text("Kế hoạch lấy ý kiến\nNội dung.", encoding="utf-8")
    (doc,) = read_file(odd, odd.name)
    assert doc.doc_id == f"file:{odd.name}" and doc.title == "Kế hoạch lấy ý kiến"


def test_a_5_mb_single_line_file(tmp_path):
    path = tmp_path / "dai.txt"
    path.write_text("Ủy ban nhân dân xã công khai thông tin. " * 130_000, encoding="utf-8")
    assert path.stat().st_size > 5_000_000
    (doc,) = read_file(path, "dai.txt")
    assert "\n" not in doc.text and len(doc.text) > 5_000_000 // 2


def test_scan_lists_unsupported_files_and_skips_readme_and_dotfiles(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.pdf").write_bytes(b"%PDF")
    (tmp_path / "a.txt").write_text("A", encoding="utf-8")
    (tmp_path / "README.md").write_text("doc", encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.txt").write_text("x", encoding="utf-8")
    (tmp_path / "bang.xlsx").write_bytes(b"PK")
    (tmp_path / "~$ke-hoach.docx").write_bytes(b"lock")
    (tmp_path / "sub" / "Thumbs.db").write_bytes(b"\xd0\xcf")  # left by Windows Explorer: no noise about it
    (tmp_path / "desktop.ini").write_text("[.ShellClassInfo]", encoding="utf-8")
    found = scan([tmp_path])
    assert found.files == [(tmp_path / "a.txt", "a.txt"), (tmp_path / "sub" / "b.pdf", "sub/b.pdf")]
    reasons = dict((p.name, why) for p, why in found.unsupported)
    assert set(reasons) == {"bang.xlsx", "~$ke-hoach.docx"}
    assert "spreadsheets are not read" in reasons["bang.xlsx"] and "lock file" in reasons["~$ke-hoach.docx"]
    assert scan([tmp_path / "bang.xlsx"]).unsupported[0][0] == tmp_path / "bang.xlsx"
    with pytest.raises(InputError, match="không có tệp hoặc thư mục này"):
        scan([tmp_path / "missing"])
    assert set(SUFFIXES) >= {".pdf", ".docx", ".doc", ".html", ".htm", ".txt", ".md", ".jsonl", ".jsonl.gz"}


def test_word_files_are_read_by_what_they_are(tmp_path):
    # A portal's "Word" download that is HTML, a .docx that is a renamed .doc, an RTF named .doc.
    page = tmp_path / "tai-ve.doc"
    page.write_text("<html><body><p>Th&ocirc;n Đông Hòa họp dân.</p></body></html>", encoding="utf-8")
    assert read_file(page, "tai-ve.doc")[0].text == "Thôn Đông Hòa họp dân."
    docx_named_doc = tmp_path / "ke-hoach.doc"
    docx_named_doc.write_bytes(_plan_docx(tmp_path / "src.docx").read_bytes())
    assert "2. Phát huy vai trò của Nhân dân." in read_file(docx_named_doc, "ke-hoach.doc")[0].text
    rtf = tmp_path / "cu.doc"
    rtf.write_text("{\\rtf1\\ansi Thon Dong Hoa}", encoding="ascii")
    with pytest.raises(InputError, match=r"cu\.doc: an RTF file named \.doc.*save it as \.docx"):
        read_file(rtf, "cu.doc")


def test_html_table_rows_keep_their_headers(tmp_path):
    path = tmp_path / "bang.html"
    path.write_text("<html><body><article><p>Kết quả đăng ký mô hình:</p><table>"
                    "<tr><th>Thôn</th><th>Số mô hình đăng ký</th><th>Được công nhận</th></tr>"
                    "<tr><td>Đông Hòa</td><td>3</td><td>1</td></tr>\n<tr><td>Tây <b>Sơn</b></td><td>2</td><td>2</td></tr>"
                    "</table><p>Hết.</p></article></body></html>", encoding="utf-8")
    (doc,) = read_file(path, "bang.html")
    assert doc.text.split("\n") == ["Kết quả đăng ký mô hình:",
                                    "Thôn: Đông Hòa; Số mô hình đăng ký: 3; Được công nhận: 1",
                                    "Thôn: Tây Sơn; Số mô hình đăng ký: 2; Được công nhận: 2", "Hết."]


def _fake_tesseract(tmp_path, monkeypatch) -> None:
    """A stand-in tesseract on PATH: the plumbing (render, call, collect) is ours to test."""
    tool = tmp_path / "bin" / "tesseract"
    tool.parent.mkdir()
    tool.write_text('#!/bin/sh\nif [ "$1" = "--list-langs" ]; then printf "List:\\neng\\nvie\\n"; exit 0; fi\n'
                    'test -s "$1" || exit 1\nprintf "BIÊN BẢN\\nHọp thôn Đông Hòa ngày 05/3/2024.\\n"\n', encoding="utf-8")
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tool.parent}:{__import__('os').environ['PATH']}")


def test_ocr_on_reads_scanned_pages_through_tesseract(tmp_path, monkeypatch):
    from PIL import Image

    _fake_tesseract(tmp_path, monkeypatch)
    path = tmp_path / "scan.pdf"
    Image.new("RGB", (600, 800), "white").save(path, "PDF")
    (doc,) = read_file(path, "scan.pdf", ocr="on")
    assert doc.text == "BIÊN BẢN\nHọp thôn Đông Hòa ngày 05/3/2024." and doc.doc_type == "Biên bản"


def test_a_scanned_page_inside_a_text_pdf_is_read_by_ocr_when_on(tmp_path, monkeypatch):
    from PIL import Image
    from pypdf import PdfReader, PdfWriter

    scan = io.BytesIO()
    Image.new("RGB", (612, 792), "white").save(scan, "PDF")
    writer = PdfWriter()
    for source in (_pdf_bytes(["Dieu 1. Pham vi dieu chinh cua quy che phoi hop cong tac thon Dong Hoa"]),
                   scan.getvalue()):
        writer.add_page(PdfReader(io.BytesIO(source)).pages[0])
    path = tmp_path / "mixed.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    (off,) = read_file(path, "mixed.pdf")
    assert "BIÊN BẢN" not in off.text and len(off.page_starts) == 2
    _fake_tesseract(tmp_path, monkeypatch)
    (on,) = read_file(path, "mixed.pdf", ocr="on")
    assert on.text.startswith("Dieu 1.") and on.text[on.page_starts[1]:].startswith("BIÊN BẢN")
