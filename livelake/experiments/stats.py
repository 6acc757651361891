"""The statistics of an A/B experiment, from each variant's sufficient statistics.

A metric is summed per unit (user or live session): `x`, and for a ratio metric (conversion
per visit) its denominator `y`; CUPED adds `c`, the unit's value of a pre-exposure covariate.
A variant is then fully described by `Moments` (counts, sums, sums of squares and cross
products), which Spark or DuckDB compute in one aggregation and this module turns into
estimates, as GrowthBook's `gbstats` does:

- a mean metric: the mean per unit, compared with Welch's t-test (unequal variances);
- a ratio metric: sum(x) / sum(y), its variance by the delta method, compared on the normal
  distribution (the delta method is asymptotic);
- CUPED: x - theta * (c - mean c), with theta the slope of x on c pooled within variants, so
  the adjusted difference equals the treatment coefficient of the regression x ~ variant + c;
- the relative lift (delta / control) with its delta-method interval;
- a sample-ratio-mismatch chi-square test of the units per variant against the declared
  traffic shares.

Checked against statsmodels and by simulation with known effects (tests/experiments).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

ALPHA = 0.05
# GrowthBook's default: a mismatch this unlikely under the declared split voids the result.
SRM_P_VALUE = 0.001


@dataclass(frozen=True)
class Moments:
    """One variant's units for one metric: n and the sums the estimates need.

    `sum_y*` are set for a ratio metric, `sum_c*` when a CUPED covariate is given.
    """

    n: int
    sum_x: float
    sum_x2: float
    sum_y: float | None = None
    sum_y2: float | None = None
    sum_xy: float | None = None
    sum_c: float | None = None
    sum_c2: float | None = None
    sum_xc: float | None = None

    @classmethod
    def of(
        cls,
        x: Sequence[float] | np.ndarray,
        y: Sequence[float] | np.ndarray | None = None,
        c: Sequence[float] | np.ndarray | None = None,
    ) -> Moments:
        """The moments of per-unit values (a test's or a notebook's way in)."""
        x = np.asarray(x, dtype=float)
        out = {"n": len(x), "sum_x": x.sum(), "sum_x2": (x * x).sum()}
        if y is not None:
            y = np.asarray(y, dtype=float)
            out |= {"sum_y": y.sum(), "sum_y2": (y * y).sum(), "sum_xy": (x * y).sum()}
        if c is not None:
            c = np.asarray(c, dtype=float)
            out |= {"sum_c": c.sum(), "sum_c2": (c * c).sum(), "sum_xc": (x * c).sum()}
        return cls(**{k: float(v) if k != "n" else int(v) for k, v in out.items()})

    @property
    def is_ratio(self) -> bool:
        return self.sum_y is not None

    @property
    def has_covariate(self) -> bool:
        return self.sum_c is not None

    def _centred(self, sum_ab: float, sum_a: float, sum_b: float) -> float:
        """Sum of (a - mean a)(b - mean b) over the units."""
        return sum_ab - sum_a * sum_b / self.n

    def _variance(self, sum_ab: float, sum_a: float, sum_b: float) -> float:
        return self._centred(sum_ab, sum_a, sum_b) / (self.n - 1)


@dataclass(frozen=True)
class Estimate:
    """A variant's value of a metric and the variance of that value (not of a unit)."""

    n: int
    value: float
    variance: float


@dataclass(frozen=True)
class Comparison:
    """A variant against the control on one metric."""

    control: Estimate
    treatment: Estimate
    delta: float
    ci_low: float
    ci_high: float
    p_value: float
    relative_lift: float
    relative_ci_low: float
    relative_ci_high: float
    cuped_theta: float | None = None

    @property
    def significant(self) -> bool:
        return self.p_value < ALPHA


def cuped_theta(control: Moments, treatment: Moments) -> float:
    """The slope of x on the covariate within variants, pooled: the regression's coefficient.

    Pooling within variants (not over all units) keeps a true effect out of the slope.
    """
    sxc = sum(m._centred(m.sum_xc, m.sum_x, m.sum_c) for m in (control, treatment))
    scc = sum(m._centred(m.sum_c2, m.sum_c, m.sum_c) for m in (control, treatment))
    return sxc / scc if scc > 0 else 0.0


