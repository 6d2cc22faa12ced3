"""The UCR/UEA benchmark's published columns and the zoo's targets, checked on its results.

The targets are those of the zoo's issue: the 1D CNN and the hybrids at least the published
CNN on each univariate set, at least 0.95 on BasicMotions and a mean of at least 0.85;
InceptionTime, ResNet and QUANT within 0.02 of their published figures; LITETime within
0.02 of InceptionTime's mean at no more than a fifth of its fit time.
"""

from __future__ import annotations

import pandas as pd

from published import published_table

# Published default-split accuracies (bake-off redux) shown beside tszoo's; see published.py.
REFERENCES = ["CNN", "ResNet", "InceptionTime", "LITETime", "QUANT", "MR-Hydra", "HC2"]


def references(datasets: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Published default-split accuracies of :data:`REFERENCES`, as a frame and markdown."""
    table = published_table().reindex(index=datasets, columns=REFERENCES)
    lines = [f"| dataset | {' | '.join(REFERENCES)} |", "|---" * (len(REFERENCES) + 1) + "|"]
    for dataset, row in table.iterrows():
        cells = [f"{v:.3f}" if pd.notna(v) else "" for v in row]
        lines.append(f"| {dataset} | {' | '.join(cells)} |")
    return table, lines


def published(dataset: str, table: pd.DataFrame) -> str:
    row = table.loc[dataset].dropna() if dataset in table.index else pd.Series(dtype=float)
    return ", ".join(f"{k} {v:.3f}" for k, v in row.items())


# model -> (published column it must match within 0.02, or None) and whether it must beat CNN
ZOO_TARGETS = {
    "cnn_1d": (None, True),
    "hybrid_attention": (None, True),
    "hybrid_cnn_lstm": (None, True),
    "inception_time": ("InceptionTime", False),
    "resnet": ("ResNet", False),
    "quant": ("QUANT", False),
}


def same_run_ratio(results: pd.DataFrame, model: str, reference: str) -> tuple[float, int] | None:
    """``model``'s fit seconds over ``reference``'s, summed over the cells (dataset, seed)
    where one invocation (one ``command``) timed both, one after the other under the same
    load, and how many such cells; None where no invocation timed both. Cells from runs made
    beside different loads would compare the loads, not the models."""
    ok = results[results.status == "ok"]
    key = ["dataset", "seed", "command"]
    a = ok[ok.model == model].set_index(key).fit_seconds
    b = ok[ok.model == reference].set_index(key).fit_seconds
    both = a.index.intersection(b.index)
    if not len(both):
        return None
    return float(a[both].sum() / b[both].sum()), len(both)


def zoo_targets(acc: pd.DataFrame, results: pd.DataFrame, refs: pd.DataFrame) -> list[str]:
    """One line per model with a target in the zoo's issue: met or not, and by how much;
    ``results`` holds every cell (for LITETime's fit time, see :func:`same_run_ratio`)."""
    lines = ["| model | target | result | met |", "|---|---|---|---|"]
    univariate = [d for d in acc.index if d in refs.index and refs.loc[d].notna().any()]
    for model, (column, beat_cnn) in ZOO_TARGETS.items():
        if model not in acc:
            continue
        ran = [d for d in univariate if pd.notna(acc.loc[d, model])]
        missing = (
            f" ({len(ran)} of {len(univariate)} sets ran)" if len(ran) < len(univariate) else ""
        )
        if beat_cnn:
            gaps = {d: acc.loc[d, model] - refs.loc[d, "CNN"] for d in ran}
            worst = min(gaps, key=gaps.get) if gaps else None
            ok = all(g >= -1e-9 for g in gaps.values())
            text = f"worst {worst} {gaps[worst]:+.3f}{missing}" if worst else "n/a"
            lines.append(f"| {model} | ≥ published CNN on each univariate set | {text} | "
                         f"{'✓' if ok else '✗'} |")  # fmt: skip
            if "BasicMotions" in acc.index:
                v = acc.loc["BasicMotions", model]
                lines.append(f"| {model} | ≥ 0.95 on BasicMotions | {v:.3f} | "
                             f"{'✓' if v >= 0.95 else '✗'} |")  # fmt: skip
            if acc[model].notna().sum() == len(acc):
                m = acc[model].mean()
                lines.append(f"| {model} | mean ≥ 0.85 over the {len(acc)} sets | {m:.3f} | "
                             f"{'✓' if m >= 0.85 else '✗'} |")  # fmt: skip
        else:
            gaps = {d: acc.loc[d, model] - refs.loc[d, column] for d in ran}
            worst = min(gaps, key=gaps.get) if gaps else None
            ok = all(g >= -0.02 - 1e-9 for g in gaps.values())
            text = f"worst {worst} {gaps[worst]:+.3f}{missing}" if worst else "n/a"
            lines.append(f"| {model} | within 0.02 of published {column} on each univariate "
                         f"set | {text} | {'✓' if ok else '✗'} |")  # fmt: skip
    if "lite_time" in acc and "inception_time" in acc:
        both = acc[["lite_time", "inception_time"]].dropna().index
        gap = acc.loc[both, "lite_time"].mean() - acc.loc[both, "inception_time"].mean()
        paired = same_run_ratio(results, "lite_time", "inception_time")
        lines.append(f"| lite_time | mean within 0.02 of inception_time's ({len(both)} sets) | "
                     f"{gap:+.3f} | {'✓' if gap >= -0.02 else '✗'} |")  # fmt: skip
        if paired is None:
            lines.append("| lite_time | fit time ≤ 1/5 of inception_time's | no run here "
                         "timed both | n/a |")  # fmt: skip
        else:
            ratio, n = paired
            met = "✓" if ratio <= 0.2 else "✗"
            lines.append(f"| lite_time | fit time ≤ 1/5 of inception_time's | {ratio:.3f}x "
                         f"({n} cells timed in one run) | {met} |")  # fmt: skip
    return lines
