"""Several hosts, one store: two ``plancal serve`` processes on one PostgreSQL database, serving
the same 30 plans, answer every URL identically — status, bytes, ETag, Last-Modified — so they
can sit behind one load balancer.

Both start at once, so both compile and stamp the same plans at the same moment (the race the
store's unique keys settle: one insert wins, the other reads it back); then a plan file changes
under both and they converge on the same new bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers.region import municipality, write_region
from tests.helpers.web import Response, Server, cli_env, plancal, start, stop

pytestmark = pytest.mark.postgres

PLANS = 30
BASE = "https://kalender.example/"
OFFICER = "kommunpolis.omr01@polisen.example"  # serves plans 11–21
COORDINATOR = "drogsamordnare.region00@region.example"  # every plan of the 30


@dataclass
class Hosts:
    folder: Path
    a: Server
    b: Server
    urls: list[str]


def create_token(folder: Path, db: str, env: dict[str, str], *args: str) -> list[str]:
    run = plancal("token", "create", str(folder), *args, "--base-url", BASE, "--db", db, env=env)
    assert run.returncode == 0, run.stderr
    return [u.removeprefix(BASE[:-1]) for u in re.findall(r"https://\S+", run.stdout)]


@pytest.fixture(scope="module")
def hosts(tmp_path_factory: pytest.TempPathFactory, pg_url: str) -> Iterator[Hosts]:
    tmp = tmp_path_factory.mktemp("hosts")
    folder = tmp / "plans"
    write_region(folder, PLANS)
    env = cli_env(tmp)
    p = [municipality(i)[0] for i in range(PLANS)]
    urls = ["/", "/index.html", "/en/", "/en/index.html", "/status.txt", "/nope", "/t/x/plan.ics"]
    urls.append(f"/{municipality(0)[0]}")  # a redirect to the same with a slash
    for plan_id in p:
        urls += [f"/{plan_id}{path}" for path in ("/", "/index.html", "/en/", "/public.ics")]
    # a person's token (person.ics and a role feed in each of their plans), a token across
    # plans, a token of one plan; each with the wheels its plans give every token
    tokens = [
        create_token(folder, pg_url, env, "--person", OFFICER),
        create_token(folder, pg_url, env, "--person", COORDINATOR),
        create_token(folder, pg_url, env, "--feed", f"{p[0]}/deadlines", "--feed", f"{p[29]}/plan"),
    ]
    single = plancal("token", "create", str(folder / f"{p[7]}.yaml"), "--feed", "plan",
                     "--db", pg_url, "--base-url", BASE, env=env)  # fmt: skip
    assert single.returncode == 0, single.stderr
    secret = re.findall(r"/t/([^/]+)/plan\.ics", single.stdout)[0]
    tokens.append([f"/{p[7]}/t/{secret}/plan.ics"])
    for paths in tokens:
        urls += paths
        urls += sorted({u.rsplit("/", 1)[0] + "/wheel.svg" for u in paths if u.count("/") == 4})
    assert len(tokens[1]) == 1 + PLANS  # the coordinator's person.ics and 30 role feeds
    args = ("--db", pg_url, "--base-url", BASE)
    for name in ("a", "b"):
        (tmp / name).mkdir()
    with ThreadPoolExecutor(2) as pool:  # both start, compile and stamp at once
        a, b = pool.map(lambda name: start(tmp / name, folder, *args), ("a", "b"))
    try:
        yield Hosts(folder, a, b, urls)
    finally:
        stop(a)
        stop(b)


def answer(r: Response) -> tuple[object, ...]:
    return (r.status, r.body, *(r.header(h) for h in ("etag", "last-modified", "vary", "location")))


@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_two_servers_on_one_store_answer_every_url_identically(hosts: Hosts, encoding: str) -> None:
    headers = {"Accept-Encoding": encoding}
    statuses: dict[int, int] = {}
    for url in hosts.urls:
        first, second = hosts.a.get(url, headers), hosts.b.get(url, headers)
        assert answer(first) == answer(second), url
        statuses[first.status] = statuses.get(first.status, 0) + 1
        if first.status == 200:  # a validator from one host is good at the other
            etag = first.header("etag") or ""
            assert hosts.b.get(url, {**headers, "If-None-Match": etag}).status == 304, url
    assert statuses == {200: len(hosts.urls) - 3, 301: 1, 404: 2}, statuses
    assert len(hosts.urls) > 4 * PLANS + 30


def test_a_changed_plan_file_reaches_both_servers_as_the_same_new_bytes(hosts: Hosts) -> None:
    plan_id = municipality(12)[0]  # one of the officer's plans: their feeds change too
    path = hosts.folder / f"{plan_id}.yaml"
    mine = [u for u in hosts.urls if f"/{plan_id}/" in u or u.endswith("person.ics")]
    before = {u: hosts.a.get(u).body for u in mine}
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "place: Plats meddelas i god tid", "place: Torget"
        ),
        encoding="utf-8",
    )
    public = f"/{plan_id}/public.ics"
    for server in (hosts.a, hosts.b):

        def reloaded(server: Server = server) -> bool:
            return b"LOCATION:Torget" in server.get(public).body

        server.wait_for(reloaded, "reloaded")
    changed = 0
    for url in hosts.urls:
        first, second = hosts.a.get(url), hosts.b.get(url)
        assert answer(first) == answer(second), url
        changed += url in before and first.body != before[url]
    assert changed >= 4  # the public feed, both pages, the officer's feeds
