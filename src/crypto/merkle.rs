//! The SHA-256 Merkle tree over a block's transaction hashes.
//!
//! Parents are `sha256(left ‖ right)`; a node without a sibling on its level is
//! carried up unchanged. A proof is the list of siblings from the leaf to the root,
//! each on its side; a block of one transaction has an empty proof.

use super::Hash32;
use serde::{Deserialize, Serialize};

/// One step of a Merkle path: a sibling and the side it sits on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PathStep {
    /// The sibling is on the left: `sha256(sibling ‖ current)`.
    Left(Hash32),
    /// The sibling is on the right: `sha256(current ‖ sibling)`.
    Right(Hash32),
}

/// The root of the tree over `leaves` (which must not be empty).
pub fn root(leaves: &[Hash32]) -> Hash32 {
    let mut level = leaves.to_vec();
    while level.len() > 1 {
        level = next_level(&level);
    }
    level.first().copied().unwrap_or(Hash32([0; 32]))
}

fn next_level(level: &[Hash32]) -> Vec<Hash32> {
    level
        .chunks(2)
        .map(|pair| match pair {
            [left, right] => Hash32::of_parts(&[&left.0, &right.0]),
            [single] => *single,
            _ => unreachable!("chunks(2) yields one or two"),
        })
        .collect()
}

/// The path from leaf `index` to the root.
pub fn path(leaves: &[Hash32], mut index: usize) -> Vec<PathStep> {
    let mut steps = Vec::new();
    let mut level = leaves.to_vec();
    while level.len() > 1 {
        let sibling = index ^ 1;
        if sibling < level.len() {
            steps.push(if index.is_multiple_of(2) {
                PathStep::Right(level[sibling])
            } else {
                PathStep::Left(level[sibling])
            });
        }
        level = next_level(&level);
        index /= 2;
    }
    steps
}

/// Replays a path from a leaf: the root it leads to.
pub fn replay(leaf: Hash32, steps: &[PathStep]) -> Hash32 {
    steps.iter().fold(leaf, |current, step| match step {
        PathStep::Left(sibling) => Hash32::of_parts(&[&sibling.0, &current.0]),
        PathStep::Right(sibling) => Hash32::of_parts(&[&current.0, &sibling.0]),
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

    #[test]
    fn a_single_leaf_has_an_empty_path() {
        let leaves = leaves(1);
        assert!(path(&leaves, 0).is_empty());
        assert_eq!(root(&leaves), leaves[0]);
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
