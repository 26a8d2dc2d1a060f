//! The canonical bytes of a protocol value: its postcard encoding, what a signature covers and
//! a transaction hash is taken over. Written without growing a fresh buffer for each value:
//! an envelope's payload is encoded into one scratch buffer per thread and copied out at its
//! exact length (postcard's `to_allocvec` doubles an empty vector, five times for a typical
//! message); a hash is taken as the bytes are written, with no buffer at all.

use crate::crypto::Hash32;
use postcard::ser_flavors::Flavor;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::cell::RefCell;

thread_local! {
    /// The scratch buffer `bytes` encodes into (it keeps the capacity of the largest value).
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// The canonical bytes of `value`, in a vector of their exact length.
pub fn bytes<T: Serialize + ?Sized>(value: &T) -> postcard::Result<Vec<u8>> {
    SCRATCH.with(|scratch| {
        // A value whose encoding encodes another (none does today) takes a buffer of its own.
        let Ok(mut scratch) = scratch.try_borrow_mut() else { return postcard::to_allocvec(value) };
        scratch.clear();
        let written = postcard::serialize_with_flavor(value, Scratch(&mut scratch)).map(|()| scratch.to_vec());
        scratch.clear();
        written
    })
}

/// SHA-256 of the canonical bytes of `value`, hashed as they are written.
pub fn hash<T: Serialize + ?Sized>(value: &T) -> postcard::Result<Hash32> {
    postcard::serialize_with_flavor(value, Hashing(Sha256::new()))
}

/// Encoding into the thread's scratch buffer.
struct Scratch<'a>(&'a mut Vec<u8>);

impl Flavor for Scratch<'_> {
    type Output = ();

    fn try_extend(&mut self, data: &[u8]) -> postcard::Result<()> {
        self.0.extend_from_slice(data);
        Ok(())
    }

    fn try_push(&mut self, data: u8) -> postcard::Result<()> {
        self.0.push(data);
        Ok(())
    }

    fn finalize(self) -> postcard::Result<()> {
        Ok(())
    }
}

/// Encoding straight into SHA-256.
struct Hashing(Sha256);

impl Flavor for Hashing {
    type Output = Hash32;

    fn try_extend(&mut self, data: &[u8]) -> postcard::Result<()> {
        self.0.update(data);
        Ok(())
    }

    fn try_push(&mut self, data: u8) -> postcard::Result<()> {
        self.0.update([data]);
        Ok(())
    }

    fn finalize(self) -> postcard::Result<Hash32> {
        Ok(Hash32(self.0.finalize().into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::ids::{ActorId, Address, OrgId, ResourceId};

    #[test]
    fn the_canonical_bytes_and_hash_are_postcards_encoding_and_its_sha256() {
        let values = [
            (ActorId::Org(OrgId::from("org_1")), Address::Cluster("cluster_B".into()), 7u64),
            (
                ActorId::User(ResourceId::parse("org_2:100:a").unwrap()),
                Address::Actor(ActorId::Org("o".into())),
                1 << 40,
            ),
        ];
        for value in &values {
            let encoded = postcard::to_allocvec(value).unwrap();
            assert_eq!(bytes(value).unwrap(), encoded);
            assert_eq!(hash(value).unwrap(), Hash32::of(&encoded));
        }
        // The scratch buffer keeps nothing of an earlier value.
        assert_eq!(bytes(&1u8).unwrap(), [1]);
        assert_eq!(hash(&1u8).unwrap(), Hash32::of(&[1]), "a single byte is hashed too");
        assert_eq!(bytes("").unwrap(), [0]);
    }
}
