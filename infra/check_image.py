"""Run while the image is built (``Dockerfile``) and by the tests on a development machine:
fails unless this system has what production needs beyond Python packages.

- WeasyPrint finds Pango, HarfBuzz (with its subsetter), fontconfig and GLib, and renders
  a certificate line with every Polish letter in DejaVu Sans, embedding that font;
- the API server's event loop and HTTP parser (uvloop, httptools) import.
"""

from __future__ import annotations

import sys

POLISH = "Zażółć gęślą jaźń — ZAŻÓŁĆ GĘŚLĄ JAŹŃ"


def main() -> int:
    import io

    import httptools  # noqa: F401 - the API's HTTP parser (vnfil serve)
    import uvloop  # noqa: F401 - the API's event loop (vnfil serve)
    import weasyprint
    from pypdf import PdfReader
    from weasyprint.text import ffi

    problems = []
    if ffi.harfbuzz_subset is None:
        problems.append("libharfbuzz-subset0 is missing: fonts would be subset slowly")
    html = f"<p style=\"font-family: 'DejaVu Sans'; font-size: 14pt\">{POLISH}</p>"
    pdf = weasyprint.HTML(string=html).write_pdf()
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    fonts = [str(f.get_object()["/BaseFont"]) for f in page["/Resources"]["/Font"].values()]
    if not any(name.replace("-", "").endswith("+DejaVuSans") for name in fonts):
        problems.append(f"DejaVu Sans (fonts-dejavu-core) was not used, but {fonts}")
    if page.extract_text().strip() != POLISH:
        problems.append(f"the Polish letters did not survive: {page.extract_text()!r}")
    for problem in problems:
        print(f"image check: {problem}", file=sys.stderr)
    if not problems:
        print(f"image check: ok (WeasyPrint {weasyprint.__version__}, DejaVu Sans embedded)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
