//! Chainpoint v4 proofs of settlement.
//!
//! A proof starts from the transaction hash and lists operations: `{l: hex}`
//! prepends bytes, `{r: hex}` appends them, `{op: sha-256}` hashes what has been
//! built so far, and `{anchors: [...]}` names where the result is anchored. The
//! cluster ledger stands in for a Chainpoint test calendar (`tcal`), and the anchor id
//! is `<cluster>:<height>`. Replaying the operations gives the block's Merkle root.
//!
//! The block's tree hashes leaves and nodes apart (`crypto::merkle`), written as ordinary
//! steps: `{l: "00"}, {op: sha-256}` makes the leaf from the transaction hash; then for each
//! sibling on the left `{l: "01<sibling>"}, {op: sha-256}`, and on the right
//! `{l: "01"}, {r: "<sibling>"}, {op: sha-256}`. Any Chainpoint v4 parser replays it.

use super::merkle::{self, PathStep};
use super::Hash32;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::time::{Duration, UNIX_EPOCH};

/// A proof's text: the words every proof repeats (`sha-256`, `tcal`, the context, the prefixes
/// of the tree's nodes) are borrowed, never copied; what a proof states of its own is owned.
pub type Text = Cow<'static, str>;

/// The default real-world moment of virtual time 0: 2026-01-01T00:00:00Z, in Unix seconds
/// (a scenario's `start` may name another, `protocol::clock`).
pub const EPOCH_UNIX_SECONDS: u64 = 1_767_225_600;
/// The same moment in microseconds since the Unix epoch.
pub const DEFAULT_START_US: u64 = EPOCH_UNIX_SECONDS * 1_000_000;
/// The latest time a proof can state: 9999-12-31T23:59:59Z, in Unix seconds (RFC 3339 has
/// four-digit years). Validated scenarios stay far below it; later times are stated as it.
pub const LATEST_UNIX_SECONDS: u64 = 253_402_300_799;
/// The most 100-ns ticks a version-1 UUID's 60-bit timestamp holds.
const MAX_UUID_TICKS: u64 = (1 << 60) - 1;

/// A Chainpoint v4 proof document.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChainpointProof {
    /// Always `https://w3id.org/chainpoint/v4`.
    #[serde(rename = "@context")]
    pub context: Text,
    /// Always `Chainpoint`.
    #[serde(rename = "type")]
    pub kind: Text,
    /// The transaction hash, hex.
    pub hash: Text,
    /// A version-1 UUID derived from the seed and the request.
    pub proof_id: Text,
    /// When the ledger received the transaction, on the fixed epoch.
    pub hash_received: Text,
    /// The operation branches (one: the calendar anchor branch).
    pub branches: Vec<Branch>,
}

/// One branch of operations.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Branch {
    /// The branch label.
    pub label: Text,
    /// The operations, in order.
    pub ops: Vec<Op>,
}

/// One Chainpoint operation.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Op {
    /// Prepend a sibling (hex).
    #[serde(rename = "l")]
    Left(Text),
    /// Append a sibling (hex).
    #[serde(rename = "r")]
    Right(Text),
    /// Hash what has been built (`sha-256`).
    #[serde(rename = "op")]
    Hash(Text),
    /// Where the result is anchored.
    #[serde(rename = "anchors")]
    Anchors(Vec<Anchor>),
}

/// An anchor of the proof's result.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Anchor {
    /// `tcal`: the cluster ledger stands in for a test calendar.
    #[serde(rename = "type")]
    pub kind: Text,
    /// `<cluster>:<height>`.
    pub anchor_id: Text,
}

/// What a proof anchors: the cluster and the block height.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnchorRef {
    /// The cluster whose ledger holds the block.
    pub cluster: String,
    /// The block height.
    pub height: u64,
}

/// The inputs of a proof.
pub struct ProofInputs<'a> {
    /// The transaction hash.
    pub tx_hash: Hash32,
    /// The Merkle path from the transaction to the block root.
    pub path: &'a [PathStep],
    /// The cluster whose ledger anchors it.
    pub cluster: &'a str,
    /// The block height.
    pub height: u64,
    /// When the ledger received the transaction, virtual microseconds.
    pub received_us: u64,
    /// The real-world moment of virtual time 0, in microseconds since the Unix epoch.
    pub start_us: u64,
    /// Six bytes that make the proof id unique (derived from the seed and request).
    pub node_id: [u8; 6],
}

