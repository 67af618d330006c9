"""Feeds over real HTTP: every feed parses, validators work, the server follows the plan file."""

from __future__ import annotations

import gzip
import json
import re
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import icalendar

from plancal.calendars.feeds import feeds_for
from plancal.rules.plan import load
from tests.helpers.ical import recurrence_id, value
from tests.helpers.web import Server, plancal


def events(body: bytes) -> dict[tuple[str, str], icalendar.Component]:
    cal = icalendar.Calendar.from_ical(body)
    return {(str(e["UID"]), recurrence_id(e)): e for e in cal.walk("VEVENT")}


def test_every_feed_is_served_and_is_what_compile_writes(server: Server, tmp_path: Path) -> None:
    feeds = feeds_for(load(server.plan))
    private = [f.slug for f in feeds if not f.public]
    _, _, paths = server.create_token(*private)
    served = {"public": server.get("/public.ics")}
    for slug, path in zip(private, paths, strict=True):
        assert path.endswith(f"/{slug}.ics")
        served[slug] = server.get(path)
    # compile with the same store: SEQUENCE and DTSTAMP from the same rows, so the same bytes
    out = tmp_path / "compiled"
    run = server.cli("compile", str(server.plan), "--out", str(out))
    assert run.returncode == 0, run.stderr
    for slug, response in served.items():
        assert response.status == 200, slug
        assert response.header("content-type") == "text/calendar; charset=utf-8"
        assert response.body == (out / f"{slug}.ics").read_bytes(), slug
        cal = icalendar.Calendar.from_ical(response.body)
        assert len(cal.walk("VEVENT")) == response.body.count(b"BEGIN:VEVENT"), slug
        assert response.header("content-length") == str(len(response.body))
    manifest = json.loads((out / "feeds.json").read_text())
    assert {f["slug"] for f in manifest["feeds"]} == set(served)
    assert len(events(served["plan"].body)) > len(events(served["public"].body)) > 0


def test_conditional_requests_head_and_gzip(server: Server) -> None:
    full = server.get("/public.ics")
    etag, modified = full.header("etag"), full.header("last-modified")
    assert etag and re.fullmatch(r'"[0-9a-f]{32}"', etag)  # strong
    assert modified and full.header("cache-control") == "public, max-age=300"

    again = server.get("/public.ics", {"If-None-Match": etag})
    assert (again.status, again.body, again.header("etag")) == (304, b"", etag)
    assert server.get("/public.ics", {"If-None-Match": f'"other", W/{etag}'}).status == 304
    assert server.get("/public.ics", {"If-None-Match": "*"}).status == 304
    assert server.get("/public.ics", {"If-None-Match": '"stale"'}).status == 200
    assert server.get("/public.ics", {"If-Modified-Since": modified}).status == 304
    earlier = format_datetime(parsedate_to_datetime(modified).replace(year=2000), usegmt=True)
    assert server.get("/public.ics", {"If-Modified-Since": earlier}).status == 200
    assert server.get("/public.ics", {"If-Modified-Since": "not a date"}).status == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2)
    assert (
        server.get(
            "/public.ics", {"If-None-Match": '"stale"', "If-Modified-Since": modified}
        ).status
        == 200
    )

    head = server.get("/public.ics", method="HEAD")
    assert head.status == 200 and head.body == b""
    assert {k: v for k, v in head.headers.items() if k != "date"} == {
        k: v for k, v in full.headers.items() if k != "date"
    }

    packed = server.get("/public.ics", {"Accept-Encoding": "br, gzip;q=0.8"})
    assert packed.header("content-encoding") == "gzip"
    assert packed.header("vary") == "accept-encoding"
    assert gzip.decompress(packed.body) == full.body and len(packed.body) < len(full.body)
    gz_etag = packed.header("etag")
    assert gz_etag and gz_etag != etag  # another representation, another strong tag
    assert (
        server.get("/public.ics", {"Accept-Encoding": "gzip", "If-None-Match": gz_etag}).status
        == 304
    )
    refused = server.get("/public.ics", {"Accept-Encoding": "gzip;q=0, identity"})
    assert refused.header("content-encoding") is None and refused.body == full.body


def test_private_feeds_are_private_to_caches(server: Server) -> None:
    _, _, paths = server.create_token("role-kommunpolis")
    r = server.get(paths[0])
    assert r.status == 200 and r.header("cache-control") == "private, max-age=300"
    assert r.header("referrer-policy") == "no-referrer"
    assert server.get(paths[0], {"If-None-Match": r.header("etag") or ""}).status == 304


