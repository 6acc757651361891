"""Data Docs pages that work offline and after the lake folder is moved.

GE's page templates load jQuery, Bootstrap, Vega and Font Awesome from CDNs and its logo from
S3, so an auditor without network sees an empty index. Its templates cannot be overridden by
name (GE's own loader comes first), so each page GE writes is rewritten after the build: every
CDN URL becomes a relative path into `static/vendor/` beside the pages, filled from the npm
packages `make install` pins (`livelake/resources/docs_assets/package-lock.json`). The rewrite
is idempotent: a page already rewritten is left as it is.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from importlib.resources import files
from pathlib import Path

log = logging.getLogger(__name__)

VENDOR_DIR = "static/vendor"
ASSETS = Path(str(files("livelake") / "resources" / "docs_assets" / "node_modules"))

# Each URL GE's templates load -> the same file in the pinned npm package.
CDN_FILES = {
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": (
        "bootstrap-table/dist/bootstrap-table.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": (
        "bootstrap-table/dist/bootstrap-table.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.js": (
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.js"
    ),
    # GE asks for the 1.19.0 stylesheet of the 1.19.1 extension: the pinned 1.19.1 serves both.
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.css": (
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.css": (
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.css"
    ),
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": (
        "bootstrap/dist/css/bootstrap.min.css"
    ),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": (
        "bootstrap/dist/js/bootstrap.min.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": (
        "popper.js/dist/umd/popper.min.js"
    ),
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
    "bootstrap-datepicker.min.css": "bootstrap-datepicker/dist/css/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
    "bootstrap-datepicker.min.js": "bootstrap-datepicker/dist/js/bootstrap-datepicker.min.js",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/"
    "bootstrap-prefers-dark.css": "@forevolve/bootstrap-dark/dist/css/bootstrap-prefers-dark.css",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": (
        "@fortawesome/fontawesome-free/css/all.min.css"
    ),
    "https://cdn.jsdelivr.net/npm/vega@5": "vega/build/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite/build/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed/build/vega-embed.min.js",
}
# Files the vendored stylesheets load in turn (Font Awesome's `../webfonts/`).
FOLDERS = ["@fortawesome/fontawesome-free/webfonts"]

# GE's logo (and its dark-mode background image) from S3 -> the copy GE ships in static/images.
S3_IMAGE = re.compile(r"https://great-expectations-web-assets\.s3\.[\w.-]+/[\w.-]+(\?[^\"')]*)?")
# Subresource-integrity attributes name the CDN's bytes; the local copy is pinned by npm's lock.
INTEGRITY = re.compile(r'\s+integrity="[^"]*"\s+crossorigin="anonymous"')
# GE's relative `static/` links, some a `../` short (validation pages' favicon).
STATIC = re.compile(r"""(?<=["'(])(?:\./|(?:\.\./)+)static/""")
# The newsletter footer: a marketing link that is dead offline and says nothing of the data.
FOOTER = re.compile(r"<footer>\s*<p>Stay current on everything GX.*?</footer>", re.DOTALL)


def install_vendor(docs_dir: Path, assets: Path = ASSETS) -> bool:
    """Copy the pinned assets into the site once; False (and a warning) if never installed.

    Missing assets leave the pages on their CDN links: the gate's decision and the published
    data do not depend on how its report is styled.
    """
    vendor = docs_dir / VENDOR_DIR
    wanted = [*CDN_FILES.values(), *FOLDERS]
    if all((vendor / name).exists() for name in wanted):
        return True
    if not all((assets / name).exists() for name in wanted):
        log.warning(
            "Data Docs keep their CDN links (they need network): the page assets are not "
            "installed in %s; run `make install` or `npm ci --prefix %s`",
            assets,
            assets.parent,
        )
        return False
    for name in wanted:
        source, target = assets / name, vendor / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copyfile(source, target)
    return True


def offline_html(html: str, to_root: str) -> str:
    """The page with every CDN asset served from the site itself; `to_root` is `../`s to it."""
    for url, name in CDN_FILES.items():
        html = html.replace(f'"{url}"', f'"{to_root}{VENDOR_DIR}/{name}"')
    html = INTEGRITY.sub("", html)
    html = S3_IMAGE.sub(f"{to_root}static/images/logo-long.png", html)
    html = STATIC.sub(f"{to_root}static/", html)
    return FOOTER.sub("", html)


def make_offline(docs_dir: Path, pages: list[Path]) -> None:
    """Rewrite the pages GE just built (and install the assets they now point to)."""
    if not install_vendor(docs_dir):
        return
    for page in pages:
        to_root = Path(os.path.relpath(docs_dir, page.parent)).as_posix() + "/"
        html = page.read_text(encoding="utf-8")
        rewritten = offline_html(html, "" if to_root == "./" else to_root)
        if rewritten != html:
            page.write_text(rewritten, encoding="utf-8")
