//! The invariants' own reading of signed evidence. It shares no code with what it checks:
//! each signer's public key is derived afresh from the seed by the documented rule (the
//! ed25519 secret is SHA-256 of the seed's eight big-endian bytes followed by
//! `finsim/key/<actor>`), not taken from the run's keyring and its memo; each signature is
//! verified with `verify_strict`, over the exact bytes that travelled; only then is the
//! payload decoded, and its header must match the envelope's.

use crate::protocol::envelope::{Envelope, Message};
use crate::protocol::ids::ActorId;
use crate::protocol::message::Transfer;
use ed25519_dalek::{Signature, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Re-verifies envelopes of one run (the default: of a run with seed 0).
#[derive(Clone, Debug, Default)]
pub struct Witness {
    seed: u64,
    keys: BTreeMap<ActorId, VerifyingKey>,
    /// Every envelope is the null signer's: signatures are not checked, headers still are.
    null_signer: bool,
}

impl Witness {
    /// A witness of the run with `seed`.
    pub fn new(seed: u64) -> Self {
        Self { seed, keys: BTreeMap::new(), null_signer: false }
    }

    /// A witness of a run with `seed` whose every envelope the null signer sealed
    /// (`sim::Settings::null_signer`, for measuring): it checks no signature, only that the
    /// signed header is the routing header.
    pub fn of_null_signer(seed: u64) -> Self {
        Self { null_signer: true, ..Self::new(seed) }
    }

    /// The public key of an actor, derived from the seed.
    pub fn key(&mut self, actor: &ActorId) -> VerifyingKey {
        let seed = self.seed;
        *self.keys.entry(actor.clone()).or_insert_with(|| {
            let secret: [u8; 32] = Sha256::new()
                .chain_update(seed.to_be_bytes())
                .chain_update(format!("finsim/key/{actor}").as_bytes())
                .finalize()
                .into();
            SigningKey::from_bytes(&secret).verifying_key()
        })
    }

    /// The message of an envelope whose signature is its claimed sender's; why not, otherwise.
    pub fn open(&mut self, envelope: &Envelope) -> Result<Message, String> {
        self.open_decoded(envelope, decode(envelope))
    }

    /// `open`, for an envelope whose bytes the caller has decoded already (with `decode`): the
    /// signature is checked over the bytes that travelled, then the decoded header against the
    /// routing header.
    pub fn open_decoded(&mut self, envelope: &Envelope, decoded: Option<Message>) -> Result<Message, String> {
        if !self.null_signer {
            let key = self.key(&envelope.from);
            let signature = Signature::from_bytes(&envelope.signature);
            crate::crypto::tally::verified(envelope.payload().len());
            key.verify_strict(envelope.payload(), &signature)
                .map_err(|_| format!("its signature is not {}'s", envelope.from))?;
        }
        let message = decoded.ok_or_else(|| "its signed bytes do not decode".to_owned())?;
        if message.from != envelope.from || message.to != envelope.to || message.request_id != envelope.request_id {
            return Err("its signed header differs from its routing header".to_owned());
        }
        Ok(message)
    }
}

/// What identifies a transfer its user signed once, whatever request carries it: SHA-256 of
/// its nonce and the template hash the user signed.
pub fn signed_transfer(transfer: &Transfer) -> [u8; 32] {
    Sha256::new().chain_update(transfer.nonce).chain_update(transfer.signature.template_hash.0).finalize().into()
}

/// The message an envelope carries, decoded without any check (for evidence whose signature
/// another invariant judges, or bytes that arrived whatever they said).
pub fn decode(envelope: &Envelope) -> Option<Message> {
    postcard::from_bytes(envelope.payload()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::keys;
    use crate::protocol::ids::{Address, OrgId};
    use crate::protocol::message::Body;

    fn sealed() -> Envelope {
        let from = ActorId::Org(OrgId::from("org_1"));
        let to = Address::Actor(ActorId::Org(OrgId::from("org_2")));
        let message = Message { request_id: 4, from: from.clone(), to, body: Body::SettlementAck };
        Envelope::seal(message, &keys::actor_key(9, &from))
    }

    #[test]
    fn the_witness_opens_what_its_sender_sealed_and_refuses_each_header_changed_alone() {
        let mut witness = Witness::new(9);
        assert!(witness.open(&sealed()).is_ok());
        let mut rerouted = sealed();
        rerouted.to = Address::Actor(ActorId::Org(OrgId::from("org_3")));
        let mut renumbered = sealed();
        renumbered.request_id = 5;
        for changed in [rerouted, renumbered] {
            let refused = witness.open(&changed).unwrap_err();
            assert_eq!(refused, "its signed header differs from its routing header");
        }
        let mut claimed = sealed();
        claimed.from = ActorId::Org(OrgId::from("org_3"));
        assert_eq!(witness.open(&claimed).unwrap_err(), "its signature is not org_3's");
        assert!(Witness::new(10).open(&sealed()).is_err(), "keys come from the run's seed");
    }
}
