"""Serving a contract document's bytes, the same for the page and the API: as an attachment,
typed as its content was found to be, never cached by a shared cache. Whoever calls this has
checked (through contracts.selectors.document_get or document_list) that the user may."""

from __future__ import annotations

from django.http import FileResponse

from contracts.models import ContractDocument


def document_response(document: ContractDocument) -> FileResponse:
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.name,
        content_type=document.mime,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
