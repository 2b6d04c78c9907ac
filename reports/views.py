"""Report pages: the management dashboard, My day, and the exports of every list page."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.views import View

from accounts.roles import user_can
from core.exports import FORMATS, export_response
from reports.exports import DATASETS


class ExportView(View):
    """A list page's rows, with the page's own filters, as CSV or XLSX: every page at once."""

    def get(
        self, request: HttpRequest, dataset: str, file_format: str
    ) -> StreamingHttpResponse | FileResponse:
        spec = DATASETS.get(dataset)
        if spec is None or file_format not in FORMATS:
            raise Http404
        if not user_can(request.user, spec.capability):
            raise PermissionDenied
        filename = f"{dataset}-{timezone.localdate().isoformat()}"
        return export_response(
            spec.rows(request.user, request.GET),
            spec.columns,
            file_format=file_format,
            filename=filename,
            sheet=str(spec.title),
        )
