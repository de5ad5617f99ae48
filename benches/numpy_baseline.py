#!/usr/bin/env python3
"""The Suwałki corridor model (shared/MODEL.md section 2) vectorised in NumPy:
what an analyst would write in a notebook. Benchmark reference only; the tests
do not need Python.

Usage: python3 numpy_baseline.py [--samples N] [--seed S] [--batch B]
Prints one line: samples, seconds, samples per second, P(closure) and the
mean of closure_risk. Samples are processed in batches (default 10^6) so
memory stays bounded, as a careful notebook user would.
"""
import argparse
import time

import numpy as np

Z95 = 1.6448536269514722


def lognormal_p(rng, p05, p95, n):
    mu = (np.log(p05) + np.log(p95)) / 2
    sigma = (np.log(p95) - np.log(p05)) / (2 * Z95)
    return rng.lognormal(mu, sigma, n)


def logistic(x):
    # Stable for any x, as the model language requires.
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1 / (1 + np.exp(-x[pos]))
    ex = np.exp(x[~pos])
    out[~pos] = ex / (1 + ex)
    return out


def batch(rng, n):
    exercise_troops = rng.triangular(900, 1000, 1100, n)
    withdrawn_share = rng.beta(4, 1.5, n)
    permanent_presence = (rng.random(n) < 0.3).astype(float)
    garrison_troops = lognormal_p(rng, 2000, 12000, n)
    surge_troops_per_day = lognormal_p(rng, 800, 4000, n)
    kaliningrad_troops = rng.normal(12000, 1500, n)
    kaliningrad_committed_share = rng.beta(3, 3, n)
    belarus_alignment = rng.beta(6, 3, n)
    belarus_army_troops = rng.normal(25000, 2500, n)
    belarus_committed_share = rng.beta(2, 6, n)
    us_rotation_troops = 500.0
    efp_lithuania_troops = rng.triangular(1000, 1200, 1400, n)
    efp_poland_troops = rng.triangular(900, 1030, 1200, n)
    national_troops_near_gap = rng.normal(8000, 1500, n)
    warning_days = lognormal_p(rng, 0.5, 10, n)
    decision_days = lognormal_p(rng, 0.5, 5, n)
    movement_days = lognormal_p(rng, 2, 30, n)
    nato_cohesion = rng.beta(7, 3, n)
    us_commitment = rng.beta(8, 2, n)
    base_closure_hours = lognormal_p(rng, 12, 72, n)
    breakthrough_ratio = rng.triangular(1.0, 1.5, 3.0, n)
    russian_resolve = rng.beta(2, 5, n)

    russians_in_belarus = exercise_troops * (1 - withdrawn_share) + permanent_presence * garrison_troops
    belarus_consents = (rng.random(n) < belarus_alignment).astype(float)
    surge_troops = belarus_consents * surge_troops_per_day * warning_days
    belarus_joining = belarus_consents * belarus_alignment * belarus_committed_share * belarus_army_troops
    attack_force = (kaliningrad_committed_share * kaliningrad_troops
                    + belarus_consents * (russians_in_belarus + surge_troops) + belarus_joining)
    defence_force = us_rotation_troops + efp_lithuania_troops + efp_poland_troops + national_troops_near_gap
    force_ratio = attack_force / defence_force
    breakthrough = force_ratio >= breakthrough_ratio
    closure_hours = base_closure_hours * (3 / force_ratio) ** 1.5
    response_days = (decision_days * (1 + 2.0 * (1 - nato_cohesion))
                     + movement_days * (1 + 1.0 * (1 - us_commitment)))
    arrival_hours = 24 * np.maximum(0, response_days - warning_days)
    military_success = breakthrough & (closure_hours < arrival_hours)
    tripwire = 1 - np.exp(-(us_rotation_troops + efp_lithuania_troops + efp_poland_troops) / 2000)
    deterrence = 0.35 * nato_cohesion + 0.45 * us_commitment + 0.20 * tripwire
    opportunity = np.where(breakthrough, logistic((arrival_hours - closure_hours) / 24), 0.0)
    p_attempt = logistic(-4.0 + 4.0 * russian_resolve + 2.0 * opportunity - 5.0 * deterrence)
    attempt = rng.random(n) < p_attempt
    closure = attempt & military_success
    closure_risk = p_attempt * military_success
    # The summaries gaprisk reports: counts, means, sds and quantiles.
    stats = [closure.sum(), attempt.sum(), military_success.sum(), breakthrough.sum(), belarus_consents.sum()]
    for out in (closure_risk, p_attempt, force_ratio, closure_hours, arrival_hours, attack_force):
        stats.append((out.sum(), (out * out).sum(), np.quantile(out, [0.05, 0.25, 0.5, 0.75, 0.95])))
    return closure.sum(), closure_risk.sum()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=float, default=1e6)
    ap.add_argument("--seed", type=int, default=20200925)
    ap.add_argument("--batch", type=float, default=1e6)
    args = ap.parse_args()
    n, b = int(args.samples), int(args.batch)
    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    closures = risk = 0.0
    done = 0
    while done < n:
        m = min(b, n - done)
        c, r = batch(rng, m)
        closures += c
        risk += r
        done += m
    elapsed = time.perf_counter() - start
    print(f"samples={n} seconds={elapsed:.4f} samples_per_second={n / elapsed:.0f} "
          f"p_closure={closures / n:.6f} closure_risk={risk / n:.6f}")


if __name__ == "__main__":
    main()
