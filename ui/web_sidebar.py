"""The conversation controls of the chat tab and their events: the list column, the Share/Download row."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ui.web_conversations import EXPIRY, NO_LINKS, ConversationsView


@dataclass
class Sidebar:
    session: gr.BrowserState
    whoami: gr.Markdown
    new: gr.Button
    listing: gr.Radio
    title: gr.Textbox
    rename: gr.Button
    delete: gr.Button
    confirm_row: gr.Row
    confirm: gr.Button
    cancel: gr.Button
    links: gr.HTML
    revoke_pick: gr.Dropdown
    revoke: gr.Button


@dataclass
class ShareRow:
    expiry: gr.Dropdown
    share: gr.Button
    download: gr.DownloadButton
    url: gr.Textbox


def build_sidebar(view: ConversationsView) -> Sidebar:
    """The list of conversations with New, Rename, Delete, and my shared links (inside the caller's column)."""
    # The key is kept in the store: a random one per start would make every browser forget its conversations.
    session = gr.BrowserState({}, storage_key="newsdesk-session", secret=view.store.secret("browser-state"))
    whoami = gr.Markdown("", elem_id="nd-whoami")
    new = gr.Button("+ New conversation", elem_id="nd-new", size="sm")
    listing = gr.Radio(choices=[], label="Conversations", elem_id="nd-conversations", elem_classes=["nd-list"])
    with gr.Accordion("Rename or delete", open=False, elem_id="nd-manage"):
        title = gr.Textbox(label="Title", elem_id="nd-title", interactive=False, max_length=200)
        with gr.Row():
            rename = gr.Button("Rename", size="sm", elem_id="nd-rename")
            delete = gr.Button("Delete", size="sm", variant="stop", elem_id="nd-delete")
        with gr.Row(visible=False) as confirm_row:
            confirm = gr.Button("Delete for good", size="sm", variant="stop", elem_id="nd-delete-confirm")
            cancel = gr.Button("Keep it", size="sm", elem_id="nd-delete-cancel")
    with gr.Accordion("My shared links", open=False, elem_id="nd-my-links"):
        links = gr.HTML(NO_LINKS, elem_id="nd-links")
        revoke_pick = gr.Dropdown(choices=[], label="Shared link", elem_id="nd-revoke-pick")
        revoke = gr.Button("Revoke", size="sm", variant="stop", elem_id="nd-revoke")
    return Sidebar(session, whoami, new, listing, title, rename, delete, confirm_row, confirm, cancel, links,
                   revoke_pick, revoke)


def build_share_row() -> ShareRow:
    """Share (with an expiry) and Download for the open conversation (inside the chat column)."""
    with gr.Row(equal_height=True, elem_id="nd-share-row"):
        expiry = gr.Dropdown(choices=EXPIRY, value=0, show_label=False, elem_id="nd-share-expiry", scale=2,
                             min_width=150)
        share = gr.Button("Share", elem_id="nd-share", scale=1, min_width=80)
        download = gr.DownloadButton("Download", elem_id="nd-download", interactive=False, scale=1, min_width=100)
    url = gr.Textbox(label="Read-only link to this conversation as it is now", visible=False, interactive=False,
                     buttons=["copy"], elem_id="nd-share-url")
    return ShareRow(expiry, share, download, url)


def wire(view: ConversationsView, bar: Sidebar, row: ShareRow, chatbot: gr.Chatbot, panel: gr.HTML) -> list:
    """The events of the controls; returns the outputs of `view.load`, for the page's load event."""
    opened = [bar.session, bar.listing, chatbot, panel, bar.title, row.download, row.url]
    links = [bar.links, bar.revoke_pick]
    private = {"api_visibility": "private"}
    bar.new.click(view.new, [bar.session], opened, **private)
    # The chatbot's own trash button starts a new conversation too (the saved one stays in the list).
    chatbot.clear(view.new, [bar.session], opened, **private)
    bar.listing.input(view.open, [bar.listing, bar.session], opened, **private)
    bar.rename.click(view.rename, [bar.title, bar.session], opened, **private)
    bar.title.submit(view.rename, [bar.title, bar.session], opened, **private)
    bar.delete.click(lambda: gr.update(visible=True), None, bar.confirm_row, queue=False, **private)
    bar.cancel.click(lambda: gr.update(visible=False), None, bar.confirm_row, queue=False, **private)
    bar.confirm.click(lambda: gr.update(visible=False), None, bar.confirm_row, queue=False, **private).then(
        view.delete, [bar.session], opened + links, **private)
    row.share.click(view.share, [row.expiry, bar.session], [row.url, *links], **private)
    bar.revoke.click(view.revoke, [bar.revoke_pick, bar.session], links, **private)
    chatbot.select(view.sources_of, [bar.session], panel, **private)
    return [*opened, *links, bar.whoami]


def after_answer(view: ConversationsView, bar: Sidebar, row: ShareRow, event: object) -> None:
    """Once an answer is saved: the list, the title and the download follow."""
    event.success(view.refresh, [bar.session], [bar.listing, bar.title, row.download],  # type: ignore[attr-defined]
                  api_visibility="private")
