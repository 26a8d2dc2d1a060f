#!/usr/bin/env python3
"""Hostile input on every command but `run` (tests/attack/run has those): one case per finding of
docs/reliability.md's "Every command", run through the binary.

Every case must end with its documented exit code, under 60 s and 1 GiB, with no raw control,
invisible or bidirectional-control character on the terminal, no byte of a secret it could reach
printed, no input changed and no file written but those the case names.

Usage: tests/attack/commands.py [BINARY]   (default target/debug/finsim). Prints a markdown table;
exits 1 when a case fails.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/debug/finsim"))
SAMPLE = os.path.join(ROOT, "scenarios/advertise-then-transfer.yaml")
SECRET = "FINSIM-ATTACK-SECRET-7f3a"
LIMIT_SECONDS = 60
LIMIT_KIB = 1 << 20

WORK = tempfile.mkdtemp(prefix="finsim-attack-")
OUTSIDE = tempfile.mkdtemp(prefix="finsim-outside-")
failures = []


def path(*parts):
    return os.path.join(WORK, *parts)


def write(name, data, mode="w"):
    full = path(name)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, mode + ("b" if isinstance(data, bytes) else "")) as f:
        f.write(data)
    return full


def sample_with(name, old, new):
    text = open(SAMPLE).read()
    assert old in text, old
    return write(name, text.replace(old, new, 1))


INVISIBLE = {0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800, 0x034F, 0x061C, 0x180E}


def unsafe_characters(text):
    """The characters of `text` that must not reach a terminal raw."""
    found = []
    for c in text:
        o = ord(c)
        if c in "\n":
            continue
        category = unicodedata.category(c)
        if category in ("Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp") or o in INVISIBLE:
            found.append(f"U+{o:04X}")
        elif 0xFE00 <= o <= 0xFE0F or 0xE0000 <= o <= 0xE0FFF or 0x180B <= o <= 0x180F:
            found.append(f"U+{o:04X}")
    return found


def snapshot(paths):
    """Each entry under `paths` (recursively, links not followed) with its size, modification time
    and inode: a file written, replaced or truncated shows as changed."""
    seen = {}
    for top in paths:
        for base, dirs, files in os.walk(top):
            for name in files + dirs:
                full = os.path.join(base, name)
                try:
                    st = os.lstat(full)
                    # A directory changes when a file is made in it: only the file is compared.
                    seen[full] = "directory" if name in dirs and not os.path.islink(full) else \
                        (st.st_size, st.st_mtime_ns, st.st_ino, st.st_mode)
                except OSError:
                    seen[full] = "unreadable"
    return seen


def case(name, expected, args, *, writes=(), stdin=None, env=None, check=None, cwd=None, max_seconds=LIMIT_SECONDS):
    """Runs `finsim ARGS`; `writes` are the paths the command may create or change."""
    cwd = cwd or path("cwd")
    os.makedirs(cwd, exist_ok=True)
    before = snapshot([WORK, OUTSIDE])
    out_path, err_path = path("..stdout"), path("..stderr")
    environment = dict(os.environ, FINSIM_ATTACK_TOKEN=SECRET, **(env or {}))
    rss_path = path("..rss")
    start = time.monotonic()
    # Measured by /usr/bin/time, a small process: a child forked from this one would count this
    # script's memory as its own.
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        process = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rss_path, BIN] + args, stdout=out,
                                   stderr=err, stdin=stdin or subprocess.DEVNULL, cwd=cwd, env=environment,
                                   start_new_session=True)
        timer = threading.Timer(LIMIT_SECONDS * 3, lambda: os.killpg(process.pid, signal.SIGKILL))
        timer.start()
        code = process.wait()
        timer.cancel()
    seconds = time.monotonic() - start
    rss_kib = int((open(rss_path).read().split() or ["0"])[-1])
    os.remove(rss_path)
    stdout = open(out_path, "rb").read()
    stderr = open(err_path, "rb").read()
    os.remove(out_path)
    os.remove(err_path)
    after = snapshot([WORK, OUTSIDE])
    problems = []
    if code != expected:
        problems.append(f"exit {code}, expected {expected}")
    if seconds > max_seconds:
        problems.append(f"{seconds:.0f} s, more than {max_seconds}")
    if rss_kib > LIMIT_KIB:
        problems.append(f"{rss_kib >> 10} MiB")
    terminal = (stdout + stderr).decode("utf-8", "replace")
    if bad := unsafe_characters(terminal):
        problems.append(f"raw {', '.join(sorted(set(bad))[:4])} on the terminal")
    if SECRET in terminal or "root:x:0:0" in terminal or "PRIVATE KEY" in terminal:
        problems.append("a secret reached the terminal")
    allowed = [os.path.abspath(w) for w in writes]
    def may_write(p):
        p = os.path.abspath(p)
        return any(p == w or p.startswith(w + os.sep) for w in allowed)
    changed = sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p) and not may_write(p))
    if changed:
        problems.append("changed " + ", ".join(os.path.relpath(p, WORK) for p in changed[:3]))
    if check and not problems:
        problems += check(code, stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace")) or []
    mark = " **FAIL**: " + "; ".join(problems) if problems else ""
    if problems:
        failures.append(name)
    print(f"| {name} | {code} ({expected}){mark} | {seconds:.1f} | {rss_kib >> 10} MiB |", flush=True)
    return stdout, stderr


def says(*words):
    """A check that stderr or stdout holds each of `words`."""
    def check(_code, stdout, stderr):
        return [f"does not say {w!r}" for w in words if w not in stdout + stderr]
    return check


def lacks(*words):
    def check(_code, stdout, stderr):
        return [f"says {w!r}" for w in words if w in stdout + stderr]
    return check


def both(*checks):
    return lambda *a: [p for c in checks for p in (c(*a) or [])]


def make_pack(name, scenario=SAMPLE, seed=None):
    target = path(name)
    args = ["run", scenario, "--evidence", target] + (["--seed", str(seed)] if seed is not None else [])
    subprocess.run([BIN] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return target


def copy_pack(source, name):
    target = path(name)
    shutil.copytree(source, target, symlinks=True)
    return target


def main():
    print("| case | exit (expected) | seconds | max RSS |")
    print("|---|---|---|---|")
    secret_key = os.path.join(OUTSIDE, "id_ed25519")
    with open(secret_key, "w") as f:
        f.write("-----BEGIN OPENSSH PRIVATE KEY-----\n" + SECRET + "\n-----END OPENSSH PRIVATE KEY-----\n")
    os.mkfifo(path("fifo"))

    # Contents leak.
    suite = path("suite")
    os.makedirs(suite)
    shutil.copy(SAMPLE, os.path.join(suite, "good.yaml"))
    os.symlink("/proc/self/environ", os.path.join(suite, "environ.yaml"))
    os.symlink(secret_key, os.path.join(suite, "key.yaml"))
    os.symlink("good.yaml", os.path.join(suite, "inside-link.yaml"))
    case("test DIR: *.yaml links to /proc/self/environ and a key outside", 2, ["test", suite, "--json"],
         check=says("symbolic link out of the directory", '"passed":2'))
    case("test DIR/environ.yaml named directly", 2, ["test", os.path.join(suite, "environ.yaml")],
         check=says("size the file system gives"))
    case("run /proc/self/environ", 2, ["run", "/proc/self/environ"])
    case("check /proc/self/environ --json", 2, ["check", "/proc/self/environ", "--json"])
    pack = make_pack("pack")
    linked = copy_pack(pack, "pack-linked")
    shutil.rmtree(os.path.join(linked, "ivms"))
    os.symlink("/etc", os.path.join(linked, "ivms"))
    os.symlink("/etc/passwd", os.path.join(linked, "passwd.json"))
    os.symlink("/proc/self/pagemap", os.path.join(linked, "pagemap"))
    case("verify-evidence: links out of the pack (/etc, /etc/passwd, /proc/self/pagemap)", 1,
         ["verify-evidence", linked], check=says("symbolic link (not followed)"))

    # Files chosen by a file.
    for label, name in [("an absolute path", "/tmp/finsim-attack-abs"), ("../../..", "../../../escaped"),
                        ("a name of dots", "..")]:
        scenario = sample_with(f"named-{len(name)}.yaml", "name: advertise-then-transfer", f'name: "{name}"')
        report_dir = path(f"report-cwd-{len(name)}")
        os.makedirs(report_dir)
        confined = "report.html" if name == ".." else name.replace("/", "_").lstrip(".") + ".html"
        case(f"report without -o, name {label}", 0, ["report", scenario], cwd=report_dir,
             writes=[os.path.join(report_dir, confined)],
             check=lambda *_a, d=report_dir, c=confined: [] if os.listdir(d) == [c] else [f"wrote {os.listdir(d)}"])
    shrinkable = sample_with("shrink-me.yaml", "equals: 100 }", "equals: 99 }")
    case("shrink -o onto its own input", 2, ["shrink", shrinkable, "--seed", "42", "-o", shrinkable],
         check=says("would overwrite"))
    os.symlink(shrinkable, path("shrink-link.yaml"))
    case("shrink -o onto its input through a symlink", 2,
         ["shrink", shrinkable, "--seed", "42", "-o", path("shrink-link.yaml")], check=says("would overwrite"))
    this_file = sample_with("THIS_FILE.yaml", "equals: 100 }", "equals: 99 }")
    shrunk = path("this-file.min.yaml")

    def only_the_header_names_the_output(*_a):
        body = [line for line in open(shrunk) if not line.startswith("#")]
        return ["the output path was written into the scenario"] if any(shrunk in line for line in body) else []
    case("shrink of a file named THIS_FILE.yaml writes its path in the comment only", 0,
         ["shrink", this_file, "--seed", "42", "-o", shrunk], writes=[shrunk], check=only_the_header_names_the_output)
    shard = path("shard.json")
    subprocess.run([BIN, "test", SAMPLE, "--json"], stdout=open(shard, "w"), check=False)
    case("merge --junit onto an input shard", 2, ["merge", shard, "--junit", shard], check=says("would overwrite"))
    case("test --junit onto the scenario", 2, ["test", shrinkable, "--junit", shrinkable],
         check=says("would overwrite"))
    schedule = path("sample.schedule.json")
    balance = os.path.join(ROOT, "scenarios/explore/balance-while-settling.yaml")
    subprocess.run([BIN, "explore", balance, "-o", schedule], stdout=subprocess.DEVNULL, check=False)
    case("run --trace onto its --schedule", 2, ["run", balance, "--schedule", schedule, "--trace", schedule],
         check=says("would overwrite"))
    case("run --trace onto a FIFO that nothing reads", 2, ["run", SAMPLE, "--trace", path("fifo")],
         check=says("a FIFO that nothing reads"))
    case("report -o onto a FIFO that nothing reads", 2, ["report", SAMPLE, "-o", path("fifo")])
    case("explore -o onto the scenario", 2, ["explore", shrinkable, "-o", shrinkable], check=says("would overwrite"))
    case("report -o into a missing directory speaks of the report", 2,
         ["report", SAMPLE, "-o", "/nonexistent/r.html"], check=both(says("cannot write the report"),
                                                                     lacks("trace")))

    # Nothing bounds the other readers.
    many = copy_pack(pack, "pack-many-lines")
    with open(os.path.join(many, "messages.jsonl"), "w") as f:
        line = "{}\n" * (1 << 20)
        for _ in range(100):
            f.write(line)
    case("verify-evidence: 200 MiB of short lines", 1, ["verify-evidence", many])
    shutil.rmtree(many)
    long_line = copy_pack(pack, "pack-long-line")
    with open(os.path.join(long_line, "messages.jsonl"), "w") as f:
        f.write('{"signer": "' + "x" * (120 << 20) + '"}\n')
    case("verify-evidence: one 120 MiB JSON line", 1, ["verify-evidence", long_line])
    shutil.rmtree(long_line)
    links = copy_pack(pack, "pack-hard-links")
    big = os.path.join(links, "big.bin")
    with open(big, "wb") as f:
        f.truncate(8 << 20)
    for i in range(300):
        os.link(big, os.path.join(links, f"link-{i}.bin"))
    for name, text in [("roots.jsonl", '{"txs": [' + ",".join(["0"] * (20 << 20)) + "]}\n"),
                       ("keys.json", "[" + ",".join(["0"] * (60 << 20)) + "]\n"),
                       ("manifest.json", '{"files": {"a": [' + ",".join(["0"] * (7 << 20)) + "]}}\n"),
                       ("outcome.json", '{"seed": 1, "x": [' + ",".join(["0"] * (60 << 20)) + "]}\n")]:
        small_values = copy_pack(pack, "pack-small-values")
        with open(os.path.join(small_values, name), "w") as f:
            f.write(text)
        case(f"verify-evidence: {name} of {len(text) >> 20} MiB of tiny JSON values", 2 if name == "manifest.json" else 1,
             ["verify-evidence", small_values])
        shutil.rmtree(small_values)
    case("verify-evidence: 300 hard links to one 8 MiB file", 2, ["verify-evidence", links],
         check=says("more than a pack may"))
    shutil.rmtree(links)
    loop = copy_pack(pack, "pack-loop")
    os.symlink(".", os.path.join(loop, "again"))
    os.symlink("../pack-loop", os.path.join(loop, "proofs", "up"))
    case("verify-evidence: a symlinked directory loop", 1, ["verify-evidence", loop])
    deep = copy_pack(pack, "pack-deep")
    nested = deep
    for _ in range(40):
        nested = os.path.join(nested, "d")
    os.makedirs(nested)
    case("verify-evidence: directories 40 deep", 1, ["verify-evidence", deep])
    trace_a, trace_b = path("a.jsonl"), path("b.jsonl")
    event = '{"t_us":0,"event":"note","note":"' + "y" * 200 + '"}\n'
    with open(trace_a, "w") as fa, open(trace_b, "w") as fb:
        chunk = event * 4096
        for _ in range((64 << 20) // len(chunk)):
            fa.write(chunk)
            fb.write(chunk)
        fb.write('{"t_us":1,"event":"different"}\n')
    case("diff of two 64 MiB traces", 1, ["diff", trace_a, trace_b], check=says("first difference at event"))
    os.remove(trace_a)
    os.remove(trace_b)
    case("merge /dev/zero", 2, ["merge", "/dev/zero"])
    case("merge a FIFO", 2, ["merge", path("fifo")])
    case("merge /proc/self/environ", 2, ["merge", "/proc/self/environ"])
    huge_shard = path("huge-shard.json")
    with open(huge_shard, "w") as f:
        f.write('{"cases":[')
        row = '{"file":"' + "s" * 120 + '.yaml","seed":%d,"passed":true,"digest":"' + "0" * 64 + '","failed":[]}'
        n = 1_000_000
        for i in range(n):
            f.write(("," if i else "") + row % i)
        f.write('],"passed":%d,"failed":0}' % n)
    case(f"merge a {os.path.getsize(huge_shard) >> 20} MiB shard of a million cases", 0, ["merge", huge_shard])
    os.link(huge_shard, path("huge-shard-again.json"))
    case("merge two shards over 320 MiB together", 2, ["merge", huge_shard, path("huge-shard-again.json")],
         check=says("the most merge reads"))
    os.remove(path("huge-shard-again.json"))
    os.remove(huge_shard)
    corpus = path("corpus")
    os.makedirs(corpus)
    os.mkfifo(os.path.join(corpus, "case.json"))
    case("test --corpus holding a FIFO", 2, ["test", SAMPLE, "--corpus", corpus])
    os.remove(os.path.join(corpus, "case.json"))
    write("corpus/passwd.json", json.dumps({"file": "/etc/passwd", "seed": 1, "failed": ["x"]}))
    write("corpus/environ.json", json.dumps({"file": "/proc/self/environ", "seed": 1, "failed": ["x"]}))
    case("test --corpus whose entries name /etc/passwd and /proc/self/environ", 0,
         ["test", SAMPLE, "--corpus", corpus], check=says("is not a file of this suite: not run"))
    storm = path("storm.yaml")
    orgs = [f"o{i}" for i in range(800)]
    lines = ["name: replay-storm", "clusters:", f"  - {{ id: c, orgs: [{', '.join(orgs)}] }}", "users:",
             '  - { id: "o0:100:u", org: o0 }', "assets:", '  - { id: "o0:101:a", org: o0 }', "flow:",
             '  - balance: { org: o0, cluster: c, account: "o0:100:u", asset: "o0:101:a" }', "faults:",
             "  byzantine:"] + [f"    - {{ org: {o}, behaviour: replay }}" for o in orgs[1:]]
    with open(storm, "w") as f:
        f.write("\n".join(lines) + "\n")
    case("run --evidence of the 800-org replay storm", 1, ["run", storm, "--evidence", path("storm-pack")],
         writes=[path("storm-pack")])
    shutil.rmtree(path("storm-pack"), ignore_errors=True)
    generate = ["generate", "--orgs", "10", "--clusters", "2", "--users", "10", "--assets", "10", "--transfers"]
    case("generate --transfers 1000000000", 2, generate + ["1000000000"])
    case("generate --transfers 2^64 - 1", 2, generate + ["18446744073709551615"])
    case("generate --transfers 2000000 (a file run would refuse)", 2, generate + ["2000000"])
    case("generate --orgs 10^8 --clusters 10^8", 2,
         ["generate", "--orgs", "100000000", "--clusters", "100000000", "--users", "1", "--assets", "1",
          "--transfers", "0"])

    # Superlinear time.
    lefts = copy_pack(pack, "pack-lefts")
    proof_name = sorted(os.listdir(os.path.join(lefts, "proofs")))[0]
    proof_path = os.path.join(lefts, "proofs", proof_name)
    proof = json.load(open(proof_path))
    ops = proof["branches"][0]["ops"]
    proof["branches"][0]["ops"] = [{"l": "ff"}] * 1_000_000 + ops
    with open(proof_path, "w") as f:
        json.dump(proof, f)
    case("verify-evidence: a proof of a million left operations", 1, ["verify-evidence", lefts])
    generated = path("generated.yaml")
    subprocess.run([BIN, "generate", "--orgs", "20", "--clusters", "4", "--users", "40", "--assets", "20",
                    "--transfers", "2000"], stdout=open(generated, "w"), check=False)
    case("report of a 2,000-transfer generated run", 0, ["report", generated, "-o", path("generated.html")],
         writes=[path("generated.html")])

    # Terminal injection.
    bad_schedule = write("bad.schedule.json", b'{"seed": "\x1b]0;pwned\x07\xe2\x80\xae' + SECRET.encode() + b'"}')
    case("run --schedule whose value holds ESC, BEL, U+202E and a secret", 2,
         ["run", balance, "--schedule", bad_schedule], check=lacks("pwned"))
    for label, char in [("U+00AD", "\u00ad"), ("U+061C", "\u061c"), ("U+3164", "\u3164"), ("U+FE0E", "\ufe0e"),
                        ("U+E0041", "\U000e0041"), ("U+2800", "\u2800")]:
        scenario = sample_with(f"invisible-{label}.yaml", '- id: "org_1:100:user_1"', f'- id: "org_1:100:user_1{char}"')
        case(f"an id ending in {label}", 2, ["check", scenario], check=says(label.replace("U+", "U+")))
        named = sample_with(f"invisible-name-{label}.yaml", 'name: "Alice Example"', f'name: "Alice{char} Example"')
        case(f"a user's name holding {label}", 2, ["run", named], check=says("invisible"))
    rtl = sample_with("rtl.yaml", '"org_1:100:user_1"', '"org_1:100:\u05d01"')
    case("an id whose NAME is right to left (o:100:א1)", 2, ["check", rtl], check=says("right-to-left"))

    # Wrong answers with an acceptable exit code.
    unlisted = copy_pack(pack, "pack-unlisted")
    os.makedirs(os.path.join(unlisted, "ivms"), exist_ok=True)
    write("pack-unlisted/ivms/7.json", "{}")
    write("pack-unlisted/proofs/99999.json", "{}")
    write("pack-unlisted/README", "added")
    case("verify-evidence: files the manifest does not list", 1, ["verify-evidence", unlisted],
         check=says("not listed in the manifest"))
    shard_doc = json.load(open(shard))
    lying = dict(shard_doc)
    lying["cases"] = [dict(c, failed=["conservation"]) for c in shard_doc["cases"]]
    write("lying.json", json.dumps(lying))
    case("merge: a case that passed with failed checks", 2, ["merge", path("lying.json")],
         check=says("says it passed, yet names failed checks"))
    overflow = dict(shard_doc)
    overflow["coverage"] = [{"kind": "transfer", "role": "org", "path": "ok", "times": 2**64 - 1, "runs": 1}]
    write("overflow-a.json", json.dumps(overflow))
    other = dict(overflow, cases=[dict(c, seed=c["seed"] + 1) for c in shard_doc["cases"]])
    write("overflow-b.json", json.dumps(other))
    case("merge: coverage counts past 2^64", 2, ["merge", path("overflow-a.json"), path("overflow-b.json")])
    pack_other = make_pack("pack-other", scenario=os.path.join(ROOT, "scenarios/three-clusters.yaml"))
    case("diff of packs of two scenarios", 1, ["diff", pack, pack_other], check=says("different scenarios"))
    write("empty-a.jsonl", "")
    write("empty-b.jsonl", "")
    case("diff of two empty files", 2, ["diff", path("empty-a.jsonl"), path("empty-b.jsonl")], check=says("empty"))
    write("latin1.jsonl", b'{"t_us":0,"event":"caf\xe9"}\n')
    case("diff of a non-UTF-8 trace", 2, ["diff", path("latin1.jsonl"), path("latin1.jsonl")],
         check=says("not UTF-8"))
    case("diff of a file that is not a trace", 2, ["diff", secret_key, secret_key])
    case("test --json --junit in a missing directory (refused before any case runs)", 2,
         ["test", os.path.join(ROOT, "scenarios"), "--json", "--junit", "/nonexistent/j.xml"], max_seconds=5)
    tree = path("tree")
    os.makedirs(tree)
    shutil.copy(SAMPLE, os.path.join(tree, "good.yaml"))
    fd = os.open(tree, os.O_RDONLY)
    try:
        for _ in range(30):
            name = "d" * 250
            os.mkdir(name, dir_fd=fd)
            fd2 = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = fd2
        with open(os.open("deep.yaml", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w") as f:
            f.write(open(SAMPLE).read())
    finally:
        os.close(fd)
    os.makedirs(os.path.join(tree, "locked"))
    shutil.copy(SAMPLE, os.path.join(tree, "locked", "x.yaml"))
    os.chmod(os.path.join(tree, "locked"), 0)
    write(b"tree/caf\xe9.yaml".decode("utf-8", "surrogateescape"), open(SAMPLE).read())
    case("test DIR with a path over PATH_MAX, a locked directory and a non-UTF-8 name", 2,
         ["test", tree, "--json"], check=both(says('"passed":'), says("not UTF-8"), lacks("No such file")))
    os.chmod(os.path.join(tree, "locked"), 0o755)
    case("shrink of a non-UTF-8 file", 2, ["shrink", path("latin1.jsonl"), "--seed", "1"])
    case('quantity: !!int "100"', 2, ["check", sample_with("tagged.yaml", "quantity: 100,", 'quantity: !!int "100",')])
    case("date_of_birth: 1990-02-30", 2,
         ["check", sample_with("feb30.yaml", 'date_of_birth: "1990-04-01"', 'date_of_birth: "1990-02-30"')])

    # Messages.
    float_schedule = write("float.schedule.json", '{"seed": 1.8e19}')
    case("a schedule's error: its place once, in finsim's words", 2, ["run", balance, "--schedule", float_schedule],
         check=both(lacks("at line", "error: error:"), says(":1:")))
    big_scenario = copy_pack(pack, "pack-big-scenario")
    with open(os.path.join(big_scenario, "scenario.yaml"), "a") as f:
        f.write("#" + "x" * (100 << 20) + "\n")
    case("verify-evidence of a pack whose scenario.yaml has 100 MiB", 2, ["verify-evidence", big_scenario],
         check=says("larger than 64 MiB"))
    shutil.rmtree(big_scenario)
    bad_pack = copy_pack(pack, "pack-bad-scenario")
    write("pack-bad-scenario/scenario.yaml", "name: [\n")
    case("verify-evidence of a pack whose scenario is invalid", 2, ["verify-evidence", bad_pack],
         check=lacks("error: error:"))
    long_name = sample_with("long-name.yaml", "name: advertise-then-transfer", "name: " + "n" * (60 << 20))
    stdout, _ = case("check of a 60 MiB name prints a clipped name", 0, ["check", long_name])
    if len(stdout) > 10_000:
        failures.append("the 60 MiB name")
        print(f"| the 60 MiB name echoed: {len(stdout)} bytes | **FAIL** | | |")
    case("explore --max-states 0", 2, ["explore", SAMPLE, "--max-states", "0"])

    print()
    shutil.rmtree(WORK, ignore_errors=True)
    shutil.rmtree(OUTSIDE, ignore_errors=True)
    if failures:
        print(f"{len(failures)} case(s) failed: {', '.join(failures)}", file=sys.stderr)
        sys.exit(1)
    print("every case ended as documented: exit code, under 60 s and 1 GiB, nothing raw, leaked, changed or "
          "written elsewhere")


if __name__ == "__main__":
    main()
