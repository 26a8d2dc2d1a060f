//! Outgoing exchanges: every request that expects an answer has a timeout and a
//! retry budget. A re-send carries the same envelope (same request id, same nonce,
//! same signature). Crashing loses the timers; restarting re-sends every unfinished
//! exchange with a fresh budget.

use crate::actors::note::Note;
use crate::actors::outbox::{Outbox, TimerId};
use crate::protocol::envelope::Message;
use crate::protocol::ids::{ActorId, OrgId};
use crate::protocol::message::Kind;
use crate::protocol::operation::first;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What an exchange asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ExchangeKind {
    /// A get step.
    Get,
    /// The asset's org fetching the buyer's IVMS-101 data.
    IvmsGet,
    /// One member of a verify broadcast.
    Verify,
    /// One member of a verify_proof broadcast.
    VerifyProof,
    /// One member of a balance broadcast.
    Balance,
    /// A transfer request (answered by the tx id, then the final status).
    Transfer,
    /// A settlement notification (answered by an acknowledgement).
    Settlement,
    /// One member of a status query (variant `status_query`).
    Status,
    /// An operation's request, answered as one of the above is.
    Operation(OperationExchange),
    /// A plan proposed to an executor (answered by its approval or refusal).
    PlanProposal,
    /// A plan's consents asked of a source's org.
    PlanConsent,
    /// An executor fetching a plan receiver's IVMS-101 data.
    PlanGet,
    /// A plan's instruction sent to its executor (answered by its result).
    PlanExecute,
    /// A plan's holds to roll back, sent to their executor.
    PlanRollback,
}

/// Declares `OperationExchange` (a variant per request of the operations' registry that names
/// the exchange it is answered as) and `ExchangeKind::ALL`.
macro_rules! operation_exchanges {
    ($($(#[$attr:meta])* $operation:ident = $word:literal ($($header:tt)*) {
        $(
            $(#[$body_attr:meta])*
            $variant:ident ($type:ty) = { $($line:tt)* } $(exchange $like:ident)?;
        )+
    })+) => {
        /// An exchange an operation adds: its own request, answered as one of the reference
        /// flow's exchanges is (the operations' registry says which).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum OperationExchange {
            $($($(
                #[doc = concat!("`", stringify!($variant), "`, answered as `", stringify!($like), "` is.")]
                $variant,
            )?)+)+
        }

        impl OperationExchange {
            /// The reference flow's exchange it is answered as (and retried, timed out and
            /// closed as).
            pub fn like(self) -> ExchangeKind {
                match self {
                    $($($(OperationExchange::$variant => ExchangeKind::$like,)?)+)+
                }
            }

            /// The name the trace uses: its request's kind.
            fn name(self) -> &'static str {
                match self {
                    $($($(OperationExchange::$variant => first!(Kind::$variant.word(), $like),)?)+)+
                }
            }

            /// The kind of its request.
            fn request(self) -> Kind {
                match self {
                    $($($(OperationExchange::$variant => first!(Kind::$variant, $like),)?)+)+
                }
            }
        }

        impl ExchangeKind {
            /// Every kind of exchange, in order.
            pub const ALL: &'static [ExchangeKind] = &[
                ExchangeKind::Get,
                ExchangeKind::IvmsGet,
                ExchangeKind::Verify,
                ExchangeKind::VerifyProof,
                ExchangeKind::Balance,
                ExchangeKind::Transfer,
                ExchangeKind::Settlement,
                ExchangeKind::Status,
                $($($(first!(ExchangeKind::Operation(OperationExchange::$variant), $like),)?)+)+
                ExchangeKind::PlanProposal,
                ExchangeKind::PlanConsent,
                ExchangeKind::PlanGet,
                ExchangeKind::PlanExecute,
                ExchangeKind::PlanRollback,
            ];
        }
    };
}

crate::protocol::operation::with_operations!(operation_exchanges!);

