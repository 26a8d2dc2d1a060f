#!/usr/bin/env python3
"""Checks a finsim evidence pack without finsim: Python's hashlib for SHA-256, PyNaCl (libsodium)
for ed25519, PyYAML to read which orgs the scenario says forge their signatures.

    python3 -m pip install -r docs/examples/requirements.txt
    python3 docs/examples/verify_pack.py PACK_DIR [--json]

What it checks, each from the byte layouts in docs/evidence.md:
  1. every file's SHA-256 against manifest.json;
  2. every envelope in messages.jsonl: the signature over the `signed` bytes, by the key that
     keys.json gives the `signer` (a failure is expected only from a `forge_signature` org);
  3. every user-signed transfer in transfers.jsonl: the template hash made again from its fields,
     and the user's signature over it;
  4. every proof in proofs/: its Chainpoint operations replayed from its hash to a block root in
     roots.jsonl, that block's transactions including the hash, and the hash being the ledger
     transaction of the transfer the proof is named after;
  5. every personal-data delivery in personal_data.jsonl names a document of the pack;
  6. every execution plan in plans.jsonl: its hash made again from its canonical bytes, each
     approval its executor's signature on the plan_approval message of messages.jsonl it points
     at (by `seq`), each consent its user's signature over the plan's hash; each instruction's
     proof is checked as in 4, bound to that instruction's transaction.

Exits 0 when everything holds, 1 when something does not (each named on its own line), 2 when
the directory is not a pack.
"""

import hashlib
import json
import sys
from pathlib import Path

import yaml
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def jsonl(path: Path) -> list:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def verifies(public_key_hex, signed: bytes, signature_hex: str) -> bool:
    try:
        VerifyKey(bytes.fromhex(public_key_hex)).verify(signed, bytes.fromhex(signature_hex))
        return True
    except (BadSignatureError, ValueError, TypeError):
        return False


def replay(proof: dict):
    """The value a proof's first branch claims at its anchor, and the anchor's id."""
    current = bytes.fromhex(proof["hash"])
    anchor = None
    for op in proof["branches"][0]["ops"]:
        if "l" in op:
            current = bytes.fromhex(op["l"]) + current
        elif "r" in op:
            current = current + bytes.fromhex(op["r"])
        elif op.get("op") == "sha-256":
            current = sha256(current)
        elif "anchors" in op:
            anchor = op["anchors"][0]["anchor_id"]
        else:
            raise ValueError(f"an operation this checker does not know: {op}")
    return current.hex(), anchor


