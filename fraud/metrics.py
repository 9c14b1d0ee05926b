"""Classification metrics for the fraud model, in numpy, and the precision-recall curve as a PNG.

`average_precision` is the step-wise area under the precision-recall curve (AUPRC) computed the
way scikit-learn's `average_precision_score` does: sum over distinct thresholds of
(recall_n - recall_{n-1}) * precision_n, without interpolation (interpolation flatters a model).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont


def _curve_counts(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """True and false positives at each distinct score threshold, highest threshold first."""
    order = np.argsort(-p, kind="mergesort")
    y_sorted = y[order].astype(np.float64)
    p_sorted = p[order]
    distinct = np.flatnonzero(np.diff(p_sorted)) if len(p_sorted) > 1 else np.array([], dtype=int)
    ends = np.r_[distinct, len(y_sorted) - 1]
    tps = np.cumsum(y_sorted)[ends]
    fps = (ends + 1) - tps
    return tps, fps, p_sorted[ends]


def precision_recall_curve(y: Any, p: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(precision, recall, thresholds), thresholds decreasing."""
    y, p = np.asarray(y), np.asarray(p, dtype=np.float64)
    positives = y.sum()
    if positives == 0:
        raise ValueError("no positive labels: precision-recall is undefined")
    tps, fps, thresholds = _curve_counts(y, p)
    return tps / (tps + fps), tps / positives, thresholds


def average_precision(y: Any, p: Any) -> float:
    precision, recall, _ = precision_recall_curve(y, p)
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def roc_auc(y: Any, p: Any) -> float:
    """Area under the ROC curve via the rank-sum statistic (ties count one half)."""
    y, p = np.asarray(y).astype(bool), np.asarray(p, dtype=np.float64)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError("ROC AUC needs both classes")
    order = np.argsort(p, kind="mergesort")
    ranks = np.empty(len(p), dtype=np.float64)
    sorted_p = p[order]
    # average ranks over ties
    boundaries = np.r_[0, np.flatnonzero(np.diff(sorted_p)) + 1, len(p)]
    for start, end in zip(boundaries[:-1], boundaries[1:], strict=True):
        ranks[order[start:end]] = (start + end + 1) / 2.0
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def classification_report(y: Any, p: Any, *, threshold: float) -> dict[str, Any]:
    """AUPRC, ROC-AUC, and precision / recall / F1 / confusion matrix at `threshold` (score >= it)."""
    y, p = np.asarray(y).astype(bool), np.asarray(p, dtype=np.float64)
    predicted = p >= threshold
    tp = int((predicted & y).sum())
    fp = int((predicted & ~y).sum())
    fn = int((~predicted & y).sum())
    tn = int((~predicted & ~y).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "rows": int(len(y)),
        "frauds": int(y.sum()),
        "auprc": round(average_precision(y, p), 6) if y.any() else None,
        "roc_auc": round(roc_auc(y, p), 6) if y.any() and (~y).any() else None,
        "threshold": threshold,
        "precision": round(precision, 6),
        "recall": round(recall, 6),
        "f1": round(f1, 6),
        "confusion_matrix": {"tp": tp, "fp": fp, "fn": fn, "tn": tn},
    }


def pr_curve_png(path: Path, y: Any, p: Any, *, title: str, threshold: float) -> Path:
    """Draw the precision-recall curve with Pillow (no plotting library needed)."""
    precision, recall, thresholds = precision_recall_curve(y, p)
    auprc = average_precision(y, p)
    width, height, margin = 720, 540, 70
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default()
    x0, y0, x1, y1 = margin, margin // 2 + 20, width - margin // 2, height - margin

    def to_px(r: float, pr: float) -> tuple[float, float]:
        return x0 + r * (x1 - x0), y1 - pr * (y1 - y0)

    for tick in np.linspace(0, 1, 6):
        gx, _ = to_px(tick, 0)
        _, gy = to_px(0, tick)
        draw.line([(gx, y0), (gx, y1)], fill=(230, 230, 230))
        draw.line([(x0, gy), (x1, gy)], fill=(230, 230, 230))
        draw.text((gx - 8, y1 + 6), f"{tick:.1f}", fill="black", font=font)
        draw.text((x0 - 30, gy - 6), f"{tick:.1f}", fill="black", font=font)
    draw.rectangle([x0, y0, x1, y1], outline="black")
    # step-wise curve, as the AUPRC is computed
    points = [to_px(0.0, float(precision[0]))]
    prev_r = 0.0
    for r, pr in zip(recall, precision, strict=True):
        points.append(to_px(prev_r, float(pr)))
        points.append(to_px(float(r), float(pr)))
        prev_r = float(r)
    draw.line(points, fill=(31, 119, 180), width=2)
    at = np.flatnonzero(thresholds >= threshold)
    if len(at):
        i = at[-1]
        cx, cy = to_px(float(recall[i]), float(precision[i]))
        draw.ellipse([cx - 5, cy - 5, cx + 5, cy + 5], outline=(214, 39, 40), width=2)
        draw.text((cx + 8, cy + 4), f"threshold {threshold:g}", fill=(214, 39, 40), font=font)
    draw.text((x0, 10), f"{title}", fill="black", font=font)
    labels = np.asarray(y)
    draw.text((x0, 26), f"AUPRC {auprc:.4f}  ({int(labels.sum())} frauds in {len(labels)} rows)", fill="black", font=font)
    draw.text(((x0 + x1) // 2 - 20, height - 28), "recall", fill="black", font=font)
    draw.text((8, (y0 + y1) // 2), "precision", fill="black", font=font)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, format="PNG")
    return path
