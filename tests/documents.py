"""Real documents made by the tests: PDFs printed by Debian's chromium, Word files written with python-docx,
e-mails built with the standard library. No pytest here: the test modules mark and skip."""

from __future__ import annotations

import datetime as dt
import subprocess
from email.message import EmailMessage
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# No network, no first-run work, no header/footer (the date and file path would become text of every page).
_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
          "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
          "--no-pdf-header-footer"]

RELEASE_HTML = """<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Harbor Authority approves new ferry terminal</title></head><body>
<h1>Harbor Authority approves new ferry terminal</h1>
<p>PORTSMOUTH, March 4, 2024 &mdash; The Harbor Authority approved a new ferry terminal on Monday, its chair
said after a unanimous vote of the board.</p>
<p>The terminal will cost $48 million and open in 2026, according to the board's plan.</p>
<div style="break-before: page"></div>
<h2>Funding</h2>
<p>The second phase will be paid for by a federal grant of $12 million, the treasurer Maria Okafor said.</p>
</body></html>"""

# A page that is one picture: what a scanner makes.
PICTURE_HTML = """<!DOCTYPE html><html><body style="margin:0"><svg width="600" height="400">
<rect width="600" height="400" fill="#ddd"/><circle cx="300" cy="200" r="80" fill="#444"/></svg></body></html>"""


def print_pdf(html: str, out: Path, header_footer: bool = False) -> Path:
    """`html` printed to the PDF `out` by chromium, as `chromium --headless --print-to-pdf` does for a user
    (`header_footer`: with chromium's print date and title on top of each page, file URL and "1/2" below)."""
    source = out.with_suffix(".html")
    source.write_text(html, encoding="utf-8")
    flags = _FLAGS if not header_footer else [f for f in _FLAGS if f != "--no-pdf-header-footer"]
    subprocess.run([str(CHROMIUM), *flags, f"--print-to-pdf={out}", source.as_uri()], check=True,
                   capture_output=True, timeout=120)
    source.unlink()
    return out


def encrypt_pdf(src: Path, out: Path, user_password: str, owner_password: str = "owner-secret") -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(src))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="AES-256")
    with out.open("wb") as handle:
        writer.write(handle)
    return out


def write_memo(out: Path, *, title: str = "Memo: library hours", author: str = "City Clerk",
               created: dt.datetime | None = dt.datetime(2024, 3, 5, 9, 0)) -> Path:
    """A Word memo: a Title paragraph, body paragraphs, a heading, a table."""
    import docx

    document = docx.Document()
    document.core_properties.title = title
    document.core_properties.author = author
    if created is not None:
        document.core_properties.created = created
    document.add_paragraph(title, style="Title")
    document.add_paragraph("The central library will stay open until 9 p.m. on weekdays from April 1, the city "
                           "clerk wrote to all branch staff.")
    document.add_heading("Staffing", level=1)
    document.add_paragraph("Two new librarians will be hired to cover the evening shifts.")
    table = document.add_table(rows=2, cols=2)
    for row, (day, hours) in zip(table.rows, [("Weekdays", "9 a.m. to 9 p.m."), ("Saturday", "10 a.m. to 5 p.m.")],
                                 strict=True):
        row.cells[0].text, row.cells[1].text = day, hours
    document.save(str(out))
    return out


def release_email(*, subject: str = "Fwd: Valley Water lifts boil-water notice",
                  sender: str = "Valley Water Press Office <press@valleywater.example>",
                  body: str | None = None, html: str | None = None,
                  attachments: list[tuple[str, bytes, str]] = ()) -> bytes:
    """An .eml press release; `attachments` are (file name, bytes, MIME type)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "newsroom@example.com"
    message["Subject"] = subject
    message["Date"] = "Wed, 06 Mar 2024 14:00:00 -0500"
    message["Message-ID"] = "<release-42@valleywater.example>"
    if body is None and html is None:
        body = ("Valley Water lifted the boil-water notice for the east district on Wednesday after tests came\n"
                "back clean, the utility said.\n\n"
                "The utility's director, Ana Ruiz, said tap water is safe to drink again and thanked residents\n"
                "for their patience.\n\n-- \nValley Water Press Office\n+1 555 0100\n")
    if body is not None:
        message.set_content(body)
    if html is not None:
        if body is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    for name, data, mime in attachments:
        maintype, subtype = mime.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return bytes(message)