impl ExchangeKind {
    /// The name the trace uses.
    pub fn name(self) -> &'static str {
        match self {
            ExchangeKind::Get => "get",
            ExchangeKind::IvmsGet => "ivms_get",
            ExchangeKind::Verify => "verify",
            ExchangeKind::VerifyProof => "verify_proof",
            ExchangeKind::Balance => "balance",
            ExchangeKind::Transfer => "transfer",
            ExchangeKind::Settlement => "settlement",
            ExchangeKind::Status => "status_query",
            ExchangeKind::Operation(operation) => operation.name(),
            ExchangeKind::PlanProposal => "plan_proposal",
            ExchangeKind::PlanConsent => "plan_consent",
            ExchangeKind::PlanGet => "plan_get",
            ExchangeKind::PlanExecute => "plan_execute",
            ExchangeKind::PlanRollback => "plan_rollback",
        }
    }

    /// The reference flow's exchange it is answered, retried, timed out and closed as: an
    /// operation's, the one the registry names; any other, itself.
    pub fn like(self) -> ExchangeKind {
        match self {
            ExchangeKind::Operation(operation) => operation.like(),
            other => other,
        }
    }

    /// The kind of the request the exchange sends (and re-sends).
    pub fn request(self) -> Kind {
        match self {
            ExchangeKind::Get | ExchangeKind::IvmsGet => Kind::Get,
            ExchangeKind::Verify => Kind::Verify,
            ExchangeKind::VerifyProof => Kind::VerifyProof,
            ExchangeKind::Balance => Kind::BalanceQuery,
            ExchangeKind::Transfer => Kind::Transfer,
            ExchangeKind::Settlement => Kind::Settlement,
            ExchangeKind::Status => Kind::StatusQuery,
            ExchangeKind::Operation(operation) => operation.request(),
            ExchangeKind::PlanProposal => Kind::PlanProposal,
            ExchangeKind::PlanConsent => Kind::ConsentRequest,
            ExchangeKind::PlanGet => Kind::PlanGet,
            ExchangeKind::PlanExecute => Kind::PlanExecute,
            ExchangeKind::PlanRollback => Kind::PlanRollback,
        }
    }

    /// The kind of the answer that closes the exchange (a transfer's first answer is its tx id).
    pub fn answer(self) -> Kind {
        match self {
            ExchangeKind::Get | ExchangeKind::IvmsGet => Kind::GetResponse,
            ExchangeKind::Verify => Kind::VerifyAnswer,
            ExchangeKind::VerifyProof => Kind::ProofAnswer,
            ExchangeKind::Balance => Kind::BalanceAnswer,
            ExchangeKind::Transfer => Kind::TxAccepted,
            ExchangeKind::Settlement => Kind::SettlementAck,
            ExchangeKind::Status => Kind::StatusAnswer,
            ExchangeKind::Operation(operation) => operation.like().answer(),
            ExchangeKind::PlanProposal => Kind::PlanApproval,
            ExchangeKind::PlanConsent => Kind::PlanConsent,
            ExchangeKind::PlanGet => Kind::GetResponse,
            ExchangeKind::PlanExecute | ExchangeKind::PlanRollback => Kind::PlanResult,
        }
    }
}

/// Written as its name (`issue_get` for an operation's, the trace's word for its request).
impl Serialize for ExchangeKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// Identifies one exchange: request, peer, kind.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExchangeKey {
    /// The request id.
    pub request_id: u64,
    /// The org asked.
    pub peer: OrgId,
    /// What is asked.
    pub kind: ExchangeKind,
}

/// One open exchange.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Exchange {
    /// The request, re-sent unchanged (its boundary seals it again: the same envelope).
    pub message: Arc<Message>,
    /// Re-sends left before it fails with `timeout`.
    pub retries_left: u32,
    /// Re-sends so far.
    pub attempts: u32,
    /// The armed timer, if any (none while crashed).
    pub timer: Option<TimerId>,
    /// Answers received whose envelope signature failed.
    pub bad_answers: u32,
}

