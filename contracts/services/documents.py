"""Contract documents: storing an upload once its content is checked, and serving its bytes,
the same for the page and the API: as an attachment, typed as its content was found to be,
never cached by a shared cache. Whoever serves one has checked (through
contracts.selectors.document_get or document_list) that the user may."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import FileResponse

from accounts.models import User
from contracts.models import Contract, ContractDocument
from contracts.services.contracts import _require_worker
from core.uploads import check_upload


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


@transaction.atomic
def document_upload(
    *, by: User, contract: Contract, upload: UploadedFile, kind: str
) -> ContractDocument:
    """Stores a file of the contract through Django's storage, once its content (not its
    name) shows an accepted type and it is within CONTRACT_DOCUMENT_MAX_BYTES."""
    _require_worker(by, contract)
    try:
        checked = check_upload(upload, max_bytes=settings.CONTRACT_DOCUMENT_MAX_BYTES)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from None
    name = (upload.name or "document").rsplit("/", 1)[-1][:255]
    document = ContractDocument(
        contract=contract,
        kind=kind,
        name=name,
        mime=checked.mime,
        size=checked.size,
        uploaded_by=by,
    )
    document.full_clean(exclude=["file"])
    document.file.save(f"{name.rsplit('.', 1)[0]}.{checked.extension}", upload, save=False)
    document.save()
    return document
