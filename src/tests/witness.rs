//! The checks' witness reads what it judges of a state change's cause from the signed bytes by
//! its own description of the wire format, and stops there (`check::invariants::witness::
//! read_head`). Held here to the whole decoding of every message that every bundled scenario
//! sends, every kind of message among them, so that its variants stay in `Body`'s order and each
//! field it reads is the field it names.

use super::{bundled, load};
use crate::check::invariants::witness::{self, BodyHead};
use crate::protocol::message::{Body, Kind};
use std::collections::BTreeSet;

#[test]
fn the_witness_reads_of_every_message_what_its_whole_decoding_says() {
    let runner = crate::sim::Runner::new();
    let settings = crate::sim::Settings { record_envelopes: true, ..Default::default() };
    let mut kinds = BTreeSet::new();
    for path in bundled() {
        let scenario = load(&path);
        for sent in runner.simulate(crate::sim::Job::new(&scenario, scenario.seed).settings(settings), ()).sent {
            let message = sent.envelope.read().expect("a sealed envelope decodes");
            let head = witness::read_head(&sent.envelope).expect("a sealed envelope's head reads");
            let what = format!("{} in {}", message.body.kind(), path.display());
            assert_eq!(head.body.kind(), message.body.kind(), "{what}");
            assert_eq!(head.request_id, message.request_id, "{what}");
            assert!(witness::names(&message.from, head.from), "{what}");
            assert!(witness::names(&message.to, head.to), "{what}");
            match (&head.body, &message.body) {
                (BodyHead::Advertisement { cluster, org }, Body::Advertisement(a)) => {
                    assert_eq!((*cluster, *org), (a.cluster.as_str(), a.org.as_str()), "{what}");
                }
                (BodyHead::GetResponse { resource }, Body::GetResponse(r)) => {
                    assert_eq!(*resource, r.resource.to_string(), "{what}");
                }
                (BodyHead::Transfer { from, to, asset_id, quantity, nonce, signature }, Body::Transfer(t)) => {
                    assert_eq!((from.id, from.finid), (t.from.id.to_string().as_str(), &*t.from.finid));
                    assert_eq!((to.id, to.finid), (t.to.id.to_string().as_str(), &*t.to.finid));
                    assert_eq!((*asset_id, *quantity, nonce), (t.asset_id.to_string().as_str(), t.quantity, &t.nonce));
                    assert_eq!(
                        (signature.alg, &signature.template_hash),
                        (&*t.signature.alg, &t.signature.template_hash.0)
                    );
                    let signed = witness::signed_transfer(nonce, &signature.template_hash);
                    assert_eq!(signed, witness::signed_transfer(&t.nonce, &t.signature.template_hash.0), "{what}");
                }
                (
                    BodyHead::Submit { request_id, tx_id, asset, source, destination, quantity, submitter },
                    Body::Submit(tx),
                ) => {
                    assert_eq!((*request_id, tx_id), (tx.request_id, &tx.tx_id.0), "{what}");
                    let read = [*asset, *source, *destination, *submitter].map(str::to_owned);
                    let whole = [
                        tx.asset.to_string(),
                        tx.source.to_string(),
                        tx.destination.to_string(),
                        tx.submitter.to_string(),
                    ];
                    assert_eq!((read, *quantity), (whole, tx.quantity), "{what}");
                }
                (BodyHead::Hold(op), Body::Hold(whole)) | (BodyHead::Release(op), Body::Release(whole)) => {
                    assert_eq!(
                        (op.request_id, &op.tx_id, op.quantity),
                        (whole.request_id, &whole.tx_id.0, whole.quantity)
                    );
                    let read = [op.asset, op.account, op.submitter].map(str::to_owned);
                    assert_eq!(read, [whole.asset.to_string(), whole.account.to_string(), whole.submitter.to_string()]);
                }
                _ => {}
            }
            kinds.insert(message.body.kind().word());
        }
    }
    // Every kind of message is among them: the reading's variants are held to `Body`'s order.
    let every = [
        Kind::Advertisement,
        Kind::Get,
        Kind::GetResponse,
        Kind::Verify,
        Kind::VerifyAnswer,
        Kind::Order,
        Kind::SignRequest,
        Kind::SignResponse,
        Kind::Transfer,
        Kind::TxAccepted,
        Kind::Settlement,
        Kind::SettlementAck,
        Kind::Submit,
        Kind::BlockCommitted,
        Kind::SyncRequest,
        Kind::VerifyProof,
        Kind::ProofAnswer,
        Kind::BalanceQuery,
        Kind::BalanceAnswer,
        Kind::StatusQuery,
        Kind::StatusAnswer,
        Kind::Hold,
        Kind::Release,
        Kind::EscrowCommitted,
    ];
    let missing: Vec<_> = every.iter().map(|k| k.word()).filter(|k| !kinds.contains(k)).collect();
    assert!(missing.is_empty(), "no bundled scenario sends {missing:?}");
}
