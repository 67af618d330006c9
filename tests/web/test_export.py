"""``plancal export``: the same files at the same paths as the server, for any web host."""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from pathlib import Path

from tests.helpers.web import cli_env, plancal, start, stop

BASE = "https://kalender.example/"


def test_export_writes_what_the_server_serves_at_the_same_paths(
    tmp_path: Path, seed_copy: Path
) -> None:
    env = cli_env(tmp_path)
    db = str(tmp_path / "state.sqlite")
    made = plancal(
        "token",
        "create",
        str(seed_copy),
        "--feed",
        "deadlines",
        "--feed",
        "role-kommunpolis",
        "--db",
        db,
        "--base-url",
        BASE,
        "--lang",
        "en",
        env=env,
    )
    assert made.returncode == 0, made.stderr
    urls = [line.strip() for line in made.stdout.splitlines() if line.strip().startswith(BASE)]
    token = urls[0].split("/")[-2]
    out = tmp_path / "site"
    run = plancal(
        "export",
        str(seed_copy),
        "--out",
        str(out),
        "--db",
        db,
        "--base-url",
        BASE,
        "--lang",
        "en",
        env=env,
    )
    assert run.returncode == 0, run.stderr
    assert token not in run.stdout + run.stderr
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert files == sorted(
        [
            "public.ics",
            "index.html",
            "en/index.html",
            "t/index.html",
            f"t/{token}/deadlines.ics",
            f"t/{token}/role-kommunpolis.ics",
            f"t/{token}/wheel.svg",
        ]
    )
    assert (out / "t" / "index.html").read_bytes() == b""  # no directory listing of tokens

    server = start(tmp_path, seed_copy, "--base-url", BASE)
    try:
        for url in [*urls, BASE + f"t/{token}/wheel.svg", BASE + "public.ics", BASE, BASE + "en/"]:
            path = "/" + url[len(BASE) :]
            served = server.get(path)
            rel = url[len(BASE) :] or "index.html"
            rel = rel + "index.html" if rel.endswith("/") else rel
            assert served.status == 200, path
            assert served.body == (out / rel).read_bytes(), rel
            modified = parsedate_to_datetime(served.header("last-modified") or "")
            assert (out / rel).stat().st_mtime == modified.timestamp(), rel
    finally:
        stop(server)

    (out / "t" / "stray").mkdir()
    (out / "t" / "stray" / "plan.ics").write_text("left by an old export")
    token_id = made.stdout.split()[1]
    revoked = plancal("token", "revoke", str(seed_copy), token_id, "--db", db, env=env)
    assert revoked.returncode == 0, revoked.stderr
    again = plancal(
        "export", str(seed_copy), "--out", str(out), "--db", db, "--base-url", BASE, env=env
    )
    assert again.returncode == 0, again.stderr
    assert not (out / "t" / token).exists() and not (out / "t" / "stray").exists()
    assert (out / "public.ics").exists()


def test_export_explains_what_it_needs(tmp_path: Path, seed_copy: Path) -> None:
    env = cli_env(tmp_path)
    db = str(tmp_path / "state.sqlite")
    plain = seed_copy.read_text(encoding="utf-8")
    assert "url:" not in plain.split("activities:")[0]
    run = plancal(
        "export", str(seed_copy), "--out", str(tmp_path / "o"), "--db", db, "--lang", "en", env=env
    )
    assert run.returncode == 2 and "--base-url" in run.stderr and "Traceback" not in run.stderr

    made = plancal("token", "create", str(seed_copy), "--feed", "plan", "--db", db, env=env)
    assert made.returncode == 0, made.stderr
    no_key = {k: v for k, v in env.items() if k != "PLANCAL_SERVER_TOKEN_KEY"}
    run = plancal(
        "export",
        str(seed_copy),
        "--out",
        str(tmp_path / "o"),
        "--db",
        db,
        "--base-url",
        BASE,
        "--lang",
        "en",
        env=no_key,
    )
    assert run.returncode == 1 and "PLANCAL_SERVER_TOKEN_KEY" in run.stderr
    other_key = {**env, "PLANCAL_SERVER_TOKEN_KEY": "another-key-" + "x" * 30}
    run = plancal(
        "export",
        str(seed_copy),
        "--out",
        str(tmp_path / "o"),
        "--db",
        db,
        "--base-url",
        BASE,
        "--lang",
        "sv",
        env=other_key,
    )
    assert run.returncode == 1 and "tokennyckeln är inte den" in run.stderr
    assert not (tmp_path / "o").exists()  # nothing half-written


def test_serve_explains_a_bad_plan_and_a_taken_port(tmp_path: Path, seed_copy: Path) -> None:
    env = cli_env(tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\n", encoding="utf-8")
    run = plancal(
        "serve",
        str(bad),
        "--port",
        "0",
        "--db",
        str(tmp_path / "s.sqlite"),
        "--lang",
        "en",
        env=env,
    )
    assert run.returncode == 1 and "nothing was written" in run.stderr
    assert "Traceback" not in run.stderr
    server = start(tmp_path, seed_copy)
    try:
        run = plancal(
            "serve",
            str(seed_copy),
            "--port",
            str(server.port),
            "--db",
            str(tmp_path / "s.sqlite"),
            "--lang",
            "en",
            env=env,
        )
        assert run.returncode == 1 and "cannot listen on 127.0.0.1" in run.stderr
        assert "Traceback" not in run.stderr
    finally:
        stop(server)


def test_server_commands_stay_light_until_run(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys\nfrom plancal.cli import main\n"
        "for args in (['serve', '--help'], ['token', 'create', '--help'], "
        "['export', '--help']):\n"
        "    try:\n        main(args, standalone_mode=False)\n    except SystemExit:\n"
        "        pass\n"
        "print('HEAVY:' + ','.join(m for m in ('uvicorn', 'sqlalchemy', 'segno', "
        "'plancal.web.server') if m in sys.modules))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env=cli_env(tmp_path),
    )
    assert run.stdout.strip().endswith("HEAVY:"), run.stdout + run.stderr
