#!/usr/bin/env python3
"""Checks a finsim evidence pack without finsim: Python's hashlib for SHA-256, PyNaCl (libsodium)
for ed25519, PyYAML to read which orgs the scenario says forge their signatures.

    python3 -m pip install -r docs/examples/requirements.txt
    python3 docs/examples/verify_pack.py PACK_DIR [--json]

What it checks, each from the byte layouts in docs/evidence.md, without running anything:
  1. every file's SHA-256 against manifest.json, that the manifest lists every file of the pack,
     and that the pack holds every mandatory file;
  2. every envelope in messages.jsonl: the signature over the `signed` bytes, by the key that
     keys.json gives the `signer` (a failure is expected only from a `forge_signature` org);
  3. every user-signed transfer and redeem in transfers.jsonl: the template hash made again from
     its fields, and the user's signature over it;
  4. every proof in proofs/: its Chainpoint operations replayed from its hash to a block root in
     roots.jsonl, that block's transactions including the hash, and the hash being the ledger
     transaction of the transfer the proof is named after;
  5. every IVMS-101 line of the register (personal_data.jsonl) names a document of the pack;
  6. every execution plan in plans.jsonl: its hash made again from its canonical bytes, each
     approval its executor's signature on the plan_approval message of messages.jsonl it points
     at (by `seq`), each consent its user's signature over the plan's hash; each instruction's
     proof is checked as in 4, bound to that instruction's transaction;
  7. every block of roots.jsonl: a block_committed message its cluster's ledger signed, with that
     height, root and transactions;
  8. the in-toto Statement: its subjects are the pack's trace.jsonl and scenario.yaml, its
     predicate the scenario, seed, digest and verdict of outcome.json;
  9. the bindings: each message's routing header is the one inside its signed bytes; each final
     status of transfers.jsonl and plans.jsonl is the one the signed message it names (`seq`)
     told, a settled one with its proof; each IVMS-101 line's document is byte for byte the one
     inside the message it names, each identifier line's message names the user's account or
     finid, each denied line's is the refused request; every transfer, issue and redeem the
     messages carry has a line, and every IVMS-101 document the trace delivers has a line.

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


# The files every pack holds (docs/evidence.md, "Files").
MANDATORY = [
    "manifest.json",
    "scenario.yaml",
    "outcome.json",
    "trace.jsonl",
    "keys.json",
    "messages.jsonl",
    "roots.jsonl",
    "transfers.jsonl",
    "personal_data.jsonl",
    "statement.intoto.json",
]
PREDICATE_TYPE = "urn:finsim:evidence-pack:v1"

# The message kinds in the order of their body's index in the signed bytes (docs/evidence.md).
KINDS = [
    "advertisement", "get", "get_response", "verify", "verify_answer", "order", "sign_request",
    "sign_response", "transfer", "tx_accepted", "settlement", "settlement_ack", "submit",
    "block_committed", "sync_request", "verify_proof", "proof_answer", "balance_query",
    "balance_answer", "status_query", "status_answer", "hold", "release", "escrow_committed",
    "issue_get", "issue_notice", "sign_redeem", "redeem", "plan_proposal", "plan_approval",
    "plan_get", "consent_request", "sign_plan", "plan_consent", "plan_execute", "plan_rollback",
    "plan_result", "plan_final", "plan_submit",
]

# A status by its code; a plan's reason is written with `permission` for `denied`.
STATUSES = ["ok", "regulation", "denied", "not_found", "signature", "balance", "timeout", "pending", "replay"]
PLAN_STATUSES = ["completed", "rejected", "reverted", "failed"]
IVMS101 = "application/ivms-101"


class Reader:
    """Postcard, as far as the bindings read it: LEB128 varints, strings as a varint length and
    UTF-8 bytes, fixed 32-byte hashes, an option as a 0 or 1 byte before its value."""

    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def varint(self) -> int:
        value, shift = 0, 0
        while True:
            byte = self.data[self.at]
            self.at += 1
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                return value
            shift += 7

    def raw(self, n: int) -> bytes:
        if self.at + n > len(self.data):
            raise ValueError("the bytes end early")
        part = self.data[self.at : self.at + n]
        self.at += n
        return part

    def text(self) -> str:
        return self.raw(self.varint()).decode("utf-8")

    def option(self) -> bool:
        tag = self.raw(1)[0]
        if tag > 1:
            raise ValueError("an option's tag is 0 or 1")
        return tag == 1


def header(signed: bytes):
    """A message's request id, sender, address and kind, read from its signed bytes, with the
    reader left at the start of its body's fields."""
    r = Reader(signed)
    request_id, sender, address, index = r.varint(), r.text(), r.text(), r.varint()
    if index >= len(KINDS):
        raise ValueError("a body index no kind has")
    return {"request_id": request_id, "from": sender, "to": address, "kind": KINDS[index]}, r