def test_a_changed_plan_file_changes_etag_and_content_without_restart(server: Server) -> None:
    before = server.get("/public.ics")
    old_etag = before.header("etag")
    assert b"Medborgardialog i centrum" not in before.body
    text = server.plan.read_text(encoding="utf-8")
    server.plan.write_text(
        text.replace("title: Medborgardialog", "title: Medborgardialog i centrum"), encoding="utf-8"
    )
    server.wait_for(
        lambda: server.get("/public.ics").header("etag") != old_etag, "picked up the changed plan"
    )
    after = server.get("/public.ics")
    assert b"SUMMARY:Medborgardialog i centrum" in after.body
    assert server.get("/public.ics", {"If-None-Match": old_etag or ""}).status == 200
    old = events(before.body)
    new = events(after.body)
    changed = [k for k in new if "medborgardialoger" in k[0]]
    assert changed and all(
        value(new[k], "SEQUENCE", int) == value(old[k], "SEQUENCE", int) + 1 for k in changed
    )
    assert parsedate_to_datetime(after.header("last-modified") or "") >= parsedate_to_datetime(
        before.header("last-modified") or ""
    )
    page = server.get("/")
    assert "Medborgardialog i centrum" in page.body.decode()


def test_a_broken_plan_keeps_the_last_good_version_online(server: Server) -> None:
    good = server.get("/public.ics")
    text = server.plan.read_text(encoding="utf-8")
    server.plan.write_text(
        text.replace("when: Minst 3 ggr/år", "when: Minst 3 ggr/månadsskifte", 1), encoding="utf-8"
    )
    server.wait_for(
        lambda: "still serving the last good version" in server.log(), "reported the broken plan"
    )
    assert "Traceback" not in server.log()
    assert server.get("/public.ics").body == good.body
    server.plan.write_text(
        text.replace("title: Medborgardialog", "title: Dialog"), encoding="utf-8"
    )
    server.wait_for(
        lambda: b"SUMMARY:Dialog" in server.get("/public.ics").body, "served the repaired plan"
    )


def test_revoked_token_gets_the_same_404_as_a_missing_feed(server: Server) -> None:
    token_id, token, paths = server.create_token("deadlines", "role-kommunpolis")
    assert all(server.get(p).status == 200 for p in paths)
    listed = server.cli("token", "list", str(server.plan), "--lang", "en")
    assert token_id in listed.stdout and "active" in listed.stdout
    assert token not in listed.stdout
    run = server.cli("token", "revoke", str(server.plan), token_id, "--lang", "en")
    assert run.returncode == 0, run.stderr
    server.wait_for(lambda: server.get(paths[0]).status == 404, "honoured the revocation")
    gone = server.get(paths[1])
    missing = server.get("/no-such-feed.ics")
    assert (
        (gone.status, gone.body)
        == (missing.status, missing.body)
        == (404, b"Not found. Hittades inte.\n")
    )
    assert {k: v for k, v in gone.headers.items() if k != "date"} == {
        k: v for k, v in missing.headers.items() if k != "date"
    }
    assert "revoked" in server.cli("token", "list", str(server.plan), "--lang", "en").stdout


def test_access_log_names_client_and_agent_but_never_a_token(server: Server) -> None:
    token_id, token, paths = server.create_token("deadlines")
    server.get(paths[0], {"User-Agent": "Microsoft Outlook 16.0"})
    server.get(f"/t/{token}/plan.ics", {"User-Agent": "Google-Calendar-Importer"})
    server.get(f"/t/{token}x/deadlines.ics", {"User-Agent": 'evil"agent\tx'})
    server.wait_for(lambda: "evil" in server.log(), "wrote the access log")
    log = server.log()
    assert f'127.0.0.1 "GET /t/[{token_id}]/deadlines.ics" 200' in log
    assert '"Microsoft Outlook 16.0"' in log and "Google-Calendar-Importer" in log
    assert token not in log
    assert "evil\\x22agent\\x09x" in log  # what the client sent cannot end the quoted field


def test_token_commands_explain_their_errors(server: Server) -> None:
    run = server.cli("token", "create", str(server.plan), "--feed", "nope", "--lang", "en")
    assert run.returncode == 1 and "not a private feed of this plan: nope" in run.stderr
    assert "role-kommunpolis" in run.stderr and "Traceback" not in run.stderr
    run = server.cli("token", "create", str(server.plan), "--feed", "public", "--lang", "sv")
    assert run.returncode == 1 and "behöver ingen token" in run.stderr
    run = server.cli("token", "revoke", str(server.plan), "0000000000", "--lang", "en")
    assert run.returncode == 1 and "no token '0000000000'" in run.stderr
    env = {k: v for k, v in server.env.items() if k != "PLANCAL_SERVER_TOKEN_KEY"}
    run = plancal(
        "token", "create", str(server.plan), "--feed", "deadlines", "--db", server.db, env=env
    )
    assert run.returncode == 1 and "PLANCAL_SERVER_TOKEN_KEY" in run.stderr
    assert "Traceback" not in run.stderr
