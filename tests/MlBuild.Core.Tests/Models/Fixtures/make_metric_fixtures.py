#!/usr/bin/env python3
# Writes the metric fixtures MlBuild's evaluation tests compare against (run once, output committed):
#   /usr/bin/python3 make_metric_fixtures.py        (Debian's python3-sklearn 1.2.1, numpy 1.24.2)
# binary.csv (label, score with ties, predicted), multiclass.csv (label, p0..p3, predicted),
# regression.csv (label, prediction), and metrics.expected.json with scikit-learn's figures.
import json, numpy as np, sklearn
from sklearn import metrics as M

rng = np.random.default_rng(20261203)
out = {"sklearn": sklearn.__version__, "numpy": np.__version__}

# Binary: scores rounded to 2 decimals so many ties cross the classes (tie-aware AUC matters).
n = 600
y = (rng.random(n) < 0.35).astype(int)
s = np.clip(0.35 + 0.25 * (y - 0.35) + rng.normal(0, 0.22, n), 0, 1).round(2)
s[:5] = [0.0, 1.0, 0.5, 0.5, 0.5]       # the ends and the threshold itself
pred = (s > 0.5).astype(int)             # ML.NET's rule: positive when the probability is above 0.5
with open("binary.csv", "w") as f:
    f.write("label,score,predicted\n")
    for a, b, c in zip(y, s, pred): f.write(f"{a},{b:.2f},{c}\n")
out["binary"] = {
    "auc": M.roc_auc_score(y, s), "auprc": M.average_precision_score(y, s),
    "accuracy": M.accuracy_score(y, pred), "precision": M.precision_score(y, pred), "recall": M.recall_score(y, pred),
    "f1": M.f1_score(y, pred), "log-loss": M.log_loss(y, s), "brier": M.brier_score_loss(y, s),
}

# Multiclass: 4 classes, probabilities from a noisy softmax; class 3 is rare.
n, k = 500, 4
y = rng.choice(k, size=n, p=[0.4, 0.3, 0.25, 0.05])
logits = rng.normal(0, 1, (n, k)); logits[np.arange(n), y] += 1.2
p = np.exp(logits); p /= p.sum(axis=1, keepdims=True)
p = p.round(6); p /= p.sum(axis=1, keepdims=True)
text = [",".join(f"{v:.17g}" for v in row) for row in p]
p = np.array([[float(v) for v in t.split(",")] for t in text])   # exactly what the CSV holds
pred = p.argmax(axis=1)
with open("multiclass.csv", "w") as f:
    f.write("label,p0,p1,p2,p3,predicted\n")
    for a, t, c in zip(y, text, pred): f.write(f"{a},{t},{c}\n")
out["multiclass"] = {
    "accuracy": M.accuracy_score(y, pred), "macro-accuracy": M.balanced_accuracy_score(y, pred),
    "macro-f1": M.f1_score(y, pred, average="macro"),
    "precision": M.precision_score(y, pred, average="macro", zero_division=0),
    "recall": M.recall_score(y, pred, average="macro", zero_division=0), "log-loss": M.log_loss(y, p, labels=list(range(k))),
}
for c, (pc, rc) in enumerate(zip(M.precision_score(y, pred, average=None, labels=list(range(k)), zero_division=0),
                                 M.recall_score(y, pred, average=None, labels=list(range(k)), zero_division=0))):
    out["multiclass"][f"precision[{c}]"] = pc
    out["multiclass"][f"recall[{c}]"] = rc

# Regression.
n = 400
x = rng.normal(0, 1, n)
y = 3 * x - 1 + rng.normal(0, 0.8, n)
yhat = 2.8 * x - 0.9
with open("regression.csv", "w") as f:
    f.write("label,prediction\n")
    for a, b in zip(y, yhat): f.write(f"{a:.17g},{b:.17g}\n")
y = np.array([float(f"{a:.17g}") for a in y]); yhat = np.array([float(f"{b:.17g}") for b in yhat])
out["regression"] = {
    "rmse": M.mean_squared_error(y, yhat, squared=False), "mae": M.mean_absolute_error(y, yhat), "r2": M.r2_score(y, yhat),
}

with open("metrics.expected.json", "w") as f:
    json.dump(out, f, indent=2, sort_keys=True); f.write("\n")