/// What a fired timer meant.
pub enum Expiry {
    /// The request was re-sent.
    Retried(ExchangeKey),
    /// The budget is spent: the exchange failed.
    Failed(ExchangeKey, Box<Exchange>),
    /// A stale timer.
    Stale,
}

/// The exchange table of one org.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Exchanges {
    open: BTreeMap<ExchangeKey, Exchange>,
    timers: BTreeMap<TimerId, ExchangeKey>,
    next_timer: TimerId,
    timeout_us: u64,
    retries: u32,
}

impl Exchanges {
    /// An empty table.
    pub fn new(timeout_us: u64, retries: u32) -> Self {
        Self { open: BTreeMap::new(), timers: BTreeMap::new(), next_timer: 0, timeout_us, retries }
    }

    /// Sends a request and waits for its answer.
    pub fn start(&mut self, key: ExchangeKey, message: impl Into<Arc<Message>>, out: &mut Outbox) {
        let message = message.into();
        out.send_to(message.clone(), ActorId::Org(key.peer.clone()), false);
        let exchange = Exchange { message, retries_left: self.retries, attempts: 0, timer: None, bad_answers: 0 };
        self.open.insert(key.clone(), exchange);
        self.arm(&key, out);
    }

    /// (Re-)arms the timeout of an open exchange.
    pub fn arm(&mut self, key: &ExchangeKey, out: &mut Outbox) {
        let Some(exchange) = self.open.get_mut(key) else { return };
        if let Some(old) = exchange.timer.take() {
            self.timers.remove(&old);
            out.cancels.push(old);
        }
        let timer = self.next_timer;
        self.next_timer += 1;
        exchange.timer = Some(timer);
        self.timers.insert(timer, key.clone());
        out.timers.push((timer, self.timeout_us));
    }

    /// An answer arrived: the exchange keeps waiting, with its budget restored
    /// (a transfer's `pending` answer restarts the wait without using a retry).
    pub fn refresh(&mut self, key: &ExchangeKey, out: &mut Outbox) {
        if let Some(exchange) = self.open.get_mut(key) {
            exchange.retries_left = self.retries;
        }
        self.arm(key, out);
    }

    /// Closes an exchange (answered, or no longer needed).
    pub fn close(&mut self, key: &ExchangeKey, out: &mut Outbox) -> Option<Exchange> {
        let mut exchange = self.open.remove(key)?;
        if let Some(timer) = exchange.timer.take() {
            self.timers.remove(&timer);
            out.cancels.push(timer);
        }
        Some(exchange)
    }

    /// Whether an exchange is open.
    pub fn is_open(&self, key: &ExchangeKey) -> bool {
        self.open.contains_key(key)
    }

    /// Counts an answer whose signature failed.
    pub fn count_bad_answer(&mut self, key: &ExchangeKey) {
        if let Some(exchange) = self.open.get_mut(key) {
            exchange.bad_answers += 1;
        }
    }

    /// A timer fired.
    pub fn expire(&mut self, timer: TimerId, me: &OrgId, out: &mut Outbox) -> Expiry {
        let Some(key) = self.timers.remove(&timer) else { return Expiry::Stale };
        let Some(exchange) = self.open.get_mut(&key) else { return Expiry::Stale };
        exchange.timer = None;
        if exchange.retries_left == 0 {
            out.note(Note::Timeout {
                org: me.clone(),
                to: key.peer.clone(),
                kind: key.kind,
                request_id: key.request_id,
            });
            let exchange = self.open.remove(&key).expect("present above");
            return Expiry::Failed(key, Box::new(exchange));
        }
        exchange.retries_left -= 1;
        self.resend(&key, me, out);
        Expiry::Retried(key)
    }

    /// A timer id of the org's own (a plan's timeout or await), drawn from the same count as the
    /// exchanges' so that no two timers share one.
    pub fn allocate_timer(&mut self) -> TimerId {
        let timer = self.next_timer;
        self.next_timer += 1;
        timer
    }

