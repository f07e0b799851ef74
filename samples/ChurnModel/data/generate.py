"""Generates data/train.csv: 3000 synthetic customers whose churn depends on contract, tenure, charges and support
calls (so a model has something to learn). Deterministic: the same file on every run. Kept so the data's origin is
plain; the sample does not need Python."""
import csv, math, random
from datetime import date, timedelta

rng = random.Random(20261203)
plans = ["basic", "plus", "pro"]
contracts = ["month-to-month", "one-year", "two-year"]
with open("train.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["customer_id", "age", "gender", "tenure_months", "monthly_charges", "plan", "contract",
                "signup_date", "last_active_date", "support_calls", "churned"])
    for i in range(1, 3001):
        age = rng.randint(18, 85)
        gender = rng.choices(["female", "male", "other"], [0.48, 0.48, 0.04])[0]
        contract = rng.choices(contracts, [0.5, 0.3, 0.2])[0]
        tenure = rng.randint(0, 96)
        plan = rng.choices(plans, [0.5, 0.3, 0.2])[0]
        charges = round({"basic": 25, "plus": 55, "pro": 95}[plan] * rng.uniform(0.8, 1.25), 2)
        calls = min(100, int(rng.expovariate(1 / 2.0)))
        signup = date(2016, 1, 1) + timedelta(days=rng.randint(0, 2500))
        active = signup + timedelta(days=rng.randint(0, 1800))
        z = (-1.0 + {"month-to-month": 1.2, "one-year": -0.4, "two-year": -1.4}[contract]
             - 0.03 * tenure + 0.012 * (charges - 50) + 0.35 * calls)
        churned = rng.random() < 1 / (1 + math.exp(-z))
        w.writerow([i, age, gender, tenure, f"{charges:.2f}", plan, contract, signup.isoformat(), active.isoformat(),
                    calls, "true" if churned else "false"])
