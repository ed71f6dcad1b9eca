import json, os
import numpy as np
import pandas as pd
from pathlib import Path

cols = ["timestamp", "client_ip", "method", "path", "status", "bytes", "duration_ms"]


def clean_logs(raw):
    for c in cols:
        if not c in raw.columns:
            raise ValueError("missing column " + c)
    df = pd.DataFrame()
    for c in cols:
        df[c] = raw[c].astype(str).fillna("").str.strip()
    ts = pd.to_datetime(df["timestamp"], format="ISO8601", utc=True, errors="coerce")
    path = df["path"].str.replace(r"\?.*", "", regex=True)
    st = pd.to_numeric(df["status"].where(df["status"].str.fullmatch(r"[1-5][0-9][0-9]")), errors="coerce")
    b = df["bytes"].replace("-", "0")
    b = pd.to_numeric(b.where(b.str.fullmatch(r"[0-9]+")), errors="coerce")
    d = pd.to_numeric(df["duration_ms"], errors="coerce")
    ok = ts.notna() & (df["client_ip"] != "") & (df["method"] != "") & path.str.startswith("/") & st.notna() & b.notna() & (d >= 0) & np.isfinite(d)
    ok = ok.to_numpy(dtype=bool)
    out = pd.DataFrame({"timestamp": ts[ok], "client_ip": df["client_ip"][ok], "method": df["method"][ok].str.upper(), "path": path[ok], "status": st[ok].astype("int64"), "bytes": b[ok].astype("int64"), "duration_ms": d[ok].astype(float)})
    out = out.reset_index(drop=True)
    return out, len(raw) - len(out)


def read_logs(path):
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except:
        raw = pd.DataFrame({c: pd.Series(dtype="str") for c in cols})
    return clean_logs(raw)


def requests_per_hour(logs):
    h = logs["timestamp"].dt.floor("h").value_counts()
    return fill_hours(h)


def fill_hours(h):
    h = h.groupby(level=0).sum()
    if len(h) == 0:
        return pd.DataFrame({"hour": pd.Series(dtype="datetime64[ns, UTC]"), "requests": pd.Series(dtype="int64")})
    rng = pd.date_range(h.index.min(), h.index.max(), freq="h")
    h = h.reindex(rng, fill_value=0)
    return pd.DataFrame({"hour": rng, "requests": h.values.astype("int64")})


def traffic_by_path(logs):
    t = pd.DataFrame({"path": logs["path"], "requests": 1, "bytes": logs["bytes"]})
    t["client_errors"] = ((logs["status"] >= 400) & (logs["status"] < 500)).astype("int64")
    t["server_errors"] = ((logs["status"] >= 500) & (logs["status"] < 600)).astype("int64")
    t = t.groupby("path", as_index=False).sum()
    t = t.astype({"requests": "int64", "bytes": "int64", "client_errors": "int64", "server_errors": "int64"})
    return t.sort_values("path").reset_index(drop=True)


def top_paths(logs, n=10, by="requests"):
    if by != "requests" and by != "bytes":
        raise ValueError("bad by")
    if n < 1:
        raise ValueError("bad n")
    t = traffic_by_path(logs)[["path", "requests", "bytes"]]
    return t.sort_values([by, "path"], ascending=[False, True]).head(n).reset_index(drop=True)


def error_rates(logs):
    t = traffic_by_path(logs).drop(columns="bytes")
    t["error_rate"] = (t["client_errors"] + t["server_errors"]) / t["requests"]
    t["error_rate"] = t["error_rate"].astype(float)
    return t.sort_values(["error_rate", "path"], ascending=[False, True]).reset_index(drop=True)


def latency_by_path(logs):
    g = logs.groupby("path")["duration_ms"]
    res = pd.DataFrame({"p50_ms": g.quantile(0.5), "p95_ms": g.quantile(0.95)}).astype(float)
    res = res.reset_index()
    res["path"] = res["path"].astype(str)
    return res


def to_records(df):
    recs = []
    for r in df.to_dict("records"):
        d = {}
        for k in r:
            v = r[k]
            if type(v) == pd.Timestamp:
                v = v.strftime("%Y-%m-%dT%H:%M:%SZ")
            elif isinstance(v, np.integer):
                v = int(v)
            elif isinstance(v, np.floating):
                v = float(v)
            d[k] = v
        recs.append(d)
    return recs


def summarize(logs, dropped, top_n=5):
    s = {}
    s["rows"] = int(len(logs))
    s["dropped"] = int(dropped)
    if len(logs) == 0:
        s["first_request"] = None
        s["last_request"] = None
    else:
        s["first_request"] = logs["timestamp"].min().strftime("%Y-%m-%dT%H:%M:%SZ")
        s["last_request"] = logs["timestamp"].max().strftime("%Y-%m-%dT%H:%M:%SZ")
    s["requests_per_hour"] = to_records(requests_per_hour(logs))
    s["top_paths_by_requests"] = to_records(top_paths(logs, top_n, "requests"))
    s["top_paths_by_bytes"] = to_records(top_paths(logs, top_n, "bytes"))
    s["error_rates"] = to_records(error_rates(logs))
    s["latency"] = to_records(latency_by_path(logs))
    return s


def write_outputs(logs, summary, out_dir):
    out_dir = Path(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    f = open(out_dir / "summary.json", "w")
    json.dump(summary, f)
    f.close()
    logs.to_parquet(out_dir / "clean.parquet", index=False)
    return out_dir / "summary.json", out_dir / "clean.parquet"


def scan_file(path, chunksize=10000):
    if chunksize < 1:
        raise ValueError("chunksize")
    parts = []
    dropped = 0
    try:
        for chunk in pd.read_csv(path, dtype=str, keep_default_na=False, chunksize=chunksize):
            l, bad = clean_logs(chunk)
            parts.append(l)
            dropped = dropped + bad
    except pd.errors.EmptyDataError:
        pass
    if len(parts) == 0:
        logs = clean_logs(pd.DataFrame({c: pd.Series(dtype="str") for c in cols}))[0]
    else:
        logs = pd.concat(parts, ignore_index=True)
    return traffic_by_path(logs), requests_per_hour(logs), dropped
