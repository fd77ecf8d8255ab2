"""Jinja2 for every text vnfil renders: one environment, templates in vnfil/templates."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from vnfil.platform.i18n import translator
from vnfil.platform.text import amount_text


def data(value: Any) -> Markup:
    """What people wrote or are called (names, rationales, file names), marked so: it is
    not translated (``translate="no"``), and a check of a page's language leaves it be."""
    return Markup('<span translate="no">%s</span>') % ("" if value is None else value)


@lru_cache
def environment() -> Environment:
    """One environment for the process: templates are compiled once, not per render."""
    env = Environment(
        extensions=["jinja2.ext.do"],
        loader=PackageLoader("vnfil", "templates"),
        autoescape=select_autoescape(["html", "xml", "html.j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates ship with the package: no stat() per render
    )
    env.filters["data"] = data
    env.filters["amount"] = amount_text
    return env


def _message(template: str, lang: str, context: dict[str, Any]) -> tuple[str, str]:
    name = f"{template}.txt.j2" if lang == "en" else f"{template}.{lang}.txt.j2"
    text = environment().get_template(name).render(t=translator(lang), **context)
    subject, _, body = text.partition("\n")
    return subject.strip(), body.strip() + "\n"


def render_message(template: str, lang: str | None = None, **context: Any) -> tuple[str, str]:
    """A message's subject (its template's first line) and body (the rest), in the
    recipient's language (``{template}.txt.j2`` in English, ``{template}.pl.txt.j2`` in
    Polish); for someone whose language is not known, in English, then in Polish."""
    if lang in ("en", "pl"):
        return _message(template, lang, context)
    subject, english = _message(template, "en", context)
    polish_subject, polish = _message(template, "pl", context)
    return subject, f"{english}\n—\n{polish_subject}\n\n{polish}"
