"""What the old APIs' adapters cost: the same read through API v3 and API v2 against v3.1, over HTTP.

    .venv/bin/python bench/bench_legacy.py [--contacts 50] [--repeat 300]

One `ledgerd serve` worker on a SQLite file in a temp dir (LEDGERD_JOURNAL=off, LEDGERD_ACCESS_LOG=off: the
adapters alone are measured). A GB business with `--contacts` customers made over v3.1, an app with its v3 and v2
credentials (`ledgerd apps create`) and a token of each API (`ledgerd tokens issue --api …`). Then, in turns over
one keep-alive connection, the same list of 20 contacts, each old API's call against the v3.1 call it becomes:

1. v3:       GET /uki/sageone/accounts/v3/contacts?items_per_page=20 (subscription key, X-Site, the v3 token):
             admitted (key, token, business, region) and forwarded in-process to the v3.1 route;
   baseline: GET /v3.1/contacts?items_per_page=20
2. v2:       GET /accounts/v2/contacts?$itemsPerPage=20, signed (X-Signature, a fresh X-Nonce each call; the
             signing is done untimed, before each call): admitted (token, signature, nonce stored), forwarded, and
             the answer put in the SData envelope with integer ids;
   baseline: GET /v3.1/contacts?items_per_page=20&attributes=all&show_legacy_id=true (v2's lists hold whole
             records with their legacy ids: what the adapter asks v3.1 for)

Every answer must be 200 with 20 contacts. Ratio = median seconds of the old API's call / median of its v3.1
baseline's, all four measured over the same minutes (interleaved). No target is set by an issue; ledgerd aims
at <= 1.5 (an adapter should cost less than half of the call it wraps). This is a benchmark, not a test: it
exits 0 once it has run.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import httpx
from common import cli, free_port, interleaved_medians, ledgerd_env, serve_ledgerd, verdict

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from ledgerd.api.legacy import signing

TARGET = 1.5
PER_PAGE = 20


def prepare(env: dict[str, str]) -> dict[str, str]:
    """A user, a GB business, an app with every API's credentials and a token of each API."""
    email = f"bench-{secrets.token_hex(4)}@example.com"
    cli(env, "db", "upgrade")
    cli(env, "users", "create", "--email", email, "--password", "bench-password-1", "--json")
    business = cli(env, "businesses", "create", "--owner", email, "--name", "Bench Ltd", "--country", "GB", "--json")
    app = cli(env, "apps", "create", "--owner", email, "--name", "Bench", "--redirect-uri",
              "http://localhost:8080/callback", "--json")
    tokens = {api: cli(env, "tokens", "issue", "--user", email, "--app", app["client_id"], "--api", api,
                       "--json")["access_token"] for api in ("v3.1", "v3", "v2")}
    return {"business": business["id"], "key": app["subscription_keys"]["primary"],
            "signing_secret": app["v2"]["signing_secret"], **tokens}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        port = free_port()
        env = {**ledgerd_env(f"sqlite:///{Path(scratch) / 'bench.sqlite'}", port), "LEDGERD_JOURNAL": "off",
               "LEDGERD_ACCESS_LOG": "off"}
        found = prepare(env)
        server = serve_ledgerd(env, port, Path(scratch) / "server.log", None)
        base = f"http://127.0.0.1:{port}"
        try:
            with httpx.Client(base_url=base, timeout=30) as http:
                v31 = {"Authorization": f"Bearer {found['v3.1']}"}
                for n in range(args.contacts):
                    made = http.post("/v3.1/contacts", headers=v31, json={"contact": {
                        "name": f"Customer {n}", "reference": f"C{n:05d}", "contact_type_ids": ["CUSTOMER"]}})
                    made.raise_for_status()
                v3 = {"Authorization": f"Bearer {found['v3']}", "X-Site": found["business"],
                      "Ocp-Apim-Subscription-Key": found["key"]}
                v2_query = [("$itemsPerPage", str(PER_PAGE))]
                v2_path = "/accounts/v2/contacts"
                v2_headers: dict[str, str] = {}

                def sign_v2() -> None:  # untimed: a client's own work, before its call
                    nonce = secrets.token_hex(16)
                    key = signing.signing_key(found["signing_secret"], found["v2"])
                    text = signing.base_string("GET", base + v2_path, v2_query, nonce)
                    v2_headers.update({"Authorization": f"Bearer {found['v2']}", "X-Nonce": nonce,
                                       "X-Signature": signing.signature(key, text)})

                def call(path: str, headers: dict[str, str], items: str) -> Callable[[], None]:
                    def run() -> None:
                        answer = http.get(path, headers=headers)
                        if answer.status_code != 200 or len(answer.json()[items]) != PER_PAGE:
                            raise RuntimeError(f"{path}: {answer.status_code} {answer.text[:200]}")
                    return run

                page = f"items_per_page={PER_PAGE}"
                sides = [(lambda: None, call(f"/v3.1/contacts?{page}", v31, "$items")),
                         (lambda: None, call(f"/uki/sageone/accounts/v3/contacts?{page}", v3, "$items")),
                         (lambda: None, call(f"/v3.1/contacts?{page}&attributes=all&show_legacy_id=true", v31,
                                             "$items")),
                         (sign_v2, call(f"{v2_path}?{urlencode(v2_query)}", v2_headers, "$resources"))]
                (links, _), (old3, _), (records, _), (old2, _) = interleaved_medians(sides, args.repeat, warmup=20)
        finally:
            server.stop()
    print(f"GET 20 contacts, median of {args.repeat} each, interleaved, one worker, SQLite")
    for label, seconds, baseline, name in (("v3", old3, links, "v3.1 links"),
                                           ("v2", old2, records, "v3.1 records + legacy ids")):
        ratio = seconds / baseline
        print(f"  {label}: {seconds * 1000:7.2f} ms against {name} {baseline * 1000:7.2f} ms: ratio {ratio:.2f} "
              f"(target <= {TARGET})  {verdict(ratio <= TARGET)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
