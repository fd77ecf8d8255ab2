"""Jinja2 for every text vnfil renders: one environment, templates in vnfil/templates."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup


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
    return env


def render_message(template: str, **context: Any) -> tuple[str, str]:
    """A message template's subject (its first line) and body (the rest)."""
    text = environment().get_template(f"{template}.txt.j2").render(**context)
    subject, _, body = text.partition("\n")
    return subject.strip(), body.strip() + "\n"
