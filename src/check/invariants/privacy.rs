//! `privacy`: an org saw a user's personal data only from that user's org, and only while it
//! managed the asset of a pending transfer to that user, or of a pending issue to that user.
//!
//! What an org saw is read from the network's record of deliveries (the bytes as sent, so a
//! copy damaged in transit still counts), not from what the orgs say they gave. A transfer is
//! pending from its start until its buyer's org knew its final status; the data must have been
//! sent within that window.

use crate::check::observations::Observations;
use crate::check::Check;
use crate::protocol::ids::{OrgId, ResourceId};
use crate::scenario::Scenario;
use std::collections::{BTreeMap, BTreeSet};

/// Checks every delivery of personal data.
pub fn privacy(scenario: &Scenario, seen: &Observations) -> Check {
    let mut broken = BTreeSet::new();
    let mut deliveries = 0;
    // The transfers of each (buyer, org of the asset), found once: a delivery is judged against
    // its own user's transfers, not against the whole flow.
    let mut transfers: BTreeMap<(&ResourceId, &OrgId), Vec<u64>> = BTreeMap::new();
    for step in &scenario.flow {
        if let (Some(request_id), Some((user, asset))) = (step.action.request_id(), step.action.data_subject()) {
            transfers.entry((user, &asset.org)).or_default().push(request_id);
        }
    }
    let plan_receivers = super::plans::receivers(scenario);
    for delivery in &seen.data_deliveries {
        let user = &delivery.resource;
        if !delivery.ivms || !delivery.given || user.org == delivery.to {
            continue;
        }
        deliveries += 1;
        let (from, to, at_ms) = (&delivery.from, &delivery.to, delivery.sent_us / 1000);
        if from != &user.org {
            broken.insert(format!("{to} saw {user}'s personal data from {from}, not from {}", user.org));
        } else if !pending(seen, transfers.get(&(user, to)).map_or(&[], Vec::as_slice), delivery.sent_us)
            && !super::plans::pending(
                seen,
                plan_receivers.get(&(user.clone(), to.clone())).map_or(&[], Vec::as_slice),
                delivery.sent_us,
            )
        {
            let plans = if plan_receivers.is_empty() { "" } else { ", nor plan paying them from it," };
            broken.insert(format!(
                "{to} saw {user}'s personal data sent at {at_ms} ms, when no transfer or issue to {user} of an \
                 asset {to} manages{plans} was pending"
            ));
        }
    }
    if broken.is_empty() {
        return Check::new(
            "privacy",
            true,
            format!(
                "{deliveries} delivery(ies) of personal data, each from the user's org for a pending transfer or issue"
            ),
        );
    }
    Check::new("privacy", false, broken.into_iter().collect::<Vec<_>>().join("; "))
}

/// For every user whose personal data reached another org, the orgs it reached (its own org
/// excepted): one pass over the deliveries.
pub fn seen_by(seen: &Observations) -> BTreeMap<ResourceId, BTreeSet<OrgId>> {
    let mut saw: BTreeMap<ResourceId, BTreeSet<OrgId>> = BTreeMap::new();
    for delivery in &seen.data_deliveries {
        // A user's data is only ever given as an IVMS-101 document; a refusal carries no payload.
        if delivery.resource.is_user() && delivery.given && delivery.to != delivery.resource.org {
            saw.entry(delivery.resource.clone()).or_default().insert(delivery.to.clone());
        }
    }
    saw
}

/// Whether one of these transfers (of the user, of an asset the receiving org manages) was
/// pending at `t_us`.
fn pending(seen: &Observations, transfers: &[u64], t_us: u64) -> bool {
    transfers.iter().any(|request_id| {
        let started = seen.transfer_starts.get(request_id).is_some_and(|start| *start <= t_us);
        let open = seen.transfers.get(request_id).is_none_or(|known| known.t_us >= t_us);
        started && open
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::observations::{Delivery, KnownFinal};
    use crate::protocol::cause::Cause;
    use crate::protocol::envelope::{Envelope, Message};
    use crate::protocol::ids::{ActorId, Address};
    use crate::protocol::keys;
    use crate::protocol::message::{Body, GetResponse, APPLICATION_IVMS101, APPLICATION_JSON};
    use crate::scenario;
    use std::sync::Arc;

    fn org(name: &str) -> OrgId {
        OrgId::from(name)
    }

    /// The sample flow's transfer 10101 pending from 1,000 µs to 5,000 µs, and one delivery.
    fn seen_with(from: &str, to: &str, sent_us: u64, content_type: &str) -> Observations {
        let user = ResourceId::parse("org_1:100:user_1").unwrap();
        let message = Message {
            request_id: 10101,
            from: ActorId::Org(org(from)),
            to: Address::Actor(ActorId::Org(org(to))),
            body: Body::GetResponse(GetResponse {
                resource: user,
                status: crate::protocol::status::Status::Ok,
                content_type: content_type.to_owned().into(),
                payload: Some("{\"originator\":{}}".to_owned().into()),
            }),
        };
        let envelope = Arc::new(Envelope::seal(message, &keys::actor_key(1, &ActorId::Org(org(from)))));
        let mut seen = Observations::default();
        seen.transfer_starts.insert(10101, 1_000);
        let known = KnownFinal {
            operation: None,
            settled: true,
            reason: crate::protocol::status::Status::Ok,
            cause: Cause::DataTimeout,
            proof: None,
            t_us: 5_000,
        };
        seen.transfers.insert(10101, known);
        let delivery = Delivery::of((sent_us, sent_us + 10), org(from), org(to), envelope, false);
        seen.data_deliveries.push(delivery.expect("a data answer"));
        seen
    }

    #[test]
    fn personal_data_from_the_users_org_to_the_asset_org_while_pending_is_allowed() {
        let scenario = scenario::parse("sample", scenario::SAMPLE_FLOW).unwrap();
        let check = privacy(&scenario, &seen_with("org_1", "org_2", 2_000, APPLICATION_IVMS101));
        assert!(check.passed && check.detail.starts_with("1 delivery"), "{check:?}");
        assert!(privacy(&scenario, &seen_with("org_1", "org_2", 2_000, APPLICATION_JSON)).detail.starts_with("0"));
    }

    #[test]
    fn personal_data_from_another_org_to_the_wrong_org_or_after_the_transfer_fails_privacy() {
        let scenario = scenario::parse("sample", scenario::SAMPLE_FLOW).unwrap();
        for (from, to, sent_us, words) in [
            ("org_3", "org_2", 2_000, "from org_3, not from org_1"),
            ("org_1", "org_3", 2_000, "no transfer or issue to org_1:100:user_1 of an asset org_3 manages"),
            ("org_1", "org_2", 6_000, "sent at 6 ms"),
            ("org_1", "org_2", 500, "sent at 0 ms"),
        ] {
            let check = privacy(&scenario, &seen_with(from, to, sent_us, APPLICATION_IVMS101));
            assert!(!check.passed && check.detail.contains(words), "{from}→{to} at {sent_us}: {check:?}");
        }
    }
}
