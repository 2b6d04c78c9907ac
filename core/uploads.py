"""Checks on uploaded files, shared by every app that accepts them.

A file's type is read from its content (its magic bytes), never trusted from its name or the
browser's Content-Type: a renamed executable is refused. Plain text has no signature, so it is
accepted only when its name says text and its bytes decode as UTF-8 without NUL bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

import filetype
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
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
