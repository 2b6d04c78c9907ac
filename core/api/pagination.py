from rest_framework.pagination import CursorPagination as BaseCursorPagination


class CursorPagination(BaseCursorPagination):
    """Keyset paging: constant time at any depth and no COUNT(*) per request."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = "-pk"
