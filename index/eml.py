"""E-mail messages (.eml, the standard library's `email`): a press release as it arrived.

The subject is the title (without Fwd:/Re:), `Date` the published date, the sender's name (else the domain of
the address) the source, and the text part (else the HTML part, through trafilatura) the text. Attachments
that are PDF or Word files, or forwarded messages, become articles of their own, linked to the message: they
share its `mid:` URL (RFC 2392, from its Message-ID; a forwarded message keeps its own), its source, and its
date when they carry none, and the message's text ends with the list of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import PurePath

from core.types import Article
from index.dates import iso_date
from index.document_text import paged_article, paragraphs_of
from index.docx import article_from_docx
from index.feeds import html_text
from index.outcomes import LoadFailure, article_id_for
from index.pdf import article_from_pdf
from index.webpage import article_from_html

_REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|fwd?|aw|wg|tr)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE)
# "-- " starts a signature (RFC 3676); quoted replies start with ">".
_SIGNATURE = re.compile(r"\n-- ?\n")
_MAX_DEPTH = 3
Item = Article | LoadFailure


def articles_from_eml(data: bytes, where: str, key: str, depth: int = 0) -> Iterator[Item]:
    """The message's article, then one per readable attachment; never raises."""
    try:
        message = message_from_bytes(data, policy=policy.default)
    except Exception as exc:  # the parser is lenient; this is a last resort for truly broken input
        yield LoadFailure(where, f"cannot parse the e-mail: {exc}")
        return
    if not isinstance(message, EmailMessage) or not (message.get("From") or message.get("Subject")):
        yield LoadFailure(where, "not an e-mail message (no From or Subject header)")
        return
    mid = _header(message, "Message-ID").strip().strip("<>")
    url = f"mid:{mid}" if mid else None
    source = _sender(message)
    published = iso_date(_header(message, "Date"))
    title = _REPLY_PREFIX.sub("", " ".join(_header(message, "Subject").split()))
    # A forwarded message is keyed by its place in the message that carried it: a copy of the carrier's own
    # Message-ID must not make the two one article.
    identity = url if url and depth == 0 else key
    attached: list[Item] = []
    names: list[str] = []
    for n, part in enumerate(message.iter_attachments(), start=1):
        name = part.get_filename() or _forwarded_subject(part) or f"attachment {n}"
        for item in _attachment(part, name, n, where, f"{identity}#{n}", depth):
            if isinstance(item, Article):
                names.append(name)
                item = item.model_copy(update={"url": item.url or url, "source": item.source or source,
                                               "published": item.published or published})
            attached.append(item)
    body = _body(message, where)
    if names:
        body.append("Attached: " + ", ".join(dict.fromkeys(names)) + ".")
    article = paged_article([(0, body)], article_id=article_id_for(identity), title=title, origin=where,
                            source=source, url=url, published=published)
    if article is not None and (len(body) > 1 or not names):
        yield article
    elif not attached:
        yield LoadFailure(where, "empty article: the message has no text and no readable attachment")
    yield from attached


def _header(message: EmailMessage, name: str) -> str:
    try:
        return str(message.get(name) or "")
    except Exception:  # a header whose encoded words cannot be decoded
        return ""


def _forwarded_subject(part: EmailMessage) -> str:
    if part.get_content_type() != "message/rfc822" or not part.is_multipart():
        return ""
    inner = part.get_payload(0)
    subject = " ".join(_header(inner, "Subject").split()) if isinstance(inner, EmailMessage) else ""
    return f"forwarded message {subject!r}" if subject else ""


def _sender(message: EmailMessage) -> str:
    name, address = parseaddr(_header(message, "From"))
    name = " ".join(name.split()).strip("\"' ")
    if name:
        return name
    domain = address.rpartition("@")[2].lower()
    return domain.removeprefix("www.")


def _body(message: EmailMessage, where: str) -> list[str]:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return []
    try:
        content = part.get_content()
    except Exception:  # an unknown charset or a broken transfer encoding
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else str(payload)
    if part.get_content_subtype() == "html":
        return _html_paragraphs(content, where)
    text = _SIGNATURE.split(content.replace("\r\n", "\n"), maxsplit=1)[0]
    lines = [line for line in text.split("\n") if not line.lstrip().startswith(">")]
    return paragraphs_of("\n".join(lines))


def _html_paragraphs(html: str, where: str) -> list[str]:
    # trafilatura finds the text of a page; a short mail may be too little for it, then every block is kept.
    page = article_from_html(html, where=where, key=where)
    text = page.text if isinstance(page, Article) else html_text(html)
    return paragraphs_of(text)


def _attachment(part: EmailMessage, name: str, n: int, where: str, key: str, depth: int) -> Iterator[Item]:
    label = f"{where}[{n}]"
    kind = part.get_content_type()
    suffix = PurePath(name).suffix.lower()
    if kind == "message/rfc822" or suffix == ".eml":
        if depth >= _MAX_DEPTH:
            return
        inner = part.get_payload(0) if part.is_multipart() else None
        data = inner.as_bytes() if inner is not None else (part.get_payload(decode=True) or b"")
        yield from articles_from_eml(data, label, key, depth + 1)
        return
    if kind == "application/pdf" or suffix == ".pdf":
        reader = article_from_pdf
    elif suffix == ".docx" or kind.endswith("wordprocessingml.document"):
        reader = article_from_docx
    else:
        return  # images, logos, calendar invitations: part of the message, not articles
    data = part.get_payload(decode=True) or b""
    item = reader(data, label, key, origin=label)
    if isinstance(item, LoadFailure):
        item = LoadFailure(label, f"attachment {name!r}: {item.reason}")
    yield item
