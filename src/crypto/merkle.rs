//! The SHA-256 Merkle tree over a block's transaction hashes, with leaves and inner nodes
//! hashed apart as RFC 6962 does: a leaf is `sha256(0x00 ‖ tx hash)`, a parent is
//! `sha256(0x01 ‖ left ‖ right)`, and a node without a sibling on its level is carried up
//! unchanged. So no inner node (nor the root) is ever the leaf of a transaction: a proof
//! whose start is an inner node does not replay to the root.
//!
//! A path is the list of siblings from the leaf to the root, each on its side; a block of one
//! transaction has an empty path (its root is its leaf).

use super::Hash32;
use serde::{Deserialize, Serialize};

/// One step of a Merkle path: a sibling and the side it sits on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PathStep {
    /// The sibling is on the left: `sha256(0x01 ‖ sibling ‖ current)`.
    Left(Hash32),
    /// The sibling is on the right: `sha256(0x01 ‖ current ‖ sibling)`.
    Right(Hash32),
}

/// The byte a leaf's hash starts from.
pub const LEAF_PREFIX: u8 = 0x00;
/// The byte an inner node's hash starts from.
pub const NODE_PREFIX: u8 = 0x01;

/// The leaf of a transaction: `sha256(0x00 ‖ tx hash)`.
pub fn leaf(tx_hash: Hash32) -> Hash32 {
    Hash32::of_parts(&[&[LEAF_PREFIX], &tx_hash.0])
}

/// An inner node: `sha256(0x01 ‖ left ‖ right)`.
pub fn node(left: Hash32, right: Hash32) -> Hash32 {
    Hash32::of_parts(&[&[NODE_PREFIX], &left.0, &right.0])
}

/// A block's tree, built once: its root and every transaction's path are read from its
/// levels (a path costs its length, not a rebuild of the tree).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tree {
    /// The leaves first, the root's level (one node) last; a block without transactions has
    /// one empty level.
    levels: Vec<Vec<Hash32>>,
}

impl Tree {
    /// The tree over a block's transaction hashes, in the block's order.
    pub fn new(tx_hashes: &[Hash32]) -> Self {
        let mut levels = vec![tx_hashes.iter().copied().map(leaf).collect::<Vec<_>>()];
        while let Some(level) = levels.last().filter(|level| level.len() > 1) {
            let next = next_level(level);
            levels.push(next);
        }
        Self { levels }
    }

    /// The root (zeros for a block without transactions, which no ledger commits).
    pub fn root(&self) -> Hash32 {
        self.levels.last().and_then(|level| level.first()).copied().unwrap_or(Hash32([0; 32]))
    }

    /// The path from the transaction at `index` to the root.
    pub fn path(&self, mut index: usize) -> Vec<PathStep> {
        let mut steps = Vec::with_capacity(self.levels.len().saturating_sub(1));
        for level in &self.levels[..self.levels.len() - 1] {
            let sibling = index ^ 1;
            if let Some(hash) = level.get(sibling) {
                steps.push(if index.is_multiple_of(2) { PathStep::Right(*hash) } else { PathStep::Left(*hash) });
            }
            index /= 2;
        }
        steps
    }
}

/// The root of the tree over a block's transaction hashes, in the block's order (which must
/// not be empty).
#[cfg(test)]
pub fn root(tx_hashes: &[Hash32]) -> Hash32 {
    Tree::new(tx_hashes).root()
}

fn next_level(level: &[Hash32]) -> Vec<Hash32> {
    level
        .chunks(2)
        .map(|pair| match pair {
            [left, right] => node(*left, *right),
            [single] => *single,
            _ => unreachable!("chunks(2) yields one or two"),
        })
        .collect()
}

/// The path from the transaction at `index` to the root (one path: `Tree` gives several).
pub fn path(tx_hashes: &[Hash32], index: usize) -> Vec<PathStep> {
    Tree::new(tx_hashes).path(index)
}

