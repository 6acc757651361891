"""The Great Expectations project of one lake: suites, results and Data Docs live beside it.

The GE context is a file context rooted at `<home>/_quality/gx`; Data Docs are written to
`<home>/reports/data_docs/` so an auditor finds the HTML next to the data it describes. The
home is `Settings.reports_root` when set, a local folder (GE writes its project as files),
else the lake root of a lake on a local (or mounted) filesystem; a lake on an object store
needs `reports_root`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from great_expectations.data_context import AbstractDataContext

DOCS_SITE = "livelake"
DATASOURCE = "livelake_staged"
INDEX_LIMIT = 300


def _home(lake_root: str) -> Path | None:
    from livelake.config import settings

    reports_root = settings().reports_root
    if reports_root:
        return Path(reports_root.removeprefix("file://"))
    if lake_root.startswith("file://"):
        return Path(lake_root.removeprefix("file://"))
    return None if "://" in lake_root else Path(lake_root)


def is_local(lake_root: str) -> bool:
    """Whether the lake has a local home for its reports: `reports_root` is set, or the lake
    is on a local (or mounted) filesystem."""
    return _home(lake_root) is not None


def local_path(lake_root: str) -> Path:
    """The local folder of the lake's GE project, reports and locks."""
    home = _home(lake_root)
    if home is None:
        raise ValueError(
            f"quality gates keep their GE project and Data Docs in a local folder, but the lake "
            f"{lake_root} is remote: set reports_root (LIVELAKE_REPORTS_ROOT) to a local or "
            "mounted folder for gated runs"
        )
    return home


def docs_dir(lake_root: str) -> Path:
    """Where the Data Docs HTML site is built."""
    return local_path(lake_root) / "reports" / "data_docs"


def docs_index(lake_root: str) -> Path:
    return docs_dir(lake_root) / "index.html"


def gx_context(lake_root: str) -> AbstractDataContext:
    """Open (creating on first use) the lake's GE file context with its Data Docs site."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    project = local_path(lake_root) / "_quality"
    project.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(project))
    # GE parses this file (a template holding only an analytics id) at every look-up of a
    # context variable, hundreds per gate (0.8 ms each; BENCHMARKS.md, `overheads`). Without
    # it GE substitutes from the environment alone; the gates use no config variables.
    (Path(context.root_directory) / "uncommitted" / "config_variables.yml").unlink(missing_ok=True)
    site = {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(docs_dir(lake_root)),
        },
        # Validation pages say the gate's verdict and each expectation's severity.
        "site_section_builders": {
            "validations": {
                "renderer": {
                    "module_name": "livelake.jobs.quality.data_docs",
                    "class_name": "VerdictPageRenderer",
                }
            }
        },
        # The index loads every result it lists: cap it so a gate's cost does not grow with
        # the lake's age (older pages stay on disk; evidence packs link to them directly).
        "site_index_builder": {
            "class_name": "DefaultSiteIndexBuilder",
            "validation_results_limit": INDEX_LIMIT,
        },
    }
    sites = context.list_data_docs_sites()
    if sites.get(DOCS_SITE) != site or len(sites) != 1:
        for name in list(sites):
            context.delete_data_docs_site(name)
        context.add_data_docs_site(DOCS_SITE, site)
    bars = context.variables.progress_bars
    shown = bars.get("globally") if isinstance(bars, dict) else getattr(bars, "globally", None)
    if shown is not False:
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        context.variables.save()
    return context
