"""Outgoing mail, written as .eml files to an outbox folder (a mail relay would pick them up)."""

from __future__ import annotations

import uuid
from email.message import EmailMessage
from pathlib import Path


def send_welcome_email(outbox: Path, to: str, name: str | None) -> Path:
    message = EmailMessage()
    message["From"] = "welcome@fullstack.example"
    message["To"] = to
    message["Subject"] = "Welcome!"
    message.set_content(f"Hello {name or to},\n\nyour account is ready.\n")
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{uuid.uuid4().hex}.eml"
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(bytes(message))
    temporary.rename(path)  # a reader of the outbox never sees half a message
    return path