impl ChainpointProof {
    /// Builds the proof of a transaction in a block.
    pub fn build(inputs: &ProofInputs<'_>) -> Self {
        let mut ops = Vec::with_capacity(inputs.path.len() * 3 + 3);
        ops.extend([Op::Left(Cow::Borrowed(LEAF_HEX)), Op::Hash(Cow::Borrowed(SHA_256))]);
        for step in inputs.path {
            match step {
                PathStep::Left(sibling) => ops.push(Op::Left(node_then(sibling).into())),
                PathStep::Right(sibling) => {
                    ops.extend([Op::Left(Cow::Borrowed(NODE_HEX)), Op::Right(sibling.to_hex().into())])
                }
            }
            ops.push(Op::Hash(Cow::Borrowed(SHA_256)));
        }
        ops.push(Op::Anchors(vec![Anchor {
            kind: Cow::Borrowed("tcal"),
            anchor_id: format!("{}:{}", inputs.cluster, inputs.height).into(),
        }]));
        // Total for every input: times past what the formats hold are stated as their latest.
        let unix_us = inputs.start_us.saturating_add(inputs.received_us);
        let seconds = (unix_us / 1_000_000).min(LATEST_UNIX_SECONDS);
        let received = UNIX_EPOCH + Duration::from_secs(seconds);
        // Gregorian ticks are 100 ns since 1582-10-15; 0x01B2_1DD2_1381_4000 is the Unix epoch.
        let ticks = (0x01B2_1DD2_1381_4000 + seconds * 10_000_000 + (unix_us % 1_000_000) * 10).min(MAX_UUID_TICKS);
        let proof_id = uuid::Builder::from_gregorian_timestamp(ticks, 0, &inputs.node_id).into_uuid();
        Self {
            context: Cow::Borrowed("https://w3id.org/chainpoint/v4"),
            kind: Cow::Borrowed("Chainpoint"),
            hash: inputs.tx_hash.to_hex().into(),
            proof_id: proof_id.hyphenated().encode_lower(&mut uuid::Uuid::encode_buffer()).to_owned().into(),
            hash_received: humantime::format_rfc3339_seconds(received).to_string().into(),
            branches: vec![Branch { label: Cow::Borrowed("cal_anchor_branch"), ops }],
        }
    }

    /// Where the proof says it is anchored (its first anchor), without replaying it.
    pub fn anchor(&self) -> Option<AnchorRef> {
        self.branches.first()?.ops.iter().find_map(|op| match op {
            Op::Anchors(anchors) => {
                let (cluster, height) = anchors.first()?.anchor_id.rsplit_once(':')?;
                Some(AnchorRef { cluster: cluster.to_owned(), height: height.parse().ok()? })
            }
            _ => None,
        })
    }

    /// Replays the operations from `hash`: the root it leads to and the anchor it names.
    /// `None` when the document is malformed (bad hex, an unknown op, no anchor).
    pub fn replay(&self) -> Option<(Hash32, AnchorRef)> {
        // The value between two hashes is `lefts ++ current`: a left operation prepends, so the
        // lefts are kept reversed (`left_reversed` ends with the newest, reversed), and each
        // operation costs its own length, never the buffer's: a proof of a million `l`s replays
        // in linear time.
        let mut left_reversed: Vec<u8> = Vec::new();
        let mut current: Vec<u8> = Vec::with_capacity(REPLAY_CAPACITY);
        current.extend_from_slice(&Hash32::from_hex(&self.hash)?.0);
        let mut anchor = None;
        for op in self.branches.first()?.ops.iter() {
            match op {
                Op::Left(hex) => {
                    let start = left_reversed.len();
                    push_hex(&mut left_reversed, hex)?;
                    left_reversed[start..].reverse();
                }
                Op::Right(hex) => push_hex(&mut current, hex)?,
                Op::Hash(name) if name == SHA_256 => {
                    let hash = hash_of_reversed_then(&left_reversed, &current);
                    left_reversed.clear();
                    current.clear();
                    current.extend_from_slice(&hash.0);
                }
                Op::Hash(_) => return None,
                Op::Anchors(anchors) => {
                    let first = anchors.first()?;
                    let (cluster, height) = first.anchor_id.rsplit_once(':')?;
                    anchor = Some(AnchorRef { cluster: cluster.to_owned(), height: height.parse().ok()? });
                }
            }
        }
        left_reversed.reverse();
        left_reversed.extend_from_slice(&current);
        let root: [u8; 32] = left_reversed.try_into().ok()?;
        Some((Hash32(root), anchor?))
    }
}

