"""A folder of plans served as a region: the app and its reloader in-process, under a real
uvicorn on loopback, on SQLite and on PostgreSQL (the ``store`` fixture).

Every plan under ``/<plan-id>/``, the index at ``/``; files added, changed, removed and broken
are followed without a restart; tokens across plans and a person's feed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import recurring_ical_events
from icalendar import Calendar

from plancal.state import tokens
from plancal.state.store import Store
from plancal.web.resources import Resource
from plancal.web.serve import Options, Reloader
from plancal.web.server import AccessLog, FeedServer, Site
from tests.helpers.ical import icaljs, libical, recurrence_id, validate
from tests.helpers.region import municipality, write_region
from tests.helpers.web import KEY, Response, fetch
from tests.web.test_app import Clock, serving

P0, P1, P2 = (municipality(i)[0] for i in range(3))
OFFICER = "kommunpolis.omr00@polisen.example"  # the community police officer of plans 0–10
PRIVATE = ("plan", "deadlines", "role-kommunpolis", "role-drogsamordnare")


@dataclass
class Region:
    folder: Path
    app: FeedServer
    reloader: Reloader
    store: Store
    port: int
    lines: list[str]

    def get(self, path: str) -> Response:
        return fetch(self.port, path)

    def step(self) -> None:
        self.reloader.step()


@pytest.fixture
def region(tmp_path: Path, store: Store) -> Iterator[Region]:
    folder = tmp_path / "plans"
    write_region(folder, 3)
    lines: list[str] = []
    app = FeedServer(Site({}, {}), log=AccessLog(lines.append, batch=1))
    clock = Clock(datetime(2023, 3, 1, 9, 0, tzinfo=UTC))
    reloader = Reloader(app, folder, store, Options(base_url="https://k.example/"), 0, clock)
    reloader.load()
    reloader.refresh_tokens()
    with serving(app) as port:
        yield Region(folder, app, reloader, store, port, lines)


def links(page: bytes) -> list[str]:
    return re.findall(r'<li><a href="([^"]+)"', page.decode("utf-8"))


def test_every_plan_is_served_under_its_id_and_the_index_links_each(region: Region) -> None:
    index = region.get("/")
    assert index.status == 200 and index.header("content-language") == "sv"
    assert links(index.body) == [f"{p}/" for p in (P0, P1, P2)]
    assert b"Kommun 000" in index.body and b"3 planer." in index.body
    english = region.get("/en/")
    assert links(english.body) == [f"../{p}/en/" for p in (P0, P1, P2)]
    assert english.header("content-language") == "en" and b'lang="en"' in english.body
    for plan_id in (P0, P1, P2):
        page = region.get(f"/{plan_id}/")
        assert page.status == 200 and page.header("content-language") == "sv"
        # the page's subscribe link is where the region serves the plan's public feed
        assert f"https://k.example/{plan_id}/public.ics".encode() in page.body
        assert region.get(f"/{plan_id}/en/").status == 200
        feed = region.get(f"/{plan_id}/public.ics")
        assert feed.status == 200 and feed.header("content-type") == "text/calendar; charset=utf-8"
        assert f"@{plan_id}.plancal".encode() in feed.body.replace(b"\r\n ", b"")
    # without the slash, the relative links would lead astray: a redirect adds it
    bare = region.get(f"/{P0}")
    assert (bare.status, bare.header("location")) == (301, f"{P0}/")
    assert region.get(f"/{P0}/en").header("location") == "en/"
    # the URLs of a plan served alone are not the region's
    assert region.get("/public.ics").status == 404
    assert region.get(f"/{P0}/t/{'x' * tokens.TOKEN_LENGTH}/plan.ics").status == 404


def test_a_file_added_changed_or_removed_is_followed_without_a_restart(region: Region) -> None:
    before = {p: region.get(f"/{p}/public.ics") for p in (P0, P1, P2)}
    p3 = municipality(3)[0]
    write_region(region.folder, 1, start=3)
    changed = region.folder / f"{P1}.yaml"
    changed.write_text(
        changed.read_text(encoding="utf-8").replace("title: Medborgardialog", "title: Dialog"),
        encoding="utf-8",
    )
    (region.folder / f"{P2}.yaml").unlink()
    region.step()
    assert region.get(f"/{p3}/public.ics").status == 200
    assert links(region.get("/").body) == [f"{p}/" for p in (P0, P1, p3)]
    assert region.get(f"/{P2}/public.ics").status == 404 and region.get(f"/{P2}/").status == 404
    after = region.get(f"/{P1}/public.ics")
    assert after.body != before[P1].body and b"SUMMARY:Dialog" in after.body
    same = region.get(f"/{P0}/public.ics")  # the others are untouched
    assert (same.body, same.header("etag"), same.header("last-modified")) == (
        before[P0].body,
        before[P0].header("etag"),
        before[P0].header("last-modified"),
    )


def test_a_broken_plan_keeps_its_last_good_version_and_is_reported(
    region: Region, caplog: pytest.LogCaptureFixture
) -> None:
    good = region.get(f"/{P1}/public.ics")
    other = region.get(f"/{P2}/public.ics")
    broken = region.folder / f"{P1}.yaml"
    broken.write_text(
        broken.read_text(encoding="utf-8").replace(
            "organizer: kommunpolis", "organizer: nobody", 1
        ),
        encoding="utf-8",
    )
    with caplog.at_level(logging.WARNING, logger="plancal.serve"):
        region.step()
        region.step()  # reported once per change of the file, not every interval
    reports = [r for r in caplog.records if f"{P1}.yaml has problems" in r.getMessage()]
    assert len(reports) == 1 and "still serving the last good version" in reports[0].getMessage()
    assert "nobody" in reports[0].getMessage()
    kept = region.get(f"/{P1}/public.ics")
    assert (kept.status, kept.body, kept.header("etag")) == (200, good.body, good.header("etag"))
    assert region.get(f"/{P2}/public.ics").body == other.body
    status = region.get("/status.txt")
    assert status.status == 200 and status.body.decode().splitlines()[0] == "plans served: 3"
    assert f"broken: {P1}.yaml: 1 problem(s) (line " in status.body.decode()
    assert "serving its last good version" in status.body.decode()
    assert b"nobody" not in status.body  # the plan's contents stay in the operator's log
    broken.write_text(
        broken.read_text(encoding="utf-8")
        .replace("organizer: nobody", "organizer: kommunpolis")
        .replace("title: Medborgardialog", "title: Dialog"),
        encoding="utf-8",
    )
    region.step()
    assert b"SUMMARY:Dialog" in region.get(f"/{P1}/public.ics").body
    assert b"broken" not in region.get("/status.txt").body


def test_a_new_broken_file_is_not_served_and_the_others_go_on(region: Region) -> None:
    (region.folder / "kommun009-2022-2023.yaml").write_text("id: [\n", encoding="utf-8")
    region.step()
    assert links(region.get("/").body) == [f"{p}/" for p in (P0, P1, P2)]
    assert (
        "broken: kommun009-2022-2023.yaml: 1 problem(s)" in region.get("/status.txt").body.decode()
    )
    assert "not served" in region.get("/status.txt").body.decode()


def test_a_token_opens_the_feeds_of_several_plans_it_names_and_no_other(region: Region) -> None:
    private = {p: PRIVATE for p in (P0, P1, P2)}
    token, info = tokens.create_region(
        region.store,
        KEY,
        [(P0, "role-kommunpolis"), (P1, "deadlines")],
        None,
        private,
        (),
        "Anna",
        datetime(2023, 3, 1, tzinfo=UTC),
    )
    alone, _ = tokens.create(
        region.store, KEY, P2, ["plan"], PRIVATE, "", datetime(2023, 3, 1, tzinfo=UTC)
    )
    region.step()
    opened = region.get(f"/{P0}/t/{token}/role-kommunpolis.ics")
    assert opened.status == 200 and opened.header("cache-control") == "private, max-age=300"
    assert region.get(f"/{P1}/t/{token}/deadlines.ics").status == 200
    assert region.get(f"/{P0}/t/{token}/wheel.svg").status == 200  # the plans it opens
    for path in (
        f"/{P0}/t/{token}/deadlines.ics",
        f"/{P2}/t/{token}/role-kommunpolis.ics",
        f"/{P2}/t/{token}/wheel.svg",
        f"/t/{token}/role-kommunpolis.ics",
        f"/t/{token}/person.ics",  # not a person's token
    ):
        assert region.get(path).status == 404, path
    # a token of one plan opens its feeds under that plan's folder
    assert region.get(f"/{P2}/t/{alone}/plan.ics").status == 200
    assert region.get(f"/t/{alone}/plan.ics").status == 404
    assert region.get(f"/{P1}/t/{alone}/plan.ics").status == 404
    assert any(f'"GET /{P0}/t/[{info.id}]/role-kommunpolis.ics" 200' in x for x in region.lines)
    assert not any(token in x or alone in x for x in region.lines)


def vevents(data: bytes) -> list[tuple[str, str, bytes]]:
    cal = Calendar.from_ical(data)
    return sorted((str(e["UID"]), recurrence_id(e), e.to_ical()) for e in cal.walk("VEVENT"))


def test_a_persons_feed_holds_what_they_attend_in_every_plan_with_the_plans_identities(
    region: Region, tmp_path: Path
) -> None:
    token, _ = tokens.create_region(
        region.store, KEY, [], OFFICER, {}, {OFFICER}, "", datetime(2023, 3, 1, tzinfo=UTC)
    )
    region.step()
    person = region.get(f"/t/{token}/person.ics")
    assert person.status == 200 and person.header("x-robots-tag") == "noindex"
    validate(person.body)
    roles = [region.get(f"/{p}/t/{token}/role-kommunpolis.ics") for p in (P0, P1, P2)]
    assert [r.status for r in roles] == [200, 200, 200]
    assert region.get(f"/{P0}/t/{token}/plan.ics").status == 404  # only the person's own feeds
    # the same VEVENTs, byte for byte (UID, SEQUENCE, DTSTAMP): no new identities
    expected = sorted(e for r in roles for e in vevents(r.body))
    assert vevents(person.body) == expected and len(expected) > 30
    assert len({(uid, rid) for uid, rid, _ in expected}) == len(expected)
    cal = Calendar.from_ical(person.body)
    assert [str(z["TZID"]) for z in cal.walk("VTIMEZONE")] == ["Europe/Stockholm"]
    # what three parsers expand from it is what they expand from the three role feeds
    window = (datetime(2022, 1, 1, tzinfo=UTC), datetime(2024, 6, 1, tzinfo=UTC))
    occurrences = len(recurring_ical_events.of(cal).between(*window))
    assert occurrences == sum(
        len(recurring_ical_events.of(Calendar.from_ical(r.body)).between(*window)) for r in roles
    )
    files = []
    for n, r in enumerate([person, *roles]):
        files.append(tmp_path / f"{n}.ics")
        files[-1].write_bytes(r.body)
    for peer in (icaljs, libical):
        assert sorted(map(tuple, peer(files[:1]))) == sorted(map(tuple, peer(files[1:])))
        assert len(peer(files[:1])) == occurrences


def test_a_person_in_two_roles_of_one_plan_gets_each_meeting_once(region: Region) -> None:
    plan = region.folder / f"{P0}.yaml"
    text = plan.read_text(encoding="utf-8")
    shared = "lpo.omr00@polisen.example"  # the local police area's address, now both roles
    plan.write_text(text.replace(OFFICER, shared), encoding="utf-8")
    token, _ = tokens.create_region(
        region.store, KEY, [], shared, {}, {shared}, "", datetime(2023, 3, 1, tzinfo=UTC)
    )
    region.step()
    person = vevents(region.get(f"/t/{token}/person.ics").body)
    keys = [(uid, rid) for uid, rid, _ in person if uid.endswith(f"@{P0}.plancal")]
    assert len(keys) == len(set(keys))
    both = [region.get(f"/{P0}/t/{token}/role-{r}.ics").body for r in ("kommunpolis", "polisen")]
    assert set(keys) == {(u, r) for b in both for u, r, _ in vevents(b)}


def test_a_revoked_persons_token_closes_every_feed_it_opened(region: Region) -> None:
    token, info = tokens.create_region(
        region.store, KEY, [], OFFICER, {}, {OFFICER}, "", datetime(2023, 3, 1, tzinfo=UTC)
    )
    region.step()
    assert region.get(f"/t/{token}/person.ics").status == 200
    tokens.revoke(region.store, [tokens.REGION], info.id, datetime(2023, 3, 2, tzinfo=UTC))
    region.step()
    assert region.get(f"/t/{token}/person.ics").status == 404
    assert region.get(f"/{P1}/t/{token}/role-kommunpolis.ics").status == 404


def test_a_folder_that_vanishes_for_a_while_takes_no_plan_offline(
    region: Region, caplog: pytest.LogCaptureFixture
) -> None:
    before = region.get(f"/{P0}/public.ics")
    moved = region.folder.with_name("plans.old")
    region.folder.rename(moved)
    with caplog.at_level(logging.WARNING, logger="plancal.serve"):
        region.step()
        region.step()
    assert sum("still serving the last version" in r.getMessage() for r in caplog.records) == 1
    assert region.get(f"/{P0}/public.ics").body == before.body
    assert len(links(region.get("/").body)) == 3
    moved.rename(region.folder)
    region.step()
    assert region.get(f"/{P0}/public.ics").body == before.body


def test_two_hosts_compiling_at_once_on_one_store_build_the_same_site(
    tmp_path: Path, store: Store
) -> None:
    """The race the store settles: both insert the same revisions and versions at once; one
    insert wins, the other reads it back — so both serve the same bytes and validators."""
    from concurrent.futures import ThreadPoolExecutor

    folder = tmp_path / "plans"
    write_region(folder, 4)
    tokens.create_region(
        store, KEY, [], OFFICER, {}, {OFFICER}, "", datetime(2023, 3, 1, tzinfo=UTC)
    )
    apps = [FeedServer(Site({}, {})) for _ in range(2)]
    with Store(store.url) as other:
        clocks = [Clock(datetime(2023, 3, 1, 9, 0, s, tzinfo=UTC)) for s in (0, 7)]
        reloaders = [
            Reloader(app, folder, st, Options(base_url="https://k.example/"), 0, clock)
            for app, st, clock in zip(apps, (store, other), clocks, strict=True)
        ]
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda r: (r.load(), r.refresh_tokens()), reloaders))
    a, b = (app.site for app in apps)

    def seen(site: Site) -> dict[object, tuple[bytes, bytes, bytes]]:
        resources: dict[object, Resource] = {}
        for part in (site.public, site.private, site.people):
            resources.update(part.items())
        return {
            k: (r.identity.body["body"], r.identity.etag, r.last_modified_header)
            for k, r in resources.items()
        }

    assert seen(a) == seen(b) and len(seen(a)) > 4 * 20 and a.people


def test_the_status_speaks_the_servers_language() -> None:
    from plancal.errors import Problem, Where
    from plancal.i18n import Text, msg
    from plancal.web.region import status_text

    problem = Problem(Where("k.yaml", 12), msg(Text("wrong", "fel")))
    sv = status_text({}, {Path("k.yaml"): (problem,)}, "sv").decode()
    assert sv == "planer som serveras: 0\ntrasig: k.yaml: 1 problem (rad 12); serveras inte\n"


def test_a_person_no_plan_names_any_more_keeps_a_valid_empty_feed(region: Region) -> None:
    token, _ = tokens.create_region(
        region.store, KEY, [], OFFICER, {}, {OFFICER}, "", datetime(2023, 3, 1, tzinfo=UTC)
    )
    for plan_id in (P0, P1, P2):
        path = region.folder / f"{plan_id}.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace(OFFICER, "ny@polisen.example"))
    region.step()
    person = region.get(f"/t/{token}/person.ics")
    assert person.status == 200 and b"BEGIN:VEVENT" not in person.body
    validate(person.body)
    assert region.get(f"/{P0}/t/{token}/role-kommunpolis.ics").status == 404


def test_at_start_a_repeated_id_is_served_once_and_reported(
    tmp_path: Path, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "plans"
    write_region(folder, 2)
    (folder / "zz-copy.yaml").write_text((folder / f"{P0}.yaml").read_text(encoding="utf-8"))
    (folder / "broken.yaml").write_text("id: [\n", encoding="utf-8")
    app = FeedServer(Site({}, {}))
    clock = Clock(datetime(2023, 3, 1, 9, 0, tzinfo=UTC))
    reloader = Reloader(app, folder, store, Options(base_url="https://k.example/"), 0, clock)
    with caplog.at_level(logging.WARNING, logger="plancal.serve"):
        reloader.load()
    assert sorted(reloader.plans) == [P0, P1] and reloader.builds == 2
    assert {p.name for p in reloader.broken} == {"zz-copy.yaml", "broken.yaml"}
    assert sum("has problems" in r.getMessage() for r in caplog.records) == 2
    assert app.site.public[f"/{P0}/public.ics".encode()] and app.site.public[b"/"]
    status = app.site.public[b"/status.txt"].identity.body["body"].decode()
    assert "broken: zz-copy.yaml: 1 problem(s)" in status and "not served" in status


def test_a_host_started_while_a_plan_is_broken_serves_its_last_good_version_too(
    region: Region, caplog: pytest.LogCaptureFixture
) -> None:
    """The last good version lives in the store, not in one host's memory: a host that starts
    after the file broke serves what the hosts that ran before it serve."""
    path = region.folder / f"{P1}.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("organizer: kommunpolis", "organizer: x", 1),
        encoding="utf-8",
    )
    region.step()
    app = FeedServer(Site({}, {}))
    clock = Clock(datetime(2023, 3, 1, 9, 0, 30, tzinfo=UTC))
    with Store(region.store.url) as other, caplog.at_level(logging.INFO, logger="plancal.serve"):
        late = Reloader(app, region.folder, other, Options(base_url="https://k.example/"), 0, clock)
        late.load()
        late.refresh_tokens()
    assert f"{P1}.yaml is broken; serving its last good version from the store" in caplog.text
    with serving(app) as port:
        for url in (f"/{P1}/public.ics", f"/{P1}/", "/", "/status.txt", f"/{P0}/public.ics"):
            mine, theirs = fetch(port, url), region.get(url)
            assert (mine.status, mine.body, mine.header("etag"), mine.header("last-modified")) == (
                theirs.status,
                theirs.body,
                theirs.header("etag"),
                theirs.header("last-modified"),
            ), url
    assert "serving its last good version" in region.get("/status.txt").body.decode()
