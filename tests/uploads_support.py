"""Helpers the upload tests share: image bytes, posting evidence, reading a streamed file
back. Their fixtures (hub, editor, draft, revision) are in conftest.py."""

from __future__ import annotations

import io

from PIL import Image


def image_bytes(fmt="PNG", size=(8, 8), mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, "teal" if mode == "RGB" else 0).save(buffer, fmt)
    return buffer.getvalue()


def post_evidence(client, draft, upload):
    _assessment, question, url = draft
    return client.post(
        url, {f"q{question.pk}_level": "2", f"q{question.pk}_evidence_file": upload, "save": "1"}
    )


def read(client, url):
    """GET a URL and read a streamed body whole, so the test client closes the file."""
    response = client.get(url)
    if response.streaming:
        response.body = b"".join(response.streaming_content)
    return response
