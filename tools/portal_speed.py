#!/usr/bin/env python3
"""How fast the portal's pages render for a customer with a long history.

Writes N transactions (default 100,000) for one customer over HTTP, spread over --days days
(default 365) of a test clock, then opens a portal link and times each page (server-side render
plus loopback), printing p50/p90/max in milliseconds.

    CREDITS_API_KEY=sk_test ./credits serve --data /tmp/speed-data --port 8092 \
        --test-clock --test-clock-start $(date -u -d '365 days ago' +%Y-%m-%dT00:00:00Z) &
    CREDITS_API_KEY=sk_test python3 tools/portal_speed.py --url http://localhost:8092
"""
import argparse, concurrent.futures, http.client, json, os, statistics, sys, time, urllib.parse

def request(host, port, method, path, body=None, headers=None):
    c = http.client.HTTPConnection(host, port, timeout=60)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    cookie = r.getheader("Set-Cookie")
    c.close()
    return r.status, data, cookie

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", default="http://localhost:8080")
    p.add_argument("--customer", default="speed_customer")
    p.add_argument("--transactions", type=int, default=100_000)
    p.add_argument("--threads", type=int, default=32)
    p.add_argument("--rounds", type=int, default=20)
    p.add_argument("--days", type=int, default=365, help="0: all now (no test clock)")
    p.add_argument("--measure-only", action="store_true", help="the customer is written already")
    a = p.parse_args()
    key = os.environ["CREDITS_API_KEY"]
    u = urllib.parse.urlparse(a.url)
    auth = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}
    if not a.measure_only:
        seed(a, u, auth)
    measure(a, u, auth)

def seed(a, u, auth):
    status, _, _ = request(u.hostname, u.port, "POST", f"/v1/customers/{a.customer}/grants",
                           json.dumps({"credit_type": "credits", "amount": "100000000.00",
                                       "source": "purchase"}), auth)
    assert status == 201, status
    done = [1]
    started = time.time()
    def spend(i):
        body = json.dumps({"credit_type": "credits", "amount": "0.01",
                           "feature": "chat" if i % 3 else "images"})
        s, d, _ = request(u.hostname, u.port, "POST", f"/v1/customers/{a.customer}/spend", body,
                          dict(auth, **{"Idempotency-Key": f"speed-{a.customer}-{i}"}))
        assert s == 201, (s, d)
    total = a.transactions - 1
    chunks = max(1, a.days)
    written = 0
    with concurrent.futures.ThreadPoolExecutor(a.threads) as pool:
        for day in range(chunks):
            upto = total * (day + 1) // chunks
            list(pool.map(spend, range(written, upto)))
            if written // 10_000 != upto // 10_000:
                print(f"  {upto:,} transactions written ({upto / (time.time() - started):,.0f}/s)",
                      file=sys.stderr, flush=True)
            written = upto
            if a.days:
                s, d, _ = request(u.hostname, u.port, "POST", "/v1/test-clock/advance",
                                  json.dumps({"seconds": 86400}), auth)
                assert s == 200, (s, d)

def measure(a, u, auth):
    s, d, _ = request(u.hostname, u.port, "POST", "/v1/portal-sessions",
                      json.dumps({"customer_id": a.customer}), auth)
    link = urllib.parse.urlparse(json.loads(d)["url"]).path
    s, _, cookie = request(u.hostname, u.port, "GET", link)
    cookie = cookie.split(";", 1)[0]
    print(f"{a.customer}: page render times over {a.rounds} rounds (ms):")
    for page in ["/portal", "/portal/history", "/portal/history?group=none", "/portal/usage",
                 "/portal/usage?days=90", "/portal/grants", "/portal/subscription"]:
        times = []
        for _ in range(a.rounds):
            t0 = time.perf_counter()
            s, _, _ = request(u.hostname, u.port, "GET", page, headers={"Cookie": cookie})
            times.append((time.perf_counter() - t0) * 1000)
            assert s == 200, (page, s)
        times.sort()
        print(f"  {page:32s} p50 {statistics.median(times):6.1f}  p90 "
              f"{times[int(len(times) * 0.9) - 1]:6.1f}  max {times[-1]:6.1f}")

if __name__ == "__main__":
    main()
