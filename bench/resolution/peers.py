#!/usr/bin/env python3
"""Peer baselines on Febrl3 (dedupe) and Febrl4 (link): Splink 5 (DuckDB) and
recordlinkage (multi-key blocking + ECMClassifier). No labels are used for training.

Reads the CSVs written by export_febrl.py (runs it first if they are missing),
prints precision / recall / F1 / seconds per system and data set, and writes JSON rows
{"system":..., "dataset":..., "precision":..., "recall":..., "f1":..., "seconds":...}
to --json PATH (JSON lines, appended).

The timed span is "load CSV -> predicted pairs" (training included), as for wig.

Usage: bench/.venv/bin/python bench/resolution/peers.py [--json out.jsonl] [--only splink|recordlinkage] [--repeat N]
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CRATE = os.path.abspath(os.path.join(HERE, "..", ".."))
VENV = os.path.join(CRATE, "bench", ".venv")
VPY = os.path.join(VENV, "bin", "python")
DATA = os.path.join(CRATE, "bench", "data")


def ensure_env():
    if os.path.abspath(sys.prefix) != os.path.abspath(VENV):
        if not os.path.exists(VPY):
            subprocess.check_call([sys.executable, "-m", "venv", VENV])
        try:
            subprocess.check_call([VPY, "-c", "import splink, recordlinkage"],
                                  stderr=subprocess.DEVNULL)
        except subprocess.CalledProcessError:
            subprocess.check_call([VPY, "-m", "pip", "install", "-q", "-r",
                                   os.path.join(HERE, "requirements.txt")])
        os.execv(VPY, [VPY, os.path.abspath(__file__)] + sys.argv[1:])
    if not os.path.exists(os.path.join(DATA, "febrl4_truth.csv")):
        subprocess.check_call([sys.executable, os.path.join(HERE, "export_febrl.py")])


_FRAMES = {}


def read_csv(name):
    """The file's frame, read once before any timed run (a copy each call):
    WIG's timed runs start from records in memory too."""
    import pandas as pd
    if name not in _FRAMES:
        _FRAMES[name] = pd.read_csv(os.path.join(DATA, name), dtype=str,
                                    keep_default_na=False).replace("", None)
    return _FRAMES[name].copy()


def truth(name):
    import pandas as pd
    t = pd.read_csv(os.path.join(DATA, name), dtype=str)
    return set(zip(t.rec_id_a, t.rec_id_b))


def score(pred, true, dedupe):
    if dedupe:
        pred = {tuple(sorted(p)) for p in pred}
        true = {tuple(sorted(p)) for p in true}
    else:
        pred = set(pred)
    tp = len(pred & true)
    p = tp / len(pred) if pred else 0.0
    r = tp / len(true) if true else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f, len(pred)


# ---------------------------------------------------------------- Splink 5
def splink_febrl3():
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    df = read_csv("febrl3.csv")
    blocking_rules = [
        block_on("soc_sec_id"), block_on("given_name"), block_on("surname"),
        block_on("date_of_birth"), block_on("postcode"),
    ]
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=blocking_rules,
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True,
                                     datetime_format="%Y%m%d"),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
        ],
        retain_intermediate_calculation_columns=False,
    )
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(df), settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth"),
         "l.given_name = r.surname and l.surname = r.given_name and l.date_of_birth = r.date_of_birth"],
        recall=0.9)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=2)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode"))
    pred = linker.inference.predict(threshold_match_probability=0.2).as_pandas_dataframe()
    return list(zip(pred.rec_id_l, pred.rec_id_r))


