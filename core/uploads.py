"""Checks on uploaded files, shared by every app that accepts them.

A file's type is read from its content (its magic bytes), never trusted from its name or the
browser's Content-Type: a renamed executable is refused. Plain text has no signature, so it is
accepted only when its name says text and its bytes decode as UTF-8 without NUL bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

# Extensions (as filetype names them) of the documents people exchange with suppliers.
DOCUMENT_TYPES = frozenset({"pdf", "docx", "xlsx", "pptx", "odt", "ods", "png", "jpg", "gif"})
TEXT_EXTENSIONS = frozenset({"txt", "csv"})
SNIFF_BYTES = 8192


@dataclass(frozen=True)
class CheckedUpload:
    extension: str  # what the content is, e.g. "pdf" or "txt"
    mime: str
    size: int


def check_upload(
    upload: UploadedFile,
    *,
    max_bytes: int,
    allowed: frozenset[str] = DOCUMENT_TYPES,
    allow_text: bool = True,
) -> CheckedUpload:
    """Returns what the file is, or raises ValidationError saying why it is refused."""
    size = upload.size or 0
    if size > max_bytes:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s."),
            code="too_large",
            params={"size": filesizeformat(size), "limit": filesizeformat(max_bytes)},
        )
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is not None:
        if kind.extension not in allowed:
            raise ValidationError(
                _("Files of this type (%(type)s) are not accepted."),
                code="type_refused",
                params={"type": kind.mime},
            )
        return CheckedUpload(extension=kind.extension, mime=kind.mime, size=size)
    name_extension = (upload.name or "").rsplit(".", 1)[-1].lower()
    if allow_text and name_extension in TEXT_EXTENSIONS and _is_text(head):
        mime = "text/csv" if name_extension == "csv" else "text/plain"
        return CheckedUpload(extension=name_extension, mime=mime, size=size)
    raise ValidationError(
        _("This file's content is not one of the accepted types: %(types)s."),
        code="type_unknown",
        params={"types": ", ".join(sorted(allowed | (TEXT_EXTENSIONS if allow_text else set())))},
    )


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # The sniffed bytes may end inside a multi-byte character.
        return error.start >= len(head) - 3
    return True


class UploadTooLargeError(Exception):
    """A multipart body, or one file in it, is over the largest upload accepted anywhere;
    core.middleware.UploadLimitMiddleware answers 413."""


def upload_max_bytes() -> int:
    """The largest single file any form or endpoint accepts (the per-kind limits are then
    checked by ``check_upload``)."""
    return max(settings.CONTRACT_DOCUMENT_MAX_BYTES, settings.RFP_ATTACHMENT_MAX_BYTES)


class SizeLimitUploadHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: refuses a multipart body before it is read whole. A
    Content-Length over the largest file plus UPLOAD_FORM_OVERHEAD_BYTES stops the request
    before its first byte; a body without one (chunked) or lying about it stops as soon as a
    file passes the largest size, so nothing near 2 GB is ever spooled to disk."""

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, str],
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        self.limit = upload_max_bytes()
        if content_length > self.limit + settings.UPLOAD_FORM_OVERHEAD_BYTES:
            raise UploadTooLargeError

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received = start + len(raw_data)
        if self.received > self.limit:
            raise UploadTooLargeError
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