    /// Re-sends an open exchange's request unchanged, records the retry and re-arms its timer.
    fn resend(&mut self, key: &ExchangeKey, me: &OrgId, out: &mut Outbox) {
        let Some(exchange) = self.open.get_mut(key) else { return };
        exchange.attempts += 1;
        let attempt = exchange.attempts;
        out.send_to(exchange.message.clone(), ActorId::Org(key.peer.clone()), true);
        out.note(Note::Retry {
            org: me.clone(),
            to: key.peer.clone(),
            kind: key.kind,
            request_id: key.request_id,
            attempt,
        });
        self.arm(key, out);
    }

    /// The org crashed: every timer is lost; the exchanges themselves are durable.
    pub fn crash(&mut self) {
        self.timers.clear();
        for exchange in self.open.values_mut() {
            exchange.timer = None;
        }
    }

    /// The org restarted: re-send every unfinished exchange with a fresh budget.
    pub fn restart(&mut self, me: &OrgId, out: &mut Outbox) {
        let keys: Vec<ExchangeKey> = self.open.keys().cloned().collect();
        for key in keys {
            if let Some(exchange) = self.open.get_mut(&key) {
                exchange.retries_left = self.retries;
            }
            self.resend(&key, me, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::ids::Address;
    use crate::protocol::message::Body;

    fn key(request_id: u64) -> ExchangeKey {
        ExchangeKey { request_id, peer: OrgId::from("org_2"), kind: ExchangeKind::Get }
    }

    fn request() -> Message {
        let from = ActorId::Org(OrgId::from("org_1"));
        let to = Address::Actor(ActorId::Org(OrgId::from("org_2")));
        Message { request_id: 1, from, to, body: Body::SettlementAck }
    }

    /// The timer the last call armed.
    fn armed(out: &Outbox) -> TimerId {
        out.timers.last().expect("a timer was armed").0
    }

    #[test]
    fn an_exchange_is_open_from_its_start_until_it_is_closed() {
        let mut exchanges = Exchanges::new(1000, 1);
        let mut out = Outbox::default();
        assert!(!exchanges.is_open(&key(1)));
        exchanges.start(key(1), request(), &mut out);
        assert!(exchanges.is_open(&key(1)) && !exchanges.is_open(&key(2)));
        assert!(exchanges.close(&key(1), &mut out).is_some());
        assert!(!exchanges.is_open(&key(1)));
    }

    #[test]
    fn bad_answers_are_counted_and_reach_the_failed_exchange() {
        let (mut exchanges, me) = (Exchanges::new(1000, 0), OrgId::from("org_1"));
        let mut out = Outbox::default();
        exchanges.start(key(1), request(), &mut out);
        exchanges.count_bad_answer(&key(1));
        exchanges.count_bad_answer(&key(1));
        exchanges.count_bad_answer(&key(9));
        match exchanges.expire(armed(&out), &me, &mut out) {
            Expiry::Failed(failed, exchange) => assert_eq!((failed, exchange.bad_answers), (key(1), 2)),
            _ => panic!("with no retries the first timeout fails the exchange"),
        }
    }

    #[test]
    fn a_crash_loses_every_timer_and_a_restart_re_sends_with_a_fresh_budget() {
        let (mut exchanges, me) = (Exchanges::new(1000, 2), OrgId::from("org_1"));
        let mut out = Outbox::default();
        exchanges.start(key(1), request(), &mut out);
        let before_crash = armed(&out);
        exchanges.crash();
        assert!(matches!(exchanges.expire(before_crash, &me, &mut out), Expiry::Stale));
        let mut out = Outbox::default();
        exchanges.restart(&me, &mut out);
        assert_eq!(out.sends.len(), 1, "the request is re-sent");
        assert!(matches!(exchanges.expire(armed(&out), &me, &mut out), Expiry::Retried(_)));
    }
}
