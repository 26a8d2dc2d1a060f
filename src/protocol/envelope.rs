//! Signed envelopes: the only thing that crosses the network.
//!
//! The sender signs the canonical (postcard) bytes of `(request_id, from, to, body)`
//! with ed25519 and sends those exact bytes. A receiver verifies the signature with
//! the claimed sender's public key before it decodes anything, then checks that the
//! decoded header matches the one it routed on. Damage in transit (a flipped bit) and
//! forgery look the same: the signature fails.

use super::ids::{ActorId, Address};
use super::message::{Body, Kind};
use crate::protocol::keys::{self, Keyring};
use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// What the signature covers.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Message {
    /// The exchange this message belongs to.
    pub request_id: u64,
    /// The sender.
    pub from: ActorId,
    /// The receiver: an actor or a whole cluster.
    pub to: Address,
    /// The typed body.
    pub body: Body,
}

/// A sealed message on the wire.
///
/// Its bytes are read-only (`payload`); the one change a network makes to them in transit is
/// `flip_bit`. An envelope sealed here remembers the message it was sealed from, so that
/// opening it does not decode what was just encoded (`Memo`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Envelope {
    /// Routing header (in the clear, also inside the signed payload).
    pub request_id: u64,
    /// Routing header: the claimed sender.
    pub from: ActorId,
    /// Routing header: the receiver.
    pub to: Address,
    /// The message kind, for the trace.
    pub kind: Kind,
    /// The canonical bytes the signature covers.
    payload: Vec<u8>,
    /// The sender's ed25519 signature over `payload`.
    pub signature: [u8; 64],
    /// The message `payload` encodes, when the envelope was sealed from it and its bytes have
    /// not changed since.
    memo: Memo,
}

/// The message an envelope's bytes encode, kept from when it was sealed: `decode(payload)`
/// would give it again (postcard's encoding of a `Message` decodes to an equal one), so an
/// opening reads it instead of decoding. It is not part of what an envelope is: two envelopes
/// with the same header, bytes and signature are equal, and hash alike, whether or not they
/// remember it.
#[derive(Clone, Debug, Default)]
struct Memo(Option<Arc<Message>>);

impl PartialEq for Memo {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Memo {}

impl std::hash::Hash for Memo {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

/// Why a received envelope was discarded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rejection {
    /// The signature does not verify with the claimed sender's key (or the sender is unknown).
    BadSignature,
    /// The payload does not decode, or its header differs from the routing header.
    Malformed,
}

impl Envelope {
    /// Signs and seals a message with `key`.
    pub fn seal(message: Message, key: &SigningKey) -> Self {
        Self::seal_with(Arc::new(message), |payload| keys::sign(key, payload))
    }

    /// Seals a message with the signature `sign` makes of its canonical bytes (a real key's, or
    /// a null signer's: see `actors::boundary`).
    pub fn seal_with(message: Arc<Message>, sign: impl FnOnce(&[u8]) -> [u8; 64]) -> Self {
        let payload = super::canonical::bytes(&*message).expect("a message always encodes");
        let signature = sign(&payload);
        Self {
            request_id: message.request_id,
            kind: message.body.kind(),
            from: message.from.clone(),
            to: message.to.clone(),
            payload,
            signature,
            memo: Memo(Some(message)),
        }
    }

    /// The canonical bytes the signature covers.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// Flips one bit of the bytes (`bit` counted from the first byte's lowest bit; past the end,
    /// from the start again), as damage in transit does: the envelope no longer remembers the
    /// message it was sealed from.
    pub fn flip_bit(&mut self, bit: usize) {
        // Never empty: a message encodes to at least its request id.
        let bit = bit % (self.payload.len() * 8);
        self.payload[bit / 8] ^= 1 << (bit % 8);
        self.memo = Memo(None);
    }

    /// The message the envelope was sealed from, while its bytes are unchanged.
    pub fn sealed_from(&self) -> Option<&Arc<Message>> {
        self.memo.0.as_ref()
    }

    /// The message the bytes encode, if they decode to one.
    fn decoded(&self) -> Option<Message> {
        match &self.memo.0 {
            Some(message) => Some((**message).clone()),
            None => postcard::from_bytes(&self.payload).ok(),
        }
    }

    /// Verifies the signature, then decodes the message.
    pub fn open(&self, keyring: &Keyring) -> Result<Message, Rejection> {
        self.open_checked(keyring)
    }

