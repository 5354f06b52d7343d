"""`/share/<token>` over HTTP: read-only and inert, the same not-found for every dead token, a login when the
chat has users (unless --public-links), per-user links; viewers refused by the endpoints through gradio_client."""

from __future__ import annotations

import re

import httpx
import pytest

from conversations.store import ConversationStore
from core.types import Answer, AnswerSentence, Chunk, Citation, Passage
from tests.servers import free_port
from ui.users import Access, User, hash_password

HOSTILE = ('<script>alert("a")</script><img src=x id=injected onerror="alert(1)"> '
           '<a href="javascript:alert(2)" id=injected>x</a> [md](javascript:alert(3))')


def hostile_answer() -> Answer:
    chunk = Chunk(id="h:0000", article_id="h", position=0, text=f"Before. {HOSTILE} After.", title=f"Title {HOSTILE}",
                  source="<b id=injected>Evil</b>", published="2024-02-03", url="javascript:alert(4)")
    cite = Citation(n=1, article_id="h", chunk_id="h:0000", title=chunk.title, source=chunk.source,
                    published="2024-02-03", url=chunk.url, quote=HOSTILE)
    return Answer(question=HOSTILE, answer=f"{HOSTILE} [1]", refused=False, citations=[cite],
                  passages=[Passage(chunk=chunk, score=1.0)], notes=[f"filtered to source: {HOSTILE}"],
                  sentences=[AnswerSentence(text=HOSTILE, citations=[1], supported=False, reason=HOSTILE)])


USERS = {"alice": ("editor", "alice-pw"), "bob": ("viewer", "bob-pw")}


@pytest.fixture(scope="module")
def users_access():
    return Access(users={n: User(n, role, hash_password(pw)) for n, (role, pw) in USERS.items()})


@pytest.fixture
def serve(sample_desk):
    """Start the app in this process for an Access and a --public-links choice; stopped at the end."""
    from ui.web import start
    from ui.web_desk import WebDesk

    started = []

    def run(access: Access, public_links: bool = False) -> tuple[str, ConversationStore]:
        web = WebDesk(sample_desk)
        store = ConversationStore.from_settings(sample_desk.settings)
        app = start(web, "127.0.0.1", free_port(), access=access, store=store, public_links=public_links, quiet=True)
        started.append((app, web))
        return app.local_url, store

    yield run
    for app, web in started:
        app.close()
        web.close()


def logged_in(url: str, user: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=30)
    response = client.post("/login", data={"username": user, "password": USERS[user][1]})
    assert response.status_code == 200, response.text
    return client


def elements(page: str) -> list[tuple[str, dict[str, str | None]]]:
    """Every element of the page, with its attributes, as a browser's parser sees them."""
    from html.parser import HTMLParser

    found: list[tuple[str, dict[str, str | None]]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, dict(attrs)))

    Collect().feed(page)
    return found


def body_of(response: httpx.Response) -> str:
    return re.sub(r'nonce(="|-)[A-Za-z0-9_-]+', "nonce", response.text)


def test_shared_page_renders_a_stored_hostile_answer_inert(serve):
    url, store = serve(Access())
    cid, _ = store.add_turn("browser:x" * 4, None, HOSTILE, hostile_answer())
    token = store.share("browser:x" * 4, cid).token
    response = httpx.get(f"{url}share/{token}")
    assert response.status_code == 200
    page = response.text
    tags = elements(page)
    assert not [t for t in tags if t[0] in {"script", "img", "iframe", "textarea", "input", "form", "b"}]
    assert not [t for t in tags if t[1].get("id") == "injected" or any(k.startswith("on") for k in t[1])]
    assert [t[1]["href"] for t in tags if "href" in t[1]] == ["#nd-t1-source-1", f"../?continue={token}"]
    assert "&lt;script&gt;alert(&quot;a&quot;)&lt;/script&gt;" in page  # shown as text
    policy = response.headers["content-security-policy"]
    assert "script-src 'none'" in policy and "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["referrer-policy"] == "no-referrer" and response.headers["cache-control"] == "no-store"
    assert 'id="nd-continue" href="../?continue=' + token + '"' in page


