"""Data Docs validation pages in livelake's words: the gate's verdict, severity per expectation.

GE's own page says "Status: Failed" as soon as any expectation fails, even one of severity
`warn` whose data was published, and shows no severity: an auditor would conclude that failed
data was published. The renderers here, configured on the lake's Data Docs site
(`gx_context.py`), show instead the verdict every other page shows
(`livelake.jobs.report.gate_verdict`) with the counts of blocking failures and warnings, the
verdict of the stage's gate, a severity column, and a warning sign (not a red cross) on a
failed `warn` expectation. GE still
decides every expectation; only the wording of its page changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from great_expectations.render.components import RenderedStringTemplateContent
from great_expectations.render.renderer.content_block import (
    ValidationResultsTableContentBlockRenderer,
)
from great_expectations.render.renderer.page_renderer import ValidationResultsPageRenderer

from livelake.jobs.quality.results import failed_counts, result_severity
from livelake.jobs.quality.validate import GATE_META
from livelake.jobs.report import gate_verdict, verdict_counts

# The icon GE's stylesheet has for each verdict (font awesome classes).
VERDICT_ICONS = {
    "passed": "fas fa-check-circle text-success",
    "passed with warnings": "fas fa-exclamation-triangle text-warning",
    "refused": "fas fa-times text-danger",
}


def _text(text: str) -> RenderedStringTemplateContent:
    return RenderedStringTemplateContent(
        content_block_type="string_template",
        string_template={"template": "$text", "params": {"text": text}},
    )


def _warning_icon() -> RenderedStringTemplateContent:
    """The status icon of a failed `warn` expectation, built like GE's own status icons."""
    return RenderedStringTemplateContent(
        content_block_type="string_template",
        string_template={
            "template": "$icon",
            "params": {"icon": "", "markdown_status_icon": "⚠"},
            "styling": {
                "params": {
                    "icon": {"classes": VERDICT_ICONS["passed with warnings"].split(), "tag": "i"}
                }
            },
        },
    )


class SeverityTableRenderer(ValidationResultsTableContentBlockRenderer):
    """GE's table of expectations with a severity column; a failed `warn` expectation gets
    a warning sign instead of the red cross of a refusal."""

    @classmethod
    def _process_content_block(cls, content_block, has_failed_evr, render_object=None) -> None:
        super()._process_content_block(content_block, has_failed_evr, render_object)
        content_block.header_row.insert(1, "Severity")

    @classmethod
    def _get_content_block_fn(
        cls, expectation_type: str, expectation_config: Any = None
    ) -> Callable | None:
        row_fn = super()._get_content_block_fn(expectation_type, expectation_config)
        if row_fn is None:
            return None

        def with_severity(*args: Any, **kwargs: Any) -> Any:
            rows = row_fn(*args, **kwargs)
            result = kwargs["result"]
            level = result_severity(result)
            if level == "warn" and not result.success:
                rows[0][0] = _warning_icon()
            rows[0].insert(1, _text(level))
            return rows

        return with_severity


class VerdictPageRenderer(ValidationResultsPageRenderer):
    """GE's validation page headed by the gate's verdict and its counts."""

    def __init__(self, column_section_renderer=None, run_info_at_end=False, data_context=None):
        super().__init__(
            column_section_renderer=column_section_renderer
            or {
                "class_name": "ValidationResultsColumnSectionRenderer",
                "table_renderer": {"module_name": __name__, "class_name": "SeverityTableRenderer"},
            },
            run_info_at_end=run_info_at_end,
            data_context=data_context,
        )

    @classmethod
    def _render_validation_header(cls, validation_results):
        header = super()._render_validation_header(validation_results)
        blocking, warnings = failed_counts(validation_results)
        verdict = gate_verdict(blocking, warnings)
        template = header.subheader.string_template
        template["params"].update(
            status_title="Verdict:",
            success=f"{verdict} ({verdict_counts(blocking, warnings)})",
            html_success_icon=f'<i class="{VERDICT_ICONS[verdict]}" aria-hidden="true"></i>',
            gate_title="Gate:",
            gate=validation_results.meta.get(GATE_META, "not recorded"),
        )
        template["template"] += "\n ${gate_title} ${gate}"
        template["styling"]["params"]["gate_title"] = {"classes": ["h6"]}
        return header

    @classmethod
    def _render_validation_statistics(cls, validation_results):
        table = super()._render_validation_statistics(validation_results)
        blocking, warnings = failed_counts(validation_results)
        table.table += [
            ["Blocking failures (severity error: the stage is refused)", blocking],
            ["Warnings (severity warn: published, flagged)", warnings],
        ]
        return table