def splink_febrl4():
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    dfa, dfb = read_csv("febrl4a.csv"), read_csv("febrl4b.csv")
    blocking_rules = [
        block_on("given_name", "surname"),
        "l.given_name = r.surname and l.surname = r.given_name",
        block_on("date_of_birth"), block_on("soc_sec_id"),
        block_on("state", "address_1"), block_on("street_number", "address_1"),
        block_on("postcode"),
    ]
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="link_only",
        blocking_rules_to_generate_predictions=blocking_rules,
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True,
                                     datetime_format="%Y%m%d", invalid_dates_as_null=True),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                term_frequency_adjustments=True),
        ],
        retain_intermediate_calculation_columns=False,
    )
    db_api = DuckDBAPI()
    linker = Linker([db_api.register(dfa), db_api.register(dfb)], settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")], recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("date_of_birth"), estimate_without_term_frequencies=True)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("postcode"), estimate_without_term_frequencies=True)
    pred = linker.inference.predict(threshold_match_probability=0.2).as_pandas_dataframe()
    # orient every pair as (record of table a, record of table b)
    ids_a = set(dfa.rec_id)
    return [(l, r) if l in ids_a else (r, l) for l, r in zip(pred.rec_id_l, pred.rec_id_r)]


# ---------------------------------------------------------- recordlinkage ECM
def rl_features(idx, a, b):
    import recordlinkage
    c = recordlinkage.Compare()
    c.string("given_name", "given_name", method="jarowinkler", threshold=0.85,
             label="given_name")
    c.string("surname", "surname", method="jarowinkler", threshold=0.85, label="surname")
    c.exact("date_of_birth", "date_of_birth", label="date_of_birth")
    c.exact("soc_sec_id", "soc_sec_id", label="soc_sec_id")
    c.exact("street_number", "street_number", label="street_number")
    c.string("address_1", "address_1", threshold=0.85, label="address_1")
    c.exact("suburb", "suburb", label="suburb")
    c.exact("postcode", "postcode", label="postcode")
    c.exact("state", "state", label="state")
    return c.compute(idx, a, b)


def rl_index(keys):
    import recordlinkage
    ix = recordlinkage.Index()
    for k in keys:
        ix.block(k)
    return ix


def rl_febrl3():
    from recordlinkage import ECMClassifier
    df = read_csv("febrl3.csv").set_index("rec_id")
    idx = rl_index(["given_name", "surname", "date_of_birth", "soc_sec_id", "postcode"]).index(df)
    feats = rl_features(idx, df, df)
    ecm = ECMClassifier(binarize=None)
    links = ecm.fit_predict(feats)
    return list(links)


def rl_febrl4():
    from recordlinkage import ECMClassifier
    dfa = read_csv("febrl4a.csv").set_index("rec_id")
    dfb = read_csv("febrl4b.csv").set_index("rec_id")
    idx = rl_index(["given_name", "surname", "date_of_birth", "soc_sec_id", "postcode"]).index(dfa, dfb)
    feats = rl_features(idx, dfa, dfb)
    ecm = ECMClassifier(binarize=None)
    links = ecm.fit_predict(feats)
    return list(links)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json")
    ap.add_argument("--only", choices=["splink", "recordlinkage"])
    ap.add_argument("--repeat", type=int, default=1, help="best of N timed runs")
    args = ap.parse_args()
    import logging
    logging.disable(logging.WARNING)  # Splink logs its training at INFO/WARNING
    t3, t4 = truth("febrl3_truth.csv"), truth("febrl4_truth.csv")
    runs = [
        ("splink", "febrl3", splink_febrl3, t3, True),
        ("splink", "febrl4", splink_febrl4, t4, False),
        ("recordlinkage", "febrl3", rl_febrl3, t3, True),
        ("recordlinkage", "febrl4", rl_febrl4, t4, False),
    ]
    for name in ("febrl3.csv", "febrl4a.csv", "febrl4b.csv"):
        read_csv(name)  # untimed
    rows = []
    print(f"{'system':<14} {'dataset':<7} {'pairs':>6} {'prec':>7} {'recall':>7} {'f1':>7} {'seconds':>8}")
    for system, ds, fn, tr, dedupe in runs:
        if args.only and system != args.only:
            continue
        secs = float("inf")
        for _ in range(max(1, args.repeat)):
            t0 = time.perf_counter()
            pred = fn()
            secs = min(secs, time.perf_counter() - t0)
        p, r, f, n = score(pred, tr, dedupe)
        print(f"{system:<14} {ds:<7} {n:>6} {p:7.4f} {r:7.4f} {f:7.4f} {secs:8.3f}", flush=True)
        rows.append({"system": system, "dataset": ds, "precision": round(p, 6),
                     "recall": round(r, 6), "f1": round(f, 6), "seconds": round(secs, 4)})
    if args.json:
        with open(args.json, "a", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    ensure_env()
    main()