def test_unknown_altered_revoked_and_expired_links_look_alike(serve):
    url, store = serve(Access())
    cid, _ = store.add_turn("browser:y", None, "What did Le Drian say?", hostile_answer())
    live = store.share("browser:y", cid).token
    revoked = store.share("browser:y", cid).token
    store.revoke("browser:y", revoked)
    expired = store.share("browser:y", cid)
    with store.db.write() as conn:  # expired a second ago
        conn.execute("UPDATE shares SET expires = '2000-01-01T00:00:00+00:00' WHERE token = ?", (expired.token,))
    assert httpx.get(f"{url}share/{live}").status_code == 200
    altered = live[:-1] + ("a" if live[-1] != "a" else "b")
    tokens = (revoked, expired.token, altered, "x" * 32, "short", f"{live}/more", "")
    dead = [httpx.get(f"{url}share/{t}") for t in tokens]
    assert {r.status_code for r in dead} == {404}
    assert len({body_of(r) for r in dead}) == 1
    assert "Le Drian" not in dead[0].text and "does not exist, or is no longer shared" in dead[0].text


def test_share_links_need_a_login_when_the_chat_has_users(serve, users_access):
    url, store = serve(users_access)
    cid, _ = store.add_turn("user:alice", None, "What did Le Drian say?", hostile_answer())
    token = store.share("user:alice", cid).token
    anonymous = httpx.get(f"{url}share/{token}")
    unknown = httpx.get(f"{url}share/{'z' * 32}")
    # The login page comes first, for live and dead tokens alike: nothing tells them apart without a login.
    assert anonymous.status_code == unknown.status_code == 401
    assert body_of(anonymous) == body_of(unknown) and "Log in" in anonymous.text and "Le Drian" not in anonymous.text
    assert "fetch(\"../login\"" in anonymous.text
    # Another user with the link reads it (that is what sharing is for) and may continue it as their own.
    bob = logged_in(url, "bob")
    page = bob.get(f"/share/{token}")
    assert page.status_code == 200 and "Continue as my own conversation" in page.text
    assert bob.get(f"/share/{'z' * 32}").status_code == 404


def test_public_links_open_without_a_login(serve, users_access):
    url, store = serve(users_access, public_links=True)
    cid, _ = store.add_turn("user:alice", None, "What did Le Drian say?", hostile_answer())
    token = store.share("user:alice", cid).token
    page = httpx.get(f"{url}share/{token}")
    assert page.status_code == 200 and "Log in to continue as my own conversation" in page.text
    assert httpx.get(f"{url}config").status_code == 401  # the chat itself still needs the login


def test_viewers_are_refused_by_the_endpoints_themselves(serve, users_access):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    url, _ = serve(users_access)

    def client(user: str) -> Client:
        return Client(url, auth=(user, USERS[user][1]), verbose=False, analytics_enabled=False, download_files=False)

    viewer, editor = client("bob"), client("alice")
    with pytest.raises(AppError, match="bob is a viewer here and cannot add articles"):
        viewer.predict(["http://127.0.0.1:9/feed.xml"], api_name="/add")
    done = editor.predict(["javascript:alert(1)"], api_name="/add")  # runs, and refuses the URL on its own terms
    assert done["results"][0]["detail"] == "not an http:// or https:// URL"
    # The Add tab's button calls a handler Gradio hides from API clients; the browser calls it all the same, so
    # the hiding is only on the client's side. Called past it, the handler refuses viewers itself.
    index = next(i for i, e in viewer.endpoints.items() if _is_add_tab(viewer, e))
    for c in (viewer, editor):
        c.endpoints[index].is_valid = True
    with pytest.raises(AppError, match="bob is a viewer here and cannot add articles"):
        viewer.predict(None, "javascript:alert(1)", fn_index=index)
    html_out, *_ = editor.predict(None, "javascript:alert(1)", fn_index=index)
    assert "not an http:// or https:// URL" in html_out
    assert viewer.predict("What did Le Drian say?", [], api_name="/ask")["refused"] is False  # viewers ask


def _is_add_tab(client, endpoint) -> bool:
    """The Add tab's click: its inputs are the upload box and the URL box."""
    ids = endpoint.dependency.get("inputs", [])
    elem_ids = {c.get("props", {}).get("elem_id") for c in client.config["components"] if c["id"] in ids}
    return elem_ids == {"nd-upload", "nd-urls"}
