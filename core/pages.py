"""Paging and sorting of list pages, one way for every app.

``paginate(request, rows)`` is the page of rows the request asks for (``?page=``), with the
links to the other pages, each keeping the request's other query parameters (its filters and
sort). ``sort_links(request, allowed=…)`` gives each sortable column the link that sorts by it
(or reverses it) and its current direction, for ``aria-sort``. The include templates
``includes/pagination.html`` and ``includes/sort_header.html`` render them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict

PAGE_SIZE = 50
PAGE_PARAM = "page"
SORT_PARAM = "ordering"
# Page numbers shown either side of the current one before the list is elided.
ON_EACH_SIDE = 2


@dataclass(frozen=True)
class PageLink:
    """One entry of the page list: a number with its href, or the ellipsis (no href)."""

    label: str
    url: str
    current: bool = False


def _href(query: QueryDict, **changes: str | None) -> str:
    params = query.copy()
    for name, value in changes.items():
        if value is None:
            params.pop(name, None)
        else:
            params[name] = value
    return f"?{params.urlencode()}" if params else "?"


class LinkedPage(Page):
    """Django's Page that also knows the links to its neighbours and to the elided list of
    page numbers, built from the request's query string."""

    query: QueryDict

    @property
    def links(self) -> list[PageLink]:
        ellipsis = str(self.paginator.ELLIPSIS)
        return [
            PageLink(label=ellipsis, url="")
            if str(number) == ellipsis
            else PageLink(
                label=str(number),
                url=_href(self.query, **{PAGE_PARAM: str(number)}),
                current=number == self.number,
            )
            for number in self.paginator.get_elided_page_range(
                self.number, on_each_side=ON_EACH_SIDE
            )
        ]

    @property
    def previous_url(self) -> str:
        if not self.has_previous():
            return ""
        return _href(self.query, **{PAGE_PARAM: str(self.previous_page_number())})

    @property
    def next_url(self) -> str:
        if not self.has_next():
            return ""
        return _href(self.query, **{PAGE_PARAM: str(self.next_page_number())})


class LinkedPaginator(Paginator):
    def __init__(self, rows: Any, per_page: int, *, query: QueryDict) -> None:
        super().__init__(rows, per_page)
        self.query = query

    def _get_page(self, *args: Any, **kwargs: Any) -> LinkedPage:
        page = LinkedPage(*args, **kwargs)
        page.query = self.query
        return page


def _with_tie_breaker(rows: Any) -> Any:
    """An explicitly ordered queryset also ordered by id, so that rows with equal sort keys
    show on exactly one page."""
    if not isinstance(rows, QuerySet) or rows.query.combinator:
        return rows
    ordering = rows.query.order_by
    if ordering and not {"id", "-id", "pk", "-pk"} & {o for o in ordering if isinstance(o, str)}:
        return rows.order_by(*ordering, "id")
    return rows


def paginate(
    request: HttpRequest, rows: QuerySet[Any] | Sequence[Any], *, per_page: int = PAGE_SIZE
) -> LinkedPage:
    """The page of ``rows`` that ``?page=`` asks for (the last one past the end, the first
    for anything that is not a number), with its links (``page.links``, ``previous_url``,
    ``next_url``) keeping the other query parameters."""
    paginator = LinkedPaginator(_with_tie_breaker(rows), per_page, query=request.GET)
    return paginator.get_page(request.GET.get(PAGE_PARAM))  # type: ignore[return-value]


Direction = Literal["ascending", "descending", "none"]


@dataclass(frozen=True)
class SortLink:
    """A sortable column's header link, and its ``aria-sort`` value."""

    url: str
    direction: Direction


def sort_links(
    request: HttpRequest, *, allowed: Sequence[str], default: str | None = None
) -> dict[str, SortLink]:
    """For each column in ``allowed`` (each an ordering the list's FilterSet accepts): the
    link that sorts by it, or reverses it when it is the current sort, back on page one, and
    the current direction for ``aria-sort``. ``default`` is the sort when none is asked."""
    current = request.GET.get(SORT_PARAM) or default or ""
    links = {}
    for column in allowed:
        target = f"-{column}" if current == column else column
        directions = {column: "ascending", f"-{column}": "descending"}
        direction = cast(Direction, directions.get(current, "none"))
        links[column] = SortLink(
            url=_href(request.GET, **{PAGE_PARAM: None, SORT_PARAM: target}), direction=direction
        )
    return links