/// SHA-256 of `reversed` read backwards, then `tail`, a block at a time.
fn hash_of_reversed_then(reversed: &[u8], tail: &[u8]) -> Hash32 {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    let mut block = [0u8; 4096];
    for chunk in reversed.rchunks(block.len()) {
        let block = &mut block[..chunk.len()];
        block.copy_from_slice(chunk);
        block.reverse();
        hasher.update(&*block);
    }
    hasher.update(tail);
    Hash32(hasher.finalize().into())
}

/// The hash operation's name.
const SHA_256: &str = "sha-256";
/// The byte before a leaf's transaction hash (`merkle::LEAF_PREFIX`), as hex.
const LEAF_HEX: &str = "00";
/// The byte before a node's two children (`merkle::NODE_PREFIX`), as hex.
const NODE_HEX: &str = "01";
const _: () = assert!(merkle::LEAF_PREFIX == 0x00 && merkle::NODE_PREFIX == 0x01, "the hex above spells the prefixes");

/// A node's prefix then `hash`, in lower-case hex, in one allocation of its length.
fn node_then(hash: &Hash32) -> String {
    let mut text = String::with_capacity(NODE_HEX.len() + 64);
    text.push_str(NODE_HEX);
    text.push_str(const_hex::Buffer::<32>::new().format(&hash.0));
    text
}

/// What a replay's buffers hold without growing: a prefix byte and two hashes.
const REPLAY_CAPACITY: usize = 128;

