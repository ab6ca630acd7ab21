"""The page's HTML tables (the lists of plays) read back as a viewer reads them: each cell's text, markup gone."""

from __future__ import annotations

import re
from html import unescape


def html_rows(html: str) -> list[list[str]]:
    """An HTML table's body rows, each cell's text as a viewer reads it (entities decoded, tags gone)."""
    body = html.split("<tbody>", 1)[1]
    return [
        [unescape(re.sub(r"<[^>]*>", "", cell)) for cell in re.findall(r"<td[^>]*>.*?</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body)
    ]
