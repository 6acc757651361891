"""Run one table's suite on its staged rows through a GE Checkpoint (pandas engine).

The caller builds the frame from the staged files (`frame.py`). Each table has its own data asset,
validation definition and checkpoint in the lake's GE project, so Data Docs list every table's
history. Data Docs are rebuilt once per gate, not per table (`build_docs`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from livelake.jobs.quality.suites import TableSuite

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.core import ExpectationSuiteValidationResult
    from great_expectations.data_context import AbstractDataContext
    from great_expectations.data_context.types.resource_identifiers import (
        ValidationResultIdentifier,
    )

from livelake.jobs.quality.frame import LINEAGE_COLUMNS
from livelake.jobs.quality.gx_context import DATASOURCE, DOCS_SITE, docs_dir, docs_index
from livelake.jobs.quality.offline_docs import make_offline
from livelake.jobs.quality.results import failed_counts
from livelake.jobs.report import GateSummary, verdict_counts

BATCH = "staged"
GATE_META = "livelake_gate"  # a stored result's meta key for the verdict of its stage's gate
EXAMPLES = 5
FINGERPRINT = "livelake_fingerprint"  # a stored suite's meta key: hash of its expectations


@dataclass
class Validation:
    suite: TableSuite
    result: ExpectationSuiteValidationResult
    identifier: ValidationResultIdentifier


def _batch_definition(context: AbstractDataContext, asset_name: str) -> Any:
    try:
        source = context.data_sources.get(DATASOURCE)
    except KeyError:
        source = context.data_sources.add_pandas(name=DATASOURCE)
    try:
        asset = source.get_asset(asset_name)
    except LookupError:
        asset = source.add_dataframe_asset(name=asset_name)
    try:
        return asset.get_batch_definition(BATCH)
    except KeyError:
        return asset.add_batch_definition_whole_dataframe(BATCH)


def result_format(suite: TableSuite, detailed: bool) -> dict[str, Any]:
    """Verdicts only, or the details of failures.

    Details (observed values, example rows with their landing file and line) cost a second
    pass per expectation, so they are computed only for a table that failed.
    """
    if not detailed:
        return {"result_format": "BOOLEAN_ONLY"}
    fmt: dict[str, Any] = {"result_format": "SUMMARY", "partial_unexpected_count": EXAMPLES}
    if all(name in suite.table.column_names for name in LINEAGE_COLUMNS):
        fmt["unexpected_index_column_names"] = list(LINEAGE_COLUMNS)
    return fmt


def _fingerprint(suite: TableSuite) -> str:
    return hashlib.sha256(
        json.dumps(suite.expectations, sort_keys=True, default=str).encode()
    ).hexdigest()


def _stored_suite(context: AbstractDataContext, suite: TableSuite) -> Any:
    """The GE suite of `suite`, rewritten in the store only when its expectations changed.

    GE's `suites.add_or_update` compares each new expectation with every stored one (a
    quadratic scan that cost about a second per suite of ~200 expectations, even when nothing
    changed); the declared expectations' fingerprint in the suite's meta decides instead.
    """
    import great_expectations as gx
    from great_expectations.exceptions import DataContextError

    fingerprint = _fingerprint(suite)
    declared = gx.ExpectationSuite(
        name=suite.name, expectations=suite.expectations, meta={FINGERPRINT: fingerprint}
    )
    try:
        stored = context.suites.get(suite.name)
    except DataContextError:
        return context.suites.add(declared)
    if stored.meta.get(FINGERPRINT) != fingerprint:
        stored.expectations = declared.expectations
        stored.meta = declared.meta
        stored.save()
    return stored


def _stored_definition(context: AbstractDataContext, suite: TableSuite, gx_suite: Any) -> Any:
    """The table's validation definition; it names the suite by id, which a rewrite keeps."""
    import great_expectations as gx
    from great_expectations.exceptions import DataContextError

    try:
        definition = context.validation_definitions.get(suite.name)
    except DataContextError:
        definition = None
    if definition is None or definition.suite.id != gx_suite.id:
        definition = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(
                name=suite.name, data=_batch_definition(context, suite.name), suite=gx_suite
            )
        )
    return definition


def _stored_checkpoint(
    context: AbstractDataContext, suite: TableSuite, definition: Any, detailed: bool
) -> Any:
    """The table's checkpoint, saved again only when its result format changes."""
    import great_expectations as gx
    from great_expectations.exceptions import DataContextError

    wanted = result_format(suite, detailed)
    try:
        checkpoint = context.checkpoints.get(suite.name)
    except DataContextError:
        checkpoint = None
    if checkpoint is None or [v.id for v in checkpoint.validation_definitions] != [definition.id]:
        return context.checkpoints.add_or_update(
            gx.Checkpoint(
                name=suite.name,
                validation_definitions=[definition],
                actions=[],
                result_format=wanted,
            )
        )
    if checkpoint.result_format != wanted:
        checkpoint.result_format = wanted
        checkpoint.save()
    return checkpoint


def validate(
    context: AbstractDataContext, suite: TableSuite, df: pd.DataFrame, run_name: str
) -> Validation:
    """Run `suite` on `df` and return GE's result.

    A first pass decides; a table that fails is validated again with details for the report,
    and only that detailed result is kept in the GE store (the index lists every stored result).
    """
    import great_expectations as gx

    definition = _stored_definition(context, suite, _stored_suite(context, suite))
    for detailed in (False, True):
        checkpoint = _stored_checkpoint(context, suite, definition, detailed)
        outcome = checkpoint.run(
            batch_parameters={"dataframe": df},
            run_id=gx.RunIdentifier(run_name=run_name, run_time=datetime.now(UTC)),
        )
        identifier, result = next(iter(outcome.run_results.items()))
        if result.success or detailed:
            break
        context.validation_results_store.remove_key(identifier)
    return Validation(suite, result, identifier)


def build_docs(
    context: AbstractDataContext,
    validations: list[Validation],
    stage: str,
    gate: GateSummary,
    lake_root: str,
) -> dict[str, str]:
    """Render the validations' and suites' Data Docs pages and the index, readable offline
    (`offline_docs.py`); page path per suite name.

    Each stored result is first put in the gate's terms: its `success` is false only when an
    `error` expectation failed (the index then never crosses out published data), and its meta
    carries the stage's verdict, which its page shows beside the table's (`data_docs.py`): a
    table may pass its suite in a stage that another table got refused.
    """
    for validation in validations:
        blocking, _ = failed_counts(validation.result)
        validation.result.success = blocking == 0
        validation.result.meta[GATE_META] = (
            f"stage {stage} {gate.verdict} "
            f"({verdict_counts(gate.failed_blocking, gate.failed_warning)})"
        )
        context.validation_results_store.set(validation.identifier, validation.result)
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
    )

    suites = [ExpectationSuiteIdentifier(name=v.suite.name) for v in validations]
    identifiers = [v.identifier for v in validations]
    # The suites' pages too: the index and every validation page link to them.
    context.build_data_docs(site_names=[DOCS_SITE], resource_identifiers=identifiers + suites)
    pages = {v.suite.name: _page(context, v.identifier) for v in validations}
    written = [docs_index(lake_root), *map(Path, pages.values())]
    make_offline(docs_dir(lake_root), written + [Path(_page(context, s)) for s in suites])
    return pages


def _page(context: AbstractDataContext, identifier: Any) -> str:
    """The local path of a resource's Data Docs page."""
    urls = context.get_docs_sites_urls(resource_identifier=identifier, site_name=DOCS_SITE)
    return urls[0]["site_url"].removeprefix("file://")