/// Replays a path from a transaction hash: the root it leads to.
pub fn replay(tx_hash: Hash32, steps: &[PathStep]) -> Hash32 {
    steps.iter().fold(leaf(tx_hash), |current, step| match step {
        PathStep::Left(sibling) => node(*sibling, current),
        PathStep::Right(sibling) => node(current, *sibling),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: u8) -> Vec<Hash32> {
        (0..n).map(|i| Hash32::of(&[i])).collect()
    }

    #[test]
    fn every_path_leads_to_the_root() {
        for n in 1..=9 {
            let leaves = leaves(n);
            let root = root(&leaves);
            for (i, leaf) in leaves.iter().enumerate() {
                assert_eq!(replay(*leaf, &path(&leaves, i)), root, "n={n} i={i}");
            }
        }
    }

    /// The path as the tree's definition gives it: rebuild each level, take the sibling.
    fn rebuilt_path(tx_hashes: &[Hash32], mut index: usize) -> Vec<PathStep> {
        let mut steps = Vec::new();
        let mut level: Vec<Hash32> = tx_hashes.iter().copied().map(leaf).collect();
        while level.len() > 1 {
            if let Some(sibling) = level.get(index ^ 1) {
                steps.push(if index.is_multiple_of(2) { PathStep::Right(*sibling) } else { PathStep::Left(*sibling) });
            }
            level = next_level(&level);
            index /= 2;
        }
        steps
    }

    #[test]
    fn a_tree_built_once_gives_each_path_the_definition_gives() {
        for n in 1..=33 {
            let leaves = leaves(n);
            let tree = Tree::new(&leaves);
            assert_eq!(tree.root(), root(&leaves), "n={n}");
            for i in 0..leaves.len() {
                assert_eq!(tree.path(i), rebuilt_path(&leaves, i), "n={n} i={i}");
            }
        }
        assert_eq!(Tree::new(&[]).root(), Hash32([0; 32]));
        assert!(Tree::new(&[]).path(0).is_empty());
    }

    #[test]
    fn a_single_transaction_has_an_empty_path_and_its_leaf_for_root() {
        let leaves = leaves(1);
        assert!(path(&leaves, 0).is_empty());
        assert_eq!(root(&leaves), leaf(leaves[0]));
        assert_ne!(root(&leaves), leaves[0], "a transaction hash is never a root");
    }

    #[test]
    fn leaves_and_nodes_are_hashed_apart_as_rfc_6962_does() {
        let (a, b, c) = (Hash32::of(b"a"), Hash32::of(b"b"), Hash32::of(b"c"));
        assert_eq!(leaf(a), Hash32::of(&[&[0u8][..], &a.0].concat()));
        assert_eq!(node(a, b), Hash32::of(&[&[1u8][..], &a.0, &b.0].concat()));
        assert_eq!(root(&[a, b]), node(leaf(a), leaf(b)));
        // A last odd node is carried up unchanged.
        assert_eq!(root(&[a, b, c]), node(node(leaf(a), leaf(b)), leaf(c)));
    }

    #[test]
    fn an_inner_node_or_the_root_is_no_transaction_of_the_block() {
        let leaves = leaves(4);
        let root = root(&leaves);
        let inner = node(leaf(leaves[0]), leaf(leaves[1]));
        // The inner node with the path from its level up, and the root with an empty path.
        let upper = vec![PathStep::Right(node(leaf(leaves[2]), leaf(leaves[3])))];
        assert_eq!(node(inner, node(leaf(leaves[2]), leaf(leaves[3]))), root, "the path is the real one");
        assert_ne!(replay(inner, &upper), root, "an inner node replays as a leaf, to another root");
        assert_ne!(replay(root, &[]), root, "the root with no path is no proof");
    }

    #[test]
    fn a_changed_leaf_or_sibling_fails() {
        let leaves = leaves(5);
        let root = root(&leaves);
        let mut steps = path(&leaves, 2);
        assert_ne!(replay(Hash32::of(b"other"), &steps), root);
        steps[0] = match steps[0] {
            PathStep::Left(_) => PathStep::Left(Hash32::of(b"x")),
            PathStep::Right(_) => PathStep::Right(Hash32::of(b"x")),
        };
        assert_ne!(replay(leaves[2], &steps), root);
    }
}