    /// The message as its bytes say, signature not checked (for evidence and misbehaviours
    /// that read what was sent; an honest receiver uses `open`).
    pub fn read(&self) -> Option<Message> {
        self.decoded()
    }

    fn open_checked(&self, keyring: &Keyring) -> Result<Message, Rejection> {
        if !keyring.verify(&self.from, &self.payload, &self.signature) {
            return Err(Rejection::BadSignature);
        }
        self.open_unverified()
    }

    /// Decodes the message and matches its header, without checking the signature: for a
    /// driver whose every signer is the null signer (no forgery is possible there).
    pub fn open_unverified(&self) -> Result<Message, Rejection> {
        let message = self.decoded().ok_or(Rejection::Malformed)?;
        if message.from != self.from || message.to != self.to || message.request_id != self.request_id {
            return Err(Rejection::Malformed);
        }
        Ok(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::ids::OrgId;
    use crate::protocol::message::{GetRequest, APPLICATION_JSON};

    fn setup() -> (Keyring, SigningKey, Message) {
        let from = ActorId::Org(OrgId::from("org_1"));
        let key = keys::actor_key(1, &from);
        let mut keyring = Keyring::default();
        keyring.insert(from.clone(), key.verifying_key());
        let message = Message {
            request_id: 5,
            from,
            to: Address::Actor(ActorId::Org(OrgId::from("org_2"))),
            body: Body::Get(GetRequest {
                accept_types: vec![APPLICATION_JSON.into()].into(),
                resource: crate::protocol::ids::ResourceId::parse("org_2:101:a").unwrap(),
            }),
        };
        (keyring, key, message)
    }

    #[test]
    fn a_sealed_envelope_opens() {
        let (keyring, key, message) = setup();
        assert_eq!(Envelope::seal(message.clone(), &key).open(&keyring), Ok(message));
    }

    #[test]
    fn a_tampered_envelope_is_rejected() {
        let (keyring, key, message) = setup();
        let mut envelope = Envelope::seal(message, &key);
        envelope.flip_bit(envelope.payload().len() * 8 - 1);
        assert_eq!(envelope.open(&keyring), Err(Rejection::BadSignature));
    }

    #[test]
    fn an_envelope_opens_to_what_its_bytes_decode_to_whether_or_not_it_remembers_its_message() {
        let (_, key, message) = setup();
        let sealed = Envelope::seal(message.clone(), &key);
        let decoded: Message = postcard::from_bytes(sealed.payload()).unwrap();
        assert_eq!(decoded, message);
        assert_eq!(sealed.open_unverified(), Ok(message.clone()));
        // Damage forgets the message: what opens is what the altered bytes say.
        let mut altered = sealed.clone();
        altered.flip_bit(7);
        assert_eq!(altered.payload()[0], sealed.payload()[0] ^ 0x80, "bit 7 is the first byte's highest");
        assert!(altered.memo.0.is_none());
        assert_eq!(altered.open_unverified().ok(), postcard::from_bytes(altered.payload()).ok());
        assert_ne!(altered, sealed, "the bytes differ");
        // Flipped back, the bytes are the sealed ones again: equal, though it no longer remembers.
        altered.flip_bit(7);
        assert_eq!(altered, sealed);
        assert_eq!(altered.open_unverified(), Ok(message));
        // Past the end, the count starts again from the first byte.
        let mut wrapped = sealed.clone();
        wrapped.flip_bit(sealed.payload().len() * 8 + 9);
        assert_eq!(wrapped.payload()[1], sealed.payload()[1] ^ 0x02);
        assert_eq!(wrapped.payload()[0], sealed.payload()[0]);
    }

    #[test]
    fn a_forged_envelope_is_rejected() {
        let (keyring, _, message) = setup();
        let forger = keys::forged_key(1, &message.from);
        assert_eq!(Envelope::seal(message, &forger).open(&keyring), Err(Rejection::BadSignature));
    }

    #[test]
    fn a_rerouted_envelope_is_malformed() {
        let (keyring, key, message) = setup();
        let mut envelope = Envelope::seal(message, &key);
        envelope.to = Address::Actor(ActorId::Org(OrgId::from("org_3")));
        assert_eq!(envelope.open(&keyring), Err(Rejection::Malformed));
    }
}