def signed_block(r: Reader):
    """A block_committed's height, root and transactions' hashes (hex): each transaction's hash is
    SHA-256 of its own bytes (the request id, the transaction id, the asset, the source and the
    destination accounts, the quantity and the submitting org)."""
    r.varint()  # the ledger event's index
    height, root, txs = r.varint(), r.raw(32).hex(), []
    for _ in range(r.varint()):
        start = r.at
        r.varint(), r.raw(32), r.text(), r.text(), r.text(), r.varint(), r.text()
        txs.append(sha256(r.data[start : r.at]).hex())
    return height, root, txs


def told_status(kind: str, r: Reader):
    """The status word a message that tells a final status signed."""
    if kind == "issue_notice":
        r.text(), r.text(), r.text(), r.varint()  # the issue: asset, receiver's id and finid, quantity
        kind = "settlement"
    if kind in ("settlement", "status_answer"):
        r.raw(32)  # the transaction id
        return STATUSES[r.varint()]
    return None


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
        "register": {},
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
    held = sorted(str(p.relative_to(pack)) for p in pack.rglob("*") if p.is_file() or p.is_symlink())
    for name in held:
        if name != "manifest.json" and name not in manifest["files"]:
            summary["problems"].append(f"{name}: in the pack, but not listed in the manifest")
    for name in MANDATORY:
        if not (pack / name).is_file():
            summary["problems"].append(f"{name}: missing: every pack holds it")

    clusters = {c["id"]: set(c.get("orgs") or []) for c in scenario.get("clusters") or []}
    messages = jsonl(pack / "messages.jsonl")
    verified = {}  # seq -> whether its signature verified
    documents = {}  # (from, to, request id) -> the seqs of the IVMS-101 documents sent
    operations = set()  # the request ids of every transfer, issue and redeem an org sent
    blocks = set()  # (cluster, height, root, transactions) of every block a ledger signed
    for line, m in enumerate(messages, start=1):
        signer = m["signer"]
        key = keys.get(signer, {}).get("public_key")
        verified[line] = key is not None and verifies(key, bytes.fromhex(m["signed"]), m["signature"])
        if verified[line]:
            summary["signatures_ok"] += 1
        elif signer in forgers:
            bad = summary["signatures_expected_bad"]
            bad[signer] = bad.get(signer, 0) + 1
        else:
            bad = summary["signatures_bad"]
            bad[signer] = bad.get(signer, 0) + 1
            summary["problems"].append(f"messages.jsonl:{line}: the signature is not {signer}'s")
        # The routing header against the signed bytes (a forger's bytes are checked no further).
        try:
            h, r = header(bytes.fromhex(m["signed"]))
        except (ValueError, IndexError, UnicodeDecodeError):
            if verified[line]:
                summary["problems"].append(f"messages.jsonl:{line}: its signed bytes are not a message")
            continue
        if (h["request_id"], h["kind"], h["from"]) != (m["request_id"], m["kind"], signer):
            summary["problems"].append(
                f"messages.jsonl:{line}: its request id, kind or signer is not that of its signed bytes"
            )
            continue
        # A copy another actor sends again (a replay) goes wherever that actor sends it.
        to = h["to"]
        cluster = to[len("cluster:") :] if to.startswith("cluster:") else None
        addressed = m["from"] != signer or (m["to"] in clusters.get(cluster, ()) if cluster else m["to"] == to)
        if not addressed:
            summary["problems"].append(f"messages.jsonl:{line}: its receiver is not the one its signed bytes address")
        between_orgs = ":" not in m["from"] and ":" not in m["to"] and m["from"] != m["to"]
        if h["kind"] == "get_response" and between_orgs:
            try:
                r.text(), r.varint()
                if r.text() == IVMS101 and r.option():
                    documents.setdefault((m["from"], m["to"], m["request_id"]), []).append(line)
            except (ValueError, IndexError, UnicodeDecodeError):
                pass
        if h["kind"] in ("transfer", "redeem", "issue_get", "issue_notice") and ":" not in m["from"]:
            operations.add(m["request_id"])
        if h["kind"] == "block_committed" and verified[line] and signer.startswith("ledger:"):
            try:
                height, root, txs = signed_block(r)
                blocks.add((signer[len("ledger:") :], height, root, tuple(txs)))
            except (ValueError, IndexError, UnicodeDecodeError):
                pass

    transfers = jsonl(pack / "transfers.jsonl")
    # A redeem is signed by its holder like a transfer by its buyer; an issue is the managing
    # org's own decision, with no user signature (its org signs its messages).
    signed_lines = [("transfers.jsonl", line, t) for line, t in enumerate(transfers, start=1) if t["kind"] != "issue"]
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
    for line, b in enumerate(roots, start=1):
        if (b["cluster"], b["height"], b["root"], tuple(b["txs"])) not in blocks:
            summary["problems"].append(
                f"roots.jsonl:{line}: no block_committed its cluster's ledger signed has this height, root and transactions"
            )
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
        transfer = next((t for t in transfers if f"{t['request_id']}.json" == path.name), None)
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

    def signed_message(seq):
        """The message line `seq` names, its header and a reader at its body, if it is signed."""
        if not isinstance(seq, int) or not 1 <= seq <= len(messages) or not verified[seq]:
            return None
        m = messages[seq - 1]
        try:
            h, r = header(bytes.fromhex(m["signed"]))
        except (ValueError, IndexError, UnicodeDecodeError):
            return None
        return m, h, r

    lines = set()
    for line, t in enumerate(transfers, start=1):
        lines.add(t["request_id"])
        problem = bind_final(pack, t, signed_message)
        if problem:
            summary["problems"].append(f"transfers.jsonl:{line}: {problem}")
    for request_id in sorted(operations - lines):
        summary["problems"].append(
            f"transfers.jsonl: request {request_id} was sent as a transfer, issue or redeem, but has no line"
        )

    def named_message(p):
        """The message a register line names: signed, unless the line says the copy failed its
        signature check (then as it was sent)."""
        seq = p.get("seq")
        if p.get("copy") != "bad_signature":
            return signed_message(seq)
        if not isinstance(seq, int) or not 1 <= seq <= len(messages):
            return None
        try:
            h, r = header(bytes.fromhex(messages[seq - 1]["signed"]))
        except (ValueError, IndexError, UnicodeDecodeError):
            return None
        return messages[seq - 1], h, r

    disclosed = set()
    for line, p in enumerate(jsonl(pack / "personal_data.jsonl"), start=1):
        category = p.get("category", "ivms101")
        if category == "ivms101":
            problem = bind_disclosure(pack, manifest, p, named_message)
        else:
            problem = bind_identifier(keys, p, named_message)
        if problem:
            summary["problems"].append(f"personal_data.jsonl:{line}: {problem}")
            continue
        summary["register"][category] = summary["register"].get(category, 0) + 1
        if category == "ivms101":
            summary["personal_data"] += 1
            disclosed.add((p["from"], p["to"], messages[p["seq"] - 1]["request_id"]))
    missing = set()
    for event in jsonl(pack / "trace.jsonl"):
        if event.get("event") == "delivered" and event.get("kind") == "get_response":
            hop = (event["from"], event["to"], event["request_id"])
            if hop in documents and hop not in disclosed:
                missing.add(hop)
    for sender, receiver, request_id in sorted(missing):
        summary["problems"].append(
            f"personal_data.jsonl: {sender} sent {receiver} an IVMS-101 document for request {request_id} "
            "that trace.jsonl delivers, and no line names it"
        )

    if not statement_holds(pack):
        summary["problems"].append(
            "statement.intoto.json: its subjects are not the pack's trace.jsonl and scenario.yaml, "
            "or its predicate not outcome.json's"
        )

    for line, p in enumerate(plans, start=1):
        problem = bind_plan_end(p, signed_message)
        if problem:
            summary["problems"].append(f"plans.jsonl:{line}: {problem}")
    return summary