def check(pack: Path) -> dict:
    manifest = json.loads((pack / "manifest.json").read_text("utf-8"))
    scenario = yaml.safe_load((pack / "scenario.yaml").read_text("utf-8"))
    byzantine = ((scenario.get("faults") or {}).get("byzantine")) or []
    forgers = {b["org"] for b in byzantine if b.get("behaviour") == "forge_signature"}
    keys = json.loads((pack / "keys.json").read_text("utf-8"))
    summary = {
        "files_ok": 0,
        "files_bad": [],
        "signatures_ok": 0,
        "signatures_bad": {},
        "signatures_expected_bad": {},
        "transfers_ok": 0,
        "transfers_bad": [],
        "proofs_ok": 0,
        "proofs_bad": [],
        "personal_data": 0,
        "plans_ok": 0,
        "plans_bad": [],
        "problems": [],
    }

    for name, expected in sorted(manifest["files"].items()):
        path = pack / name
        if path.is_file() and sha256(path.read_bytes()).hex() == expected:
            summary["files_ok"] += 1
        else:
            summary["files_bad"].append(name)
            summary["problems"].append(f"{name}: missing, or its SHA-256 differs from the manifest's")

    for line, m in enumerate(jsonl(pack / "messages.jsonl"), start=1):
        signer = m["signer"]
        key = keys.get(signer, {}).get("public_key")
        if key is not None and verifies(key, bytes.fromhex(m["signed"]), m["signature"]):
            summary["signatures_ok"] += 1
        elif signer in forgers:
            bad = summary["signatures_expected_bad"]
            bad[signer] = bad.get(signer, 0) + 1
        else:
            bad = summary["signatures_bad"]
            bad[signer] = bad.get(signer, 0) + 1
            summary["problems"].append(f"messages.jsonl:{line}: the signature is not {signer}'s")

    transfers = jsonl(pack / "transfers.jsonl")
    # Issues and redeems (present when the run had any): a redeem is signed by its holder like a
    # transfer by its buyer; an issue is the managing org's own decision, with no user signature.
    supply = jsonl(pack / "supply.jsonl")
    signed_lines = [("transfers.jsonl", line, t) for line, t in enumerate(transfers, start=1)]
    signed_lines += [("supply.jsonl", line, s) for line, s in enumerate(supply, start=1) if s["operation"] == "redeem"]
    for file, line, t in signed_lines:
        # The nonce is hex; every other field is UTF-8. SHA-256 of their concatenation is the
        # group hash; SHA-256 of the group hash is the template hash the user signs.
        fields = [bytes.fromhex(f) if i == 0 else f.encode("utf-8") for i, f in enumerate(t["fields"])]
        hash_ok = sha256(sha256(b"".join(fields))).hex() == t["template_hash"]
        signed = t["public_key"] is not None and verifies(
            t["public_key"], bytes.fromhex(t["template_hash"]), t["signature"]
        )
        if hash_ok and signed:
            summary["transfers_ok"] += 1
        else:
            summary["transfers_bad"].append(t["request_id"])
            why = "its template hash is not that of its fields" if not hash_ok else "the user's signature fails"
            summary["problems"].append(f"{file}:{line}: {why}")

    messages = jsonl(pack / "messages.jsonl")
    plans = jsonl(pack / "plans.jsonl")
    plan_proofs = {}
    for line, p in enumerate(plans, start=1):
        problems = []
        if sha256(bytes.fromhex(p["canonical"])).hex() != p["hash"]:
            problems.append("its hash is not SHA-256 of its canonical bytes")
        for a in p["approvals"]:
            key = keys.get(a["signer"], {}).get("public_key")
            seq = a["seq"]
            m = messages[seq - 1] if isinstance(seq, int) and 1 <= seq <= len(messages) else None
            ok = (
                m is not None
                and key is not None
                and m["signer"] == a["signer"]
                and m["kind"] == "plan_approval"
                and m["signature"] == a["signature"]
                and verifies(key, bytes.fromhex(m["signed"]), a["signature"])
            )
            if not ok:
                problems.append(f"the approval of {a['signer']} is not its signed plan_approval message")
        for c in p["consents"]:
            key = keys.get(c["signer"], {}).get("public_key")
            if key is None or not verifies(key, bytes.fromhex(p["hash"]), c["signature"]):
                problems.append(f"the consent of {c['signer']} is not its signature over the plan's hash")
        for i in p["instructions"]:
            if i.get("proof"):
                plan_proofs[Path(i["proof"]).name] = i.get("tx_hash")
        if problems:
            summary["plans_bad"].append(p["plan"])
            summary["problems"].extend(f"plans.jsonl:{line}: {why}" for why in problems)
        else:
            summary["plans_ok"] += 1

    roots = jsonl(pack / "roots.jsonl")
    proofs = pack / "proofs"
    for path in sorted(proofs.iterdir()) if proofs.is_dir() else []:
        name = f"proofs/{path.name}"
        try:
            proof = json.loads(path.read_text("utf-8"))
            value, anchor = replay(proof)
        except (ValueError, KeyError, IndexError, TypeError) as error:
            summary["proofs_bad"].append(path.name)
            summary["problems"].append(f"{name}: not a Chainpoint proof this checker reads: {error}")
            continue
        cluster, _, height = (anchor or "").rpartition(":")
        block = next((b for b in roots if b["cluster"] == cluster and str(b["height"]) == height), None)
        transfer = next((t for t in transfers + supply if f"{t['request_id']}.json" == path.name), None)
        if path.name in plan_proofs:
            transfer = {"tx_hash": plan_proofs[path.name]}
        if block is None:
            why = f"its anchor {anchor!r} names no block of roots.jsonl"
        elif block["root"] != value:
            why = f"it replays to {value}, not to the root of {anchor}"
        elif proof["hash"] not in block["txs"]:
            why = f"its hash is not a transaction of {anchor}"
        elif transfer is None or transfer.get("tx_hash") != proof["hash"]:
            why = "its hash is not the ledger transaction of the request it is named after"
        else:
            summary["proofs_ok"] += 1
            continue
        summary["proofs_bad"].append(path.name)
        summary["problems"].append(f"{name}: {why}")

    for line, p in enumerate(jsonl(pack / "personal_data.jsonl"), start=1):
        if (pack / p["payload"]).is_file() and p["payload"] in manifest["files"]:
            summary["personal_data"] += 1
        else:
            summary["problems"].append(f"personal_data.jsonl:{line}: {p['payload']} is not a file of the pack")
    return summary


def main() -> int:
    args = [a for a in sys.argv[1:] if a != "--json"]
    if len(args) != 1:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        print("usage: verify_pack.py PACK_DIR [--json]", file=sys.stderr)
        return 2
    pack = Path(args[0])
    try:
        summary = check(pack)
    except (OSError, ValueError, KeyError, TypeError, yaml.YAMLError) as error:
        print(f"error: {pack}: not an evidence pack: {error}", file=sys.stderr)
        return 2
    if "--json" in sys.argv[1:]:
        print(json.dumps(summary, sort_keys=True))
    else:
        for problem in summary["problems"]:
            print(f"FAIL  {problem}")
        signatures = (
            summary["signatures_ok"]
            + sum(summary["signatures_bad"].values())
            + sum(summary["signatures_expected_bad"].values())
        )
        print(
            f"checked: {summary['files_ok'] + len(summary['files_bad'])} files, {signatures} signatures, "
            f"{summary['transfers_ok'] + len(summary['transfers_bad'])} transfers, "
            f"{summary['proofs_ok'] + len(summary['proofs_bad'])} proofs, "
            f"{summary['personal_data']} personal-data deliveries, "
            f"{summary['plans_ok'] + len(summary['plans_bad'])} plans"
        )
        for signer, n in sorted(summary["signatures_expected_bad"].items()):
            print(f"expected: {n} signature(s) of {signer} fail (a forge_signature org)")
        print("PASSED" if not summary["problems"] else f"FAILED: {len(summary['problems'])} problem(s)")
    return 0 if not summary["problems"] else 1


if __name__ == "__main__":
    sys.exit(main())