/// Appends the bytes `hex` spells to `buffer`, read as `const_hex::decode` reads them (an
/// optional `0x`); `None` if it spells none.
fn push_hex(buffer: &mut Vec<u8>, hex: &str) -> Option<()> {
    let digits = hex.strip_prefix("0x").or_else(|| hex.strip_prefix("0X")).unwrap_or(hex);
    let start = buffer.len();
    buffer.resize(start + digits.len() / 2, 0);
    const_hex::decode_to_slice(hex, &mut buffer[start..]).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::merkle;

    #[test]
    fn hex_is_appended_as_decode_reads_it() {
        for hex in ["", "00", "0aFf", "0x0a", "0X0a", "0", "0x", "zz", "abc", "0xabc", "x0"] {
            let mut buffer = vec![7];
            let pushed = push_hex(&mut buffer, hex);
            match const_hex::decode(hex) {
                Ok(bytes) => assert_eq!((pushed, &buffer[1..]), (Some(()), &bytes[..]), "{hex:?}"),
                Err(_) => assert_eq!(pushed, None, "{hex:?}"),
            }
        }
    }

    fn proof_of(index: usize, n: u8) -> (ChainpointProof, Hash32) {
        let leaves: Vec<Hash32> = (0..n).map(|i| Hash32::of(&[i])).collect();
        let path = merkle::path(&leaves, index);
        let proof = ChainpointProof::build(&ProofInputs {
            tx_hash: leaves[index],
            path: &path,
            cluster: "cluster_B",
            height: 3,
            received_us: 1_500_000,
            start_us: DEFAULT_START_US,
            node_id: [1, 2, 3, 4, 5, 6],
        });
        (proof, merkle::root(&leaves))
    }

    #[test]
    fn a_proof_replays_to_the_block_root_and_names_its_anchor() {
        let (proof, root) = proof_of(3, 6);
        let (replayed, anchor) = proof.replay().unwrap();
        assert_eq!(replayed, root);
        assert_eq!(anchor, AnchorRef { cluster: "cluster_B".into(), height: 3 });
        assert_eq!(proof.hash_received, "2026-01-01T00:00:01Z");
        assert_eq!(&proof.proof_id[14..15], "1", "a version-1 uuid");
        let json = serde_json::to_value(&proof).unwrap();
        assert_eq!(json["@context"], "https://w3id.org/chainpoint/v4");
        assert!(json["branches"][0]["ops"][0].get("l").is_some() || json["branches"][0]["ops"][0].get("r").is_some());
    }

    #[test]
    fn a_proof_of_any_time_builds_without_panicking() {
        for received_us in [0, 251_635_075_200_000_000, u64::MAX / 2, u64::MAX] {
            let proof = proof_received_at(received_us);
            assert!(proof.hash_received.len() == 20, "{}", proof.hash_received);
        }
    }

    /// A one-transaction proof whose transaction the ledger received at `received_us`.
    fn proof_received_at(received_us: u64) -> ChainpointProof {
        let inputs = ProofInputs {
            tx_hash: Hash32::of(b"tx"),
            path: &[],
            cluster: "c",
            height: 1,
            received_us,
            start_us: DEFAULT_START_US,
            node_id: [0; 6],
        };
        ChainpointProof::build(&inputs)
    }

    fn uuid_ticks(received_us: u64) -> u64 {
        let id = uuid::Uuid::parse_str(&proof_received_at(received_us).proof_id).unwrap();
        assert_eq!(id.get_version_num(), 1);
        id.get_timestamp().unwrap().to_gregorian().0
    }

    #[test]
    fn the_proof_id_is_a_version_1_uuid_of_the_virtual_time_clamped_to_its_60_bits() {
        let epoch_ticks = 0x01B2_1DD2_1381_4000 + EPOCH_UNIX_SECONDS * 10_000_000;
        assert_eq!(uuid_ticks(0), epoch_ticks);
        assert_eq!(uuid_ticks(1_500_000), epoch_ticks + 15_000_000);
        assert_eq!(uuid_ticks(u64::MAX), (1 << 60) - 1, "past the 60 bits, the latest time a UUID holds");
    }

    /// The replay as the operations say it, one buffer rewritten by each (quadratic in the
    /// number of lefts): what the linear `replay` must equal.
    fn replay_by_the_letter(proof: &ChainpointProof) -> Option<Hash32> {
        let mut value = Hash32::from_hex(&proof.hash)?.0.to_vec();
        for op in &proof.branches[0].ops {
            match op {
                Op::Left(hex) => value = [const_hex::decode(hex.as_ref()).ok()?, value].concat(),
                Op::Right(hex) => value.extend(const_hex::decode(hex.as_ref()).ok()?),
                Op::Hash(_) => value = Hash32::of(&value).0.to_vec(),
                Op::Anchors(_) => {}
            }
        }
        Some(Hash32(value.try_into().ok()?))
    }

    #[test]
    fn many_left_operations_replay_as_the_operations_say_in_linear_time() {
        let (mut proof, _) = proof_of(1, 4);
        assert_eq!(proof.replay().map(|r| r.0), replay_by_the_letter(&proof));
        // Lefts of odd lengths between hashes, then a last hash: the same root as by the letter.
        let anchors = proof.branches[0].ops.pop().unwrap();
        for i in 0..50u8 {
            let hex = const_hex::encode(vec![i; usize::from(i % 7) + 1]);
            proof.branches[0].ops.push(Op::Left(hex.into()));
            if i % 9 == 0 {
                proof.branches[0].ops.push(Op::Right("abcd".into()));
                proof.branches[0].ops.push(Op::Hash(SHA_256.into()));
            }
        }
        proof.branches[0].ops.push(Op::Hash(SHA_256.into()));
        proof.branches[0].ops.push(anchors);
        assert_eq!(proof.replay().map(|r| r.0), replay_by_the_letter(&proof));
        // 200,000 one-byte lefts: quadratic copying would move 20 GB; linear replay is instant.
        let last = proof.branches[0].ops.pop().unwrap();
        proof.branches[0].ops.extend((0..200_000).map(|_| Op::Left("ff".into())));
        proof.branches[0].ops.extend([Op::Hash(SHA_256.into()), last]);
        assert!(proof.replay().is_some());
    }

    #[test]
    fn a_malformed_proof_does_not_replay_at_all() {
        let (proof, _) = proof_of(1, 4);
        assert!(proof.replay().is_some());
        let hash_ops: Vec<usize> =
            (0..proof.branches[0].ops.len()).filter(|i| matches!(proof.branches[0].ops[*i], Op::Hash(_))).collect();
        type Breakage = fn(&mut ChainpointProof, usize);
        let malformed: [(&str, Breakage); 5] = [
            ("another hash function", |p, i| p.branches[0].ops[i] = Op::Hash("sha-512".into())),
            ("a sibling that is not hex", |p, _| p.branches[0].ops[0] = Op::Left("zz".into())),
            ("a hash that is not hex", |p, _| p.hash = "not hex".into()),
            ("no anchor", |p, _| p.branches[0].ops.retain(|op| !matches!(op, Op::Anchors(_)))),
            ("an anchor id without a height", |p, _| {
                for op in &mut p.branches[0].ops {
                    if let Op::Anchors(anchors) = op {
                        anchors[0].anchor_id = "cluster_B".into();
                    }
                }
            }),
        ];
        for (what, break_it) in malformed {
            let mut broken = proof.clone();
            break_it(&mut broken, hash_ops[0]);
            assert_eq!(broken.replay(), None, "{what}");
        }
    }

    #[test]
    fn a_proof_builds_the_leaf_then_each_node_in_ordinary_steps() {
        let (proof, _) = proof_of(2, 3);
        let ops = &proof.branches[0].ops;
        let sha = || Op::Hash("sha-256".into());
        let leaves: Vec<Hash32> = (0..3).map(|i| Hash32::of(&[i])).collect();
        let left_pair = merkle::node(merkle::leaf(leaves[0]), merkle::leaf(leaves[1]));
        assert_eq!(ops[..2], [Op::Left("00".into()), sha()], "the leaf");
        assert_eq!(ops[2..4], [Op::Left(format!("01{}", left_pair.to_hex()).into()), sha()], "a sibling on the left");
        let (proof, _) = proof_of(0, 2);
        let ops = &proof.branches[0].ops;
        let right = Op::Right(merkle::leaf(Hash32::of(&[1])).to_hex().into());
        assert_eq!(ops[2..5], [Op::Left("01".into()), right, sha()], "a sibling on the right");
    }

    #[test]
    fn a_tampered_proof_does_not_replay_to_the_root() {
        let (mut proof, root) = proof_of(1, 4);
        proof.branches[0].ops[2] = Op::Left(Hash32::of(b"evil").to_hex().into());
        assert_ne!(proof.replay().unwrap().0, root);
        let (mut proof, root) = proof_of(1, 4);
        proof.hash = Hash32::of(b"other tx").to_hex().into();
        assert_ne!(proof.replay().unwrap().0, root);
    }

    #[test]
    fn a_proof_names_its_anchor_without_replaying_and_nothing_when_the_anchor_is_malformed() {
        let (proof, _) = proof_of(2, 5);
        assert_eq!(proof.anchor(), Some(AnchorRef { cluster: "cluster_B".into(), height: 3 }));
        assert_eq!(proof.anchor(), proof.replay().map(|(_, anchor)| anchor), "the anchor a replay reaches");
        let with_anchor_id = |id: &str| {
            let mut p = proof.clone();
            for op in &mut p.branches[0].ops {
                if let Op::Anchors(anchors) = op {
                    anchors[0].anchor_id = id.to_owned().into();
                }
            }
            p.anchor()
        };
        assert_eq!(with_anchor_id("a:b:7"), Some(AnchorRef { cluster: "a:b".into(), height: 7 }), "the last colon");
        assert_eq!(with_anchor_id("cluster_B"), None);
        assert_eq!(with_anchor_id("cluster_B:three"), None);
        let mut no_anchor = proof.clone();
        no_anchor.branches[0].ops.retain(|op| !matches!(op, Op::Anchors(_)));
        assert_eq!(no_anchor.anchor(), None);
        let mut no_branch = proof;
        no_branch.branches.clear();
        assert_eq!(no_branch.anchor(), None);
    }
}