def statement_holds(pack: Path) -> bool:
    """Whether the in-toto Statement names the pack's trace and scenario and outcome.json's run."""
    path = pack / "statement.intoto.json"
    if not path.is_file():
        return True  # a mandatory file: its absence is named as such
    try:
        statement = json.loads(path.read_text("utf-8"))
        outcome = json.loads((pack / "outcome.json").read_text("utf-8"))
        subjects = {s["name"]: s["digest"]["sha256"] for s in statement["subject"]}
        predicate = statement["predicate"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    names = [name for name in ("trace.jsonl", "scenario.yaml") if (pack / name).is_file()]
    digest = {name: sha256((pack / name).read_bytes()).hex() for name in names}
    return (
        statement.get("_type") == "https://in-toto.io/Statement/v1"
        and statement.get("predicateType") == PREDICATE_TYPE
        and all(subjects.get(name) == value for name, value in digest.items())
        and len(digest) == 2
        and all(predicate.get(key) == outcome.get(key) for key in ("seed", "digest", "scenario", "passed"))
    )


def bind_final(pack: Path, t: dict, signed_message):
    """What is wrong with the binding of a transfer's, issue's or redeem's final status."""
    account = t.get("buyer") or t.get("holder") or t.get("receiver") or ""
    org = account.split(":")[0]
    status, reason, seq = t["status"], t["reason"], t["seq"]
    if seq is None:
        if status == "pending" or (status == "rejected" and reason == "timeout"):
            return None
        return f"its status {status} names no message that told it"
    found = signed_message(seq)
    if found is None:
        return f"message {seq} is not a signed message of messages.jsonl"
    m, h, r = found
    try:
        word = told_status(h["kind"], r)
    except (ValueError, IndexError, UnicodeDecodeError):
        word = None
    if word is None or (h["kind"] == "status_answer" and word != "ok"):
        return f"message {seq} tells no final status"
    if m["to"] != org or h["request_id"] != t["request_id"]:
        return f"message {seq} is not to {org} about request {t['request_id']}"
    said = ("settled", None) if word == "ok" else ("rejected", word)
    if (status, reason) != said:
        return f"its status is not the one message {seq} signed ({said[1] or said[0]})"
    if status == "settled":
        name = f"proofs/{t['request_id']}.json"
        if t.get("proof") != name or not (pack / name).is_file():
            return "settled, but its proof is not in the pack"
        try:
            proof = json.loads((pack / name).read_text("utf-8"))
            hash_text, proof_id = proof["hash"].encode(), proof["proof_id"].encode()
        except (ValueError, KeyError, TypeError, AttributeError):
            return f"its proof {name} is not a Chainpoint proof"
        signed = bytes.fromhex(m["signed"])
        # A settlement carries the proof itself (its hash and id as text); a status answer the
        # transaction's hash (32 bytes).
        carried = (
            hash_text in signed and proof_id in signed
            if h["kind"] != "status_answer"
            else bytes.fromhex(t["tx_hash"] or "") in signed
        )
        if not carried:
            return f"its proof is not the one message {seq} signed"
    return None


def bind_disclosure(pack: Path, manifest: dict, p: dict, named_message):
    """What is wrong with a personal-data line's binding to the message that delivered it."""
    payload = p["payload"]
    if not (pack / payload).is_file() or payload not in manifest["files"]:
        return f"{payload} is not a file of the pack"
    found = named_message(p)
    if found is None:
        return "it names no signed message of messages.jsonl"
    m, h, r = found
    if h["kind"] != "get_response":
        return f"message {p['seq']} carries no personal data"
    try:
        resource, _status, content_type = r.text(), r.varint(), r.text()
        document = r.text().encode("utf-8") if r.option() else None
    except (ValueError, IndexError, UnicodeDecodeError):
        return f"message {p['seq']} carries no personal data"
    if (m["from"], m["to"], resource) != (p["from"], p["to"], p["user"]):
        return f"message {p['seq']} is not from {p['from']} to {p['to']} about {p['user']}"
    if content_type != IVMS101 or document != (pack / payload).read_bytes():
        return f"{payload} is not the IVMS-101 document message {p['seq']} carried"
    return None


def postcard_text(text: str) -> bytes:
    """A string as postcard writes it: its UTF-8 length as a varint, then its bytes."""
    data, n, prefix = text.encode("utf-8"), len(text.encode("utf-8")), bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        prefix.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(prefix) + data


def bind_identifier(keys: dict, p: dict, named_message):
    """What is wrong with an `identifier` or `denied` line: its message goes from `from` to `to`
    and names the user (its account id, or for an identifier its finid: the user's public key)."""
    category, seq = p.get("category"), p.get("seq")
    if category not in ("identifier", "denied"):
        return f"`{category}` is not a category of the register"
    found = named_message(p)
    if found is None:
        return "it names no signed message of messages.jsonl"
    m, h, _ = found
    if category == "denied" and h["kind"] not in ("get", "issue_get", "plan_get"):
        return f"message {seq} is not a request for personal data"
    if (m["from"], m["to"]) != (p["from"], p["to"]):
        return f"message {seq} is not from {p['from']} to {p['to']}"
    signed = bytes.fromhex(m["signed"])
    names = [postcard_text(p["user"])]
    finid = keys.get(f"user:{p['user']}", {}).get("public_key")
    if category == "identifier" and finid:
        names.append(postcard_text(finid))
    if not any(name in signed for name in names):
        return f"message {seq} does not name {p['user']}"
    return None


def bind_plan_end(p: dict, signed_message):
    """What is wrong with the binding of a plan's final status to its coordinator's plan_final."""
    seq = p.get("seq")
    if seq is None:
        return "its status names no plan_final message that told it" if p["status"] is not None else None
    found = signed_message(seq)
    if found is None or found[1]["kind"] != "plan_final" or found[1]["from"] != p["coordinator"]:
        return f"message {seq} is not its coordinator's signed plan_final"
    _, _, r = found
    r.raw(32), r.varint()  # the plan's hash and id
    status = PLAN_STATUSES[r.varint()]
    reason = STATUSES[r.varint()] if r.option() else None
    reason = "permission" if reason == "denied" else reason
    if (p["status"], p["reason"]) != (status, reason):
        return f"its status is not the one message {seq} signed ({status})"
    return None


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
            f"{summary['personal_data']} personal-data deliveries "
            f"({sum(summary['register'].values())} lines of the register), "
            f"{summary['plans_ok'] + len(summary['plans_bad'])} plans"
        )
        for signer, n in sorted(summary["signatures_expected_bad"].items()):
            print(f"expected: {n} signature(s) of {signer} fail (a forge_signature org)")
        print("PASSED" if not summary["problems"] else f"FAILED: {len(summary['problems'])} problem(s)")
    return 0 if not summary["problems"] else 1


if __name__ == "__main__":
    sys.exit(main())
