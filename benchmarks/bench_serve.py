"""geo serve under load, against the server a GIS team would write (geopandas.sjoin per request).

Both servers run on this machine (loopback only) as uvicorn processes with FastAPI and the
same number of workers; the load comes from ``wrk`` (Debian package; a C load generator that
leaves the cores to the servers) when installed, else from Python client processes, over
keep-alive connections: lookups for random points in Linköping (and, for ours, text addresses
from a SYNTHETIC register). Each run is bounded in time. Prints ``lookups_per_s``, ``p99_ms``,
``ratio_vs_sjoin_server``, ``ratio_address_vs_coordinates``, the same for ``geo serve --gtfs``
on a SYNTHETIC Linköping feed (``lookups_per_s_transit``, ``p99_ms_transit``, its start-up
time) and ``ratio_vs_cli`` (100 000 addresses through ``POST /api/assign`` against ``geo
assign`` on the same file) lines.

    apt-get install wrk        # optional
    python benchmarks/bench_serve.py --seconds 10 --connections 16 --workers 2
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.parse
from pathlib import Path

import numpy as np

BASELINE = textwrap.dedent(
    """
    # The baseline: a minimal lookup server calling geopandas.sjoin on every request.
    import geopandas as gpd, numpy as np, shapely
    from fastapi import FastAPI
    from geo.study import load_study

    study = load_study()
    areas = study.areas[["area", "geometry"]]
    bases = study.bases
    app = FastAPI()

    @app.get("/api/lookup")
    def lookup(lat: float, lon: float):
        pt = gpd.GeoDataFrame(geometry=[shapely.Point(lon, lat)], crs=4326).to_crs(3006)
        hit = gpd.sjoin(pt, areas, predicate="within", how="left")
        area = hit["area"].iloc[0]
        d = bases.geometry.distance(pt.geometry.iloc[0])
        own = bases.loc[bases["area"] == area]
        return {"area": None if area != area else area,
                "base": None if own.empty else own["base_name"].iloc[0],
                "distance_m": None if own.empty else float(d[own.index[0]]),
                "distances_m": dict(zip(bases["base_id"], map(float, d)))}
    """
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(port: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def _client(port: int, paths: list[str], seconds: float, threads: int, out: mp.Queue) -> None:
    import threading

    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def work(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        i = k
        while time.monotonic() < stop:
            path = paths[i % len(paths)]
            i += threads
            t0 = time.perf_counter()
            conn.request("GET", path)
            r = conn.getresponse()
            r.read()
            mine.append(time.perf_counter() - t0)
            if r.status != 200:
                with lock:
                    errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    ts = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    out.put((latencies, errors[0]))


def _load_python(port: int, paths: list[str], args: argparse.Namespace) -> tuple[float, float, int]:
    clients = 2
    threads = max(1, args.connections // clients)
    q: mp.Queue = mp.Queue()
    procs = [
        mp.Process(target=_client, args=(port, paths[c::clients], args.seconds, threads, q))
        for c in range(clients)
    ]
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    results = [q.get(timeout=args.seconds + 120) for _ in procs]
    for p in procs:
        p.join()
    wall = time.perf_counter() - t0
    lat = np.concatenate([np.asarray(r[0]) for r in results])
    errors = sum(r[1] for r in results)
    return lat.size / min(wall, args.seconds), float(np.percentile(lat, 99) * 1000), errors


def _load_wrk(
    port: int, paths: list[str], args: argparse.Namespace, tmp: Path
) -> tuple[float, float, int]:
    script = tmp / f"paths_{port}.lua"
    quoted = ",\n".join(json.dumps(p) for p in paths)
    script.write_text(
        f"paths = {{\n{quoted}\n}}\ncounter = 0\n"
        "request = function()\n  counter = counter + 1\n"
        "  return wrk.format(nil, paths[(counter % #paths) + 1])\nend\n"
    )
    run = subprocess.run(
        ["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds:g}s", "--latency", "-s",
         str(script), f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, timeout=args.seconds + 60,
    )  # fmt: skip
    out = run.stdout
    rate = float(out.split("Requests/sec:")[1].split()[0])
    p99 = out.split(" 99%")[1].split()[0]
    p99_ms = float(p99[:-2]) if p99.endswith("ms") else float(p99[:-1]) * 1000
    errors = int(out.split("Non-2xx or 3xx responses:")[1].split()[0]) if "Non-2xx" in out else 0
    return rate, p99_ms, errors


def _load(
    port: int, paths: list[str], args: argparse.Namespace, tmp: Path
) -> tuple[float, float, int]:
    if shutil.which("wrk"):
        return _load_wrk(port, paths, args, tmp)
    return _load_python(port, paths, args)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=10.0, help="load per run (bounded)")
    ap.add_argument("--connections", type=int, default=16, help="concurrent connections")
    ap.add_argument("--workers", type=int, default=2, help="server worker processes (each)")
    ap.add_argument("--batch", type=int, default=100_000, help="addresses in the POST batch")
    ap.add_argument("--warmup", type=float, default=3.0, help="unmeasured load first (s)")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench_serve_"))
    from geo.synthetic import synthetic_addresses, synthetic_register

    pts = synthetic_addresses(5000, seed=4)
    coord_paths = [
        f"/api/lookup?lat={a:.6f}&lon={o:.6f}" for a, o in zip(pts.lat, pts.lon, strict=True)
    ]
    register = synthetic_register(20_000, seed=5)
    register.to_csv(tmp / "register.csv", index=False)
    address_paths = [
        "/api/lookup?" + urllib.parse.urlencode({"address": a}) for a in register["address"][:5000]
    ]
    (tmp / "baseline.py").write_text(BASELINE)
    from geo.study import load_study
    from geo.synthetic import synthetic_feed

    feed = synthetic_feed(load_study(), tmp / "synthetic_gtfs.zip")

    servers = {}
    port = _free_port()
    servers["ours"] = (port, subprocess.Popen(
        [sys.executable, "-m", "geo.cli", "serve", "--port", str(port), "-q",
         "--register", str(tmp / "register.csv"), "--workers", str(args.workers)],
        stderr=subprocess.DEVNULL,
    ))  # fmt: skip
    port = _free_port()
    t_start = time.perf_counter()
    servers["transit"] = (port, subprocess.Popen(
        [sys.executable, "-m", "geo.cli", "serve", "--port", str(port), "-q",
         "--gtfs", str(feed), "--workers", str(args.workers)],
        stderr=subprocess.DEVNULL,
    ))  # fmt: skip
    _wait(port, servers["transit"][1])
    print(f"start-up geo serve --gtfs (SYNTHETIC feed, profiles to every base): "
          f"{time.perf_counter() - t_start:.1f} s")  # fmt: skip
    port = _free_port()
    servers["sjoin"] = (port, subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "baseline:app", "--port", str(port),
         "--no-access-log", "--log-level", "warning", "--workers", str(args.workers)],
        cwd=tmp, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(tmp)},
    ))  # fmt: skip
    try:
        for port, proc in servers.values():
            _wait(port, proc)
        # both answer the same area for the same point
        for name, (port, _) in servers.items():
            conn = http.client.HTTPConnection("127.0.0.1", port)
            conn.request("GET", coord_paths[0])
            print(f"{name}: {json.loads(conn.getresponse().read())['area']}")
        rates = {}
        for name, paths in (("ours", coord_paths), ("sjoin", coord_paths),
                            ("ours_address", address_paths), ("transit", coord_paths)):  # fmt: skip
            port = servers[name.split("_")[0]][0]
            if args.warmup > 0:  # first requests pay for imports and caches: not measured
                _load(
                    port, paths, argparse.Namespace(**{**vars(args), "seconds": args.warmup}), tmp
                )
            rate, p99, errors = _load(port, paths, args, tmp)
            rates[name] = rate
            tool = "wrk" if shutil.which("wrk") else "python clients"
            print(f"== {name}: {args.connections} connections ({tool}), {args.workers} workers, "
                  f"{args.seconds:g} s")  # fmt: skip
            print(f"lookups_per_s_{name} {rate:.0f}")
            print(f"p99_ms_{name} {p99:.1f}")
            print(f"errors_{name} {errors}")
        print(f"ratio_vs_sjoin_server {rates['ours'] / rates['sjoin']:.1f}")
        print(f"ratio_address_vs_coordinates {rates['ours_address'] / rates['ours']:.2f}")
        # a batch through POST /api/assign against geo assign on the same file
        batch = synthetic_addresses(args.batch, seed=6)
        batch.to_csv(tmp / "batch.csv", index=False)
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "geo.cli", "assign", str(tmp / "batch.csv"), "-o",
             str(tmp / "cli.csv"), "-q", "--no-progress"],
            check=True,
        )  # fmt: skip
        cli_s = time.perf_counter() - t0
        body = (tmp / "batch.csv").read_bytes()
        conn = http.client.HTTPConnection("127.0.0.1", servers["ours"][0], timeout=600)
        t0 = time.perf_counter()
        conn.request("POST", "/api/assign", body=body, headers={"Content-Type": "text/csv"})
        response = conn.getresponse()
        served = response.read()
        post_s = time.perf_counter() - t0
        assert response.status == 200 and len(served) > len(body)
        print(f"== POST /api/assign {args.batch:,} SYNTHETIC addresses: {post_s:.1f} s; "
              f"geo assign (command, same file): {cli_s:.1f} s")  # fmt: skip
        print(f"ratio_vs_cli {post_s / cli_s:.2f}")
    finally:
        for _, proc in servers.values():
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