def estimate(m: Moments, theta: float | None = None, covariate_mean: float = 0.0) -> Estimate:
    """The variant's mean (or ratio) and its variance; with `theta`, CUPED-adjusted to the
    pooled covariate mean `covariate_mean`."""
    if m.n < 2:
        raise ValueError(f"a variant needs at least 2 units, this one has {m.n}")
    mean_x = m.sum_x / m.n
    var_x = m._variance(m.sum_x2, m.sum_x, m.sum_x)
    if m.is_ratio:
        mean_y = m.sum_y / m.n
        if mean_y == 0:
            raise ValueError("a ratio metric's denominator sums to 0 in a variant")
        ratio = mean_x / mean_y
        var_y = m._variance(m.sum_y2, m.sum_y, m.sum_y)
        cov_xy = m._variance(m.sum_xy, m.sum_x, m.sum_y)
        var_unit = (var_x - 2 * ratio * cov_xy + ratio**2 * var_y) / mean_y**2
        return Estimate(m.n, ratio, max(var_unit, 0.0) / m.n)
    if theta is None:  # sums of squares can cancel to a hair below 0 for equal values
        return Estimate(m.n, mean_x, max(var_x, 0.0) / m.n)
    mean_c = m.sum_c / m.n
    var_c = m._variance(m.sum_c2, m.sum_c, m.sum_c)
    cov_xc = m._variance(m.sum_xc, m.sum_x, m.sum_c)
    adjusted = mean_x - theta * (mean_c - covariate_mean)
    var_unit = var_x - 2 * theta * cov_xc + theta**2 * var_c
    return Estimate(m.n, adjusted, max(var_unit, 0.0) / m.n)


def compare(control: Moments, treatment: Moments, cuped: bool = True) -> Comparison:
    """Treatment minus control with a 95% interval and a two-sided p-value.

    CUPED applies to mean metrics when both variants carry the covariate (`cuped=False`
    turns it off, e.g. to show what it gained).
    """
    if control.is_ratio != treatment.is_ratio:
        raise ValueError("control and treatment must both be ratio metrics or both means")
    theta = None
    covariate_mean = 0.0
    if cuped and not control.is_ratio and control.has_covariate and treatment.has_covariate:
        theta = cuped_theta(control, treatment)
        covariate_mean = (control.sum_c + treatment.sum_c) / (control.n + treatment.n)
    c = estimate(control, theta, covariate_mean)
    t = estimate(treatment, theta, covariate_mean)
    delta = t.value - c.value
    variance = c.variance + t.variance
    se = math.sqrt(variance)
    if control.is_ratio or se == 0:
        distribution = stats.norm
    else:
        # Welch-Satterthwaite, in shares of the variance (no underflow for tiny values)
        shares = (c.variance / variance, t.variance / variance)
        df = 1 / (shares[0] ** 2 / (c.n - 1) + shares[1] ** 2 / (t.n - 1))
        distribution = stats.t(df)
    critical = distribution.ppf(1 - ALPHA / 2)
    p_value = _two_sided_p(distribution, delta, se)
    if c.value == 0:
        relative, rel_se = math.nan, math.nan
    else:
        relative = delta / c.value
        ratio = t.value / c.value
        # sqrt(var_t + ratio² var_c) / |c|, without squaring: a control mean near zero
        # makes the ratio huge, and its square overflowed (the bound is then infinite)
        spread = math.hypot(math.sqrt(t.variance), abs(ratio) * math.sqrt(c.variance))
        rel_se = spread / abs(c.value)
    return Comparison(
        control=c,
        treatment=t,
        delta=delta,
        ci_low=delta - critical * se,
        ci_high=delta + critical * se,
        p_value=p_value,
        relative_lift=relative,
        relative_ci_low=relative - critical * rel_se,
        relative_ci_high=relative + critical * rel_se,
        cuped_theta=theta,
    )


def _two_sided_p(distribution, delta: float, se: float) -> float:
    """With no noise at all (every unit alike in both variants) any difference is certain."""
    if se == 0:
        return 1.0 if delta == 0 else 0.0
    return float(2 * distribution.sf(abs(delta) / se))


@dataclass(frozen=True)
class SampleRatio:
    """Units per variant against the declared traffic shares."""

    observed: tuple[int, ...]
    expected: tuple[float, ...]
    p_value: float

    @property
    def mismatch(self) -> bool:
        return self.p_value < SRM_P_VALUE


def sample_ratio(units: Sequence[int], shares: Sequence[float]) -> SampleRatio:
    """Pearson's chi-square goodness of fit of the units to the shares (which sum to 1)."""
    if len(units) != len(shares) or len(units) < 2:
        raise ValueError("give one unit count and one traffic share per variant (two or more)")
    if not math.isclose(sum(shares), 1.0, abs_tol=1e-9):
        raise ValueError(f"traffic shares must sum to 1, not {sum(shares)}")
    total = sum(units)
    expected = [total * s for s in shares]
    p_value = stats.chisquare(list(units), expected).pvalue if total else 1.0
    return SampleRatio(tuple(units), tuple(expected), float(p_value))
