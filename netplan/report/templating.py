"""HTML from jinja2 templates with autoescaping, in one language.

A value from an input file or the config reaches a page only as text: jinja2's autoescaping
turns ``<``, ``>``, ``&`` and quotes into character references, and :func:`inert` also turns
the three characters a JavaScript template literal interprets (backtick, ``$``, backslash)
and braces into references, so that no value can be read as code or as a template by
whatever renders the page next (popup HTML travels through the map's script). What the map
embeds as JSON it writes with ``<`` and ``>`` as ``\\u`` escapes, so no value can close the
``<script>`` that holds it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup, escape

from netplan.i18n import catalogue, texts

#: characters a JavaScript template literal (backtick, ``$``, backslash) or a template
#: engine (braces) would interpret, as HTML character references
_LITERAL_REFERENCES = str.maketrans(
    {"`": "&#96;", "$": "&#36;", "\\": "&#92;", "{": "&#123;", "}": "&#125;"}
)


def inert(value: Any) -> Markup:
    """``value`` as HTML text that neither a browser nor a JavaScript template literal reads
    as code; markup rendered from a template (:class:`~markupsafe.Markup`) passes through.

    Examples
    --------
    >>> print(inert("<b>`${x}`</b>"))
    &lt;b&gt;&#96;&#36;&#123;x&#125;&#96;&lt;/b&gt;
    """
    if isinstance(value, Markup):
        return value
    return Markup(str(escape(value)).translate(_LITERAL_REFERENCES))


@cache
def _environment(lang: str) -> jinja2.Environment:
    """The templates of one language: labels through the message catalogue (``{{ _("...") }}``,
    ``{% trans %}``), and numbers through the filters ``money``, ``people``, ``number``,
    ``percent`` and ``km`` of :class:`~netplan.i18n.Texts`."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("netplan.report", "templates"),
        autoescape=True,
        finalize=inert,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    labels = texts(lang)
    environment.install_gettext_translations(catalogue(labels.lang), newstyle=True)  # type: ignore[attr-defined]
    environment.filters.update(
        money=labels.money,
        people=labels.people,
        number=labels.number,
        percent=labels.percent,
        km=labels.km,
    )
    environment.globals["lang"] = labels.lang
    return environment


def render(template: str, *, lang: str | None = None, **values: Any) -> Markup:
    """Render ``netplan/report/templates/<template>`` in ``lang`` (English by default);
    every value in it is :func:`inert`."""
    environment = _environment(texts(lang).lang)
    return Markup(environment.get_template(template).render(**values))
