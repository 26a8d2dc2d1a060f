//! Scenarios: the YAML contract (`model`), its validation (`validate`) and the
//! resolved, typed `Scenario` the simulator runs. Parsing takes text, never a path:
//! only the CLI reads files.

pub mod error;
pub(crate) mod model;
pub mod operation;
pub(crate) mod seeds;
mod syntax;
mod validate;

pub use validate::Names;

pub use crate::protocol::config::{
    Disclosure, ProtocolConfig, Quorum as QuorumWord, Regulation, RegulationOrder, SettlementMode, TravelField,
    TravelRule,
};
pub use error::{LoadError, Problem};
pub use model::{Behaviour, GetStatusWord, InvariantName, ReasonWord, TransferStatusWord};
pub use operation::{Moves, Moving};

use crate::protocol::ids::{ClusterId, OrgId, ResourceId};
use crate::protocol::ivms101::PersonData;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A latency model, in whole microseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Latency {
    /// Always the same.
    Constant {
        /// The latency.
        us: u64,
    },
    /// Uniform in `[min_us, max_us]`.
    Uniform {
        /// The smallest latency.
        min_us: u64,
        /// The largest latency.
        max_us: u64,
    },
    /// Normal, clamped at 0.
    Normal {
        /// The mean.
        mean_us: u64,
        /// The standard deviation.
        stddev_us: u64,
    },
}

/// One end of a link rule: an org or a whole cluster.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Endpoint {
    /// One organization.
    Org(OrgId),
    /// Every organization of a cluster.
    Cluster(ClusterId),
}

/// A latency override between two endpoints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// One end.
    pub a: Endpoint,
    /// The other end.
    pub b: Endpoint,
    /// The latency between them.
    pub latency: Latency,
}

/// The network block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkConfig {
    /// The latency of every link that no rule overrides.
    pub latency: Latency,
    /// The overrides, in file order.
    pub links: Vec<Link>,
}

/// One organization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgConfig {
    /// Its cluster.
    pub cluster: ClusterId,
    /// Its regulation block, if any.
    pub regulation: Option<Regulation>,
}

/// One user (an account).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserConfig {
    /// The org that manages it.
    pub org: OrgId,
    /// Its travel-rule data, if any.
    pub ivms: Option<PersonData>,
    /// Its place in the file's `users` list (reports list users in declaration order).
    pub declared: usize,
}

/// One asset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssetConfig {
    /// The managing org.
    pub org: OrgId,
    /// Orgs that may get its data and buy it (the managing org always may).
    pub shared_with: BTreeSet<OrgId>,
    /// Its data as canonical JSON text (keys sorted).
    pub data: String,
    /// Initial holdings on its cluster's ledger.
    pub balances: BTreeMap<ResourceId, u64>,
}

impl AssetConfig {
    /// The initial supply: the sum of the initial balances.
    pub fn supply(&self) -> u64 {
        self.balances.values().sum()
    }
}

/// The action of one flow step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// An org advertises an asset to other orgs.
    Advertise {
        /// The advertiser.
        org: OrgId,
        /// The asset.
        asset: ResourceId,
        /// The receivers.
        to: Vec<OrgId>,
    },
    /// An org gets a resource's data.
    Get {
        /// The asker.
        org: OrgId,
        /// The resource.
        resource: ResourceId,
        /// The accepted content type.
        accept: String,
    },
    /// An org verifies the data it got with a cluster.
    Verify {
        /// The asker.
        org: OrgId,
        /// The cluster asked.
        cluster: ClusterId,
        /// The resource.
        resource: ResourceId,
    },
    /// A step that moves tokens: a transfer, an issue, a redeem.
    Moves(Moving),
    /// An org verifies a transfer's proof with a cluster.
    VerifyProof {
        /// The asker.
        org: OrgId,
        /// The cluster asked.
        cluster: ClusterId,
        /// The transfer's request id.
        request_id: u64,
    },
    /// An org reads a balance from a cluster.
    Balance {
        /// The asker.
        org: OrgId,
        /// The cluster asked.
        cluster: ClusterId,
        /// The account.
        account: ResourceId,
        /// The asset.
        asset: ResourceId,
    },
    /// An execution plan, run by its coordinator (`plan.coordinator`).
    Plan {
        /// The plan.
        plan: std::sync::Arc<crate::protocol::plan::Plan>,
    },
}

impl Action {
    /// The step as one that moves tokens (a transfer, an issue, a redeem), if it is one: what
    /// the engine, the checks and the reports read of it.
    pub fn moves(&self) -> Option<&dyn Moves> {
        self.moving().map(Moving::moves)
    }

    /// The step that moves tokens it is, if it is one.
    pub fn moving(&self) -> Option<&Moving> {
        match self {
            Action::Moves(moving) => Some(moving),
            Action::Advertise { .. }
            | Action::Get { .. }
            | Action::Verify { .. }
            | Action::VerifyProof { .. }
            | Action::Balance { .. }
            | Action::Plan { .. } => None,
        }
    }

    /// The request id of an operation that moves tokens (a transfer, an issue, a redeem): the
    /// file names it, and it is unique among them.
    pub fn request_id(&self) -> Option<u64> {
        self.moves().map(Moves::request_id)
    }

    /// Which operation on the supply it is, if it is an issue or a redeem.
    pub fn operation(&self) -> Option<crate::protocol::operation::Operation> {
        self.moving().and_then(Moving::operation)
    }

    /// The asset whose supply or holders it changes, for an operation that moves tokens.
    pub fn moved_asset(&self) -> Option<&ResourceId> {
        self.moves().map(Moves::asset)
    }

    /// The org that must know an operation's final status (a transfer's buyer's org, an issue's
    /// receiver's org, a redeem's holder's org): its step finishes when that org knows.
    pub fn told_org(&self) -> Option<&OrgId> {
        self.moves().map(Moves::told_org)
    }

    /// What it does to its asset's supply, if it mints or burns: the checks' `conservation`
    /// counts a mint or burn only when a step of the flow asks it.
    pub fn supply_change(&self) -> Option<SupplyChange<'_>> {
        self.moves().and_then(Moves::supply_change)
    }

    /// The user whose IVMS-101 data the asset's managing org may get while the step is pending
    /// (a transfer's buyer, an issue's receiver), with the asset: the checks' `privacy` reads it.
    pub fn data_subject(&self) -> Option<(&ResourceId, &ResourceId)> {
        self.moves().and_then(Moves::data_subject)
    }
}

pub use crate::protocol::plan::PlanHolds;

/// A step's change to its asset's supply (`Action::supply_change`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SupplyChange<'a> {
    /// New tokens of `asset` to account `to`.
    Mint {
        /// The asset.
        asset: &'a ResourceId,
        /// The account credited.
        to: &'a ResourceId,
        /// How many.
        quantity: u64,
    },
    /// Tokens of `asset` taken out of account `from`.
    Burn {
        /// The asset.
        asset: &'a ResourceId,
        /// The account debited.
        from: &'a ResourceId,
        /// How many.
        quantity: u64,
    },
}

/// One flow step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// Start at this virtual time (microseconds) instead of after the previous steps.
    pub at_us: Option<u64>,
    /// What it does.
    pub action: Action,
}

impl Step {
    /// The step's identity in words: its kind, every field and its start time, ids as the file
    /// writes them. Two steps have the same identity only when they are the same request at the
    /// same time; nothing else in the file enters it (not its place in the flow).
    pub fn identity(&self) -> String {
        let at = self.at_us.map_or("-".to_owned(), |t| t.to_string());
        let words = match &self.action {
            Action::Advertise { org, asset, to } => {
                let to: Vec<String> = to.iter().map(ToString::to_string).collect();
                format!("advertise {org} {asset} {}", to.join(","))
            }
            Action::Get { org, resource, accept } => format!("get {org} {resource} {accept}"),
            Action::Verify { org, cluster, resource } => format!("verify {org} {cluster} {resource}"),
            Action::Moves(moving) => moving.moves().words(),
            Action::VerifyProof { org, cluster, request_id } => format!("verify_proof {org} {cluster} {request_id}"),
            Action::Balance { org, cluster, account, asset } => format!("balance {org} {cluster} {account} {asset}"),
            Action::Plan { plan } => format!("plan {} {} {}", plan.id, plan.coordinator, plan.hash().to_hex()),
        };
        format!("{words} at {at}")
    }
}

/// One expectation of the `expect` block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expectation {
    /// The status of an org's last get of a resource.
    Get {
        /// The asker.
        org: OrgId,
        /// The resource.
        resource: ResourceId,
        /// The expected status.
        status: GetStatusWord,
    },
    /// The final status of a step that moves tokens (a transfer, an issue, a redeem), as the
    /// org told it knows it (a transfer's buyer's, an issue's receiver's, a redeem's holder's).
    Final {
        /// The request id.
        request_id: u64,
        /// settled or rejected.
        status: TransferStatusWord,
        /// The rejection reason, if given.
        reason: Option<ReasonWord>,
    },
    /// A plan's final status as its coordinator knows it.
    Plan {
        /// The plan's id.
        id: u64,
        /// completed, rejected, reverted or failed.
        status: crate::protocol::plan::PlanStatus,
        /// The reason, if given.
        reason: Option<ReasonWord>,
    },
    /// The last verify_proof of a request.
    Proof {
        /// The request id.
        request_id: u64,
        /// Whether the proof is valid.
        valid: bool,
    },
    /// The last verify of a resource.
    Verify {
        /// The resource.
        resource: ResourceId,
        /// Whether a quorum agreed.
        agreed: bool,
        /// Only the verifies of this org.
        org: Option<OrgId>,
    },
    /// A final balance.
    Balance {
        /// The account.
        account: ResourceId,
        /// The asset.
        asset: ResourceId,
        /// The expected amount.
        equals: u64,
    },
    /// Exactly these orgs saw a user's personal data during the run.
    PersonalData {
        /// The user.
        user: ResourceId,
        /// The orgs that saw it (its own org's copies excepted).
        seen_by: BTreeSet<OrgId>,
    },
    /// Some honest org suspects this org.
    Suspect {
        /// The suspected org.
        org: OrgId,
    },
    /// An invariant holds, or is expected to break.
    Invariant {
        /// Which one: a built-in invariant's name, or a custom invariant registered under it.
        name: String,
        /// Whether it holds.
        holds: bool,
    },
}

/// A partition: during `[from_us, until_us)` transmissions between groups (or across a cut)
/// are lost. One that starts `on` an event has no times of its own until that event: the run
/// adds a copy with its times when the event happens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Partition {
    /// Start, virtual microseconds (for one `on` an event: 0).
    pub from_us: u64,
    /// End (exclusive); for one `on` an event, its duration.
    pub until_us: u64,
    /// The groups, resolved to orgs; orgs named in no group form one more group. Empty for a cut.
    pub groups: Vec<BTreeSet<OrgId>>,
    /// The cut's pairs of sides, resolved to orgs: only transmissions between the two sides of a
    /// pair are lost.
    pub cut: Vec<(BTreeSet<OrgId>, BTreeSet<OrgId>)>,
    /// The event it starts on, if it does.
    pub on: Option<Trigger>,
}

impl Partition {
    /// Whether `a` and `b` are cut from each other at `now` (never, for one that waits for its
    /// event: its started copy does the cutting).
    pub fn separates(&self, now: u64, a: &OrgId, b: &OrgId) -> bool {
        if self.on.is_some() || now < self.from_us || now >= self.until_us {
            return false;
        }
        if !self.cut.is_empty() {
            let across = |x: &OrgId, y: &OrgId| self.cut.iter().any(|(l, r)| l.contains(x) && r.contains(y));
            return across(a, b) || across(b, a);
        }
        let group = |org: &OrgId| self.groups.iter().position(|g| g.contains(org));
        group(a) != group(b)
    }

    /// The partition as it runs when its event happens at `now`.
    pub fn started_at(&self, now: u64) -> Self {
        Self { from_us: now, until_us: now.saturating_add(self.until_us), on: None, ..self.clone() }
    }
}

/// An event a fault may start on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// The block holding this request's transaction closes.
    Settled(u64),
    /// The block holding this instruction of this plan closes.
    Instruction {
        /// The plan's id.
        plan: u64,
        /// The instruction's number.
        n: u32,
    },
}

/// A crash: the org is down during `[at_us, restart_us)`. One that starts `on` an event has no
/// times of its own until then: `restart_us` is then the time it stays down, if it restarts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Crash {
    /// The org.
    pub org: OrgId,
    /// When it goes down (for one `on` an event: 0).
    pub at_us: u64,
    /// When it comes back, if ever (for one `on` an event: how long after it went down).
    pub restart_us: Option<u64>,
    /// The event it starts on, if it does.
    pub on: Option<Trigger>,
}

/// The faults block.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Faults {
    /// Probability that a transmission between two orgs is lost.
    pub drop_probability: f64,
    /// Probability that a delivered transmission is delivered twice.
    pub duplicate_probability: f64,
    /// Probability that a transmission arrives altered.
    pub corrupt_probability: f64,
    /// Partitions.
    pub partitions: Vec<Partition>,
    /// Crashes.
    pub crashes: Vec<Crash>,
    /// Byzantine behaviours per org.
    pub byzantine: BTreeMap<OrgId, BTreeSet<Behaviour>>,
}

impl Faults {
    /// When the last fault of the schedule is over: the end of the last partition and the last
    /// restart (a crash with no restart counts at its start). A transfer's liveness deadline
    /// is `liveness_ms` after the latest of this and its start.
    pub fn quiet_after_us(&self) -> u64 {
        // A fault that starts on an event counts when it happens (the run reports it).
        let timed = |on: &Option<Trigger>| on.is_none();
        let last_heal = self.partitions.iter().filter(|p| timed(&p.on)).map(|p| p.until_us).max().unwrap_or(0);
        let last_restart =
            self.crashes.iter().filter(|c| timed(&c.on)).map(|c| c.restart_us.unwrap_or(c.at_us)).max().unwrap_or(0);
        last_heal.max(last_restart)
    }
}

/// A validated scenario, ready to run.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// The seed of the run (`--seed` overrides it).
    pub seed: u64,
    /// The seeds `finsim test` runs it at (`seeds: "A..B"`, both ends included); `None`: `seed` alone.
    pub seeds: Option<std::ops::RangeInclusive<u64>>,
    /// Latencies.
    pub network: NetworkConfig,
    /// Each ledger closes a block every `block_ms`.
    pub block_ms: u64,
    /// Clusters and their orgs, in file order within each.
    pub clusters: BTreeMap<ClusterId, Vec<OrgId>>,
    /// Organizations.
    pub orgs: BTreeMap<OrgId, OrgConfig>,
    /// Users.
    pub users: BTreeMap<ResourceId, UserConfig>,
    /// Assets.
    pub assets: BTreeMap<ResourceId, AssetConfig>,
    /// The flow.
    pub flow: Vec<Step>,
    /// The expectations.
    pub expect: Vec<Expectation>,
    /// The faults.
    pub faults: Faults,
    /// The protocol settings.
    pub protocol: ProtocolConfig,
}

impl Scenario {
    /// The hold accounts of the flow's plans, each with its asset and the account whose tokens
    /// it keeps: tokens held by a plan are still that account's (`docs/plans.md`), so a balance
    /// counts them as held, not gone.
    pub fn plan_holds(&self) -> PlanHolds {
        let mut holds = PlanHolds::new();
        for plan in self.plans() {
            for (n, _) in plan.numbered() {
                if let (Some(hold), Some(account)) = (plan.hold(n), plan.hold_account(n)) {
                    holds.insert(account, (hold.asset.clone(), hold.from.clone()));
                }
            }
        }
        holds
    }

    /// Every plan of the flow, in flow order.
    pub fn plans(&self) -> impl Iterator<Item = &crate::protocol::plan::Plan> {
        self.flow.iter().filter_map(|s| match &s.action {
            Action::Plan { plan } => Some(&**plan),
            _ => None,
        })
    }
}

/// The most bytes a scenario file may have.
pub const MAX_FILE_BYTES: u64 = 64 << 20;
/// The latest virtual time, and the longest duration, a scenario may name: 365 days, in
/// milliseconds. Every time field (`at_ms`, `restart_ms`, `until_ms`, `timeout_ms`,
/// `liveness_ms`, `block_ms`, latencies) is checked against it.
pub const MAX_TIME_MS: u64 = 31_536_000_000;
/// The most re-sends (`retries`) an exchange may make.
pub const MAX_RETRIES: u64 = 1_000;

/// Parses and validates a scenario given as bytes: text that is not UTF-8 is an error at
/// the line and column of its first bad byte.
pub fn parse_bytes(file: &str, bytes: &[u8]) -> Result<Scenario, LoadError> {
    parse(file, utf8_text(file, bytes)?)
}

/// A scenario file's bytes as text, or the error at the line and column of the first byte that
/// is not UTF-8.
pub fn utf8_text<'a>(file: &str, bytes: &'a [u8]) -> Result<&'a str, LoadError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(error) => {
            let valid = std::str::from_utf8(&bytes[..error.valid_up_to()]).unwrap_or_default();
            let (line, column) = crate::text::place_after(valid);
            let byte = bytes[error.valid_up_to()];
            let problem = Problem {
                line,
                column,
                message: format!(
                    "the file is not UTF-8 text: byte 0x{byte:02X} does not begin or continue a character"
                ),
                help: Some("save the file as UTF-8".to_owned()),
            };
            let source_text = Arc::from(String::from_utf8_lossy(bytes).as_ref());
            Err(LoadError::Invalid { file: file.to_owned(), source_text, problems: vec![problem] })
        }
    }
}

/// The JSON Schema (draft 2020-12) of the scenario format, made from the file model's types:
/// every valid scenario validates against it, an unknown key or a value of the wrong type does
/// not (rules across values, such as names that must be declared, are `finsim check`'s).
pub fn json_schema() -> serde_json::Value {
    let mut schema = schemars::schema_for!(model::ScenarioFile).to_value();
    if let Some(object) = schema.as_object_mut() {
        object.insert("title".into(), "finsim scenario".into());
        object.insert(
            "description".into(),
            "A finsim scenario file: the topology, the network, the faults, the flow and the expected outcome \
             (docs/scenario-format.md)."
                .into(),
        );
    }
    schema
}

/// Parses and validates a scenario. `file` names it in errors.
pub fn parse(file: &str, text: &str) -> Result<Scenario, LoadError> {
    parse_with(file, text, &Names::default())
}

/// Parses and validates a scenario that may name custom misbehaviours and invariants
/// (`names`: what a library user registered).
pub fn parse_with(file: &str, text: &str, names: &Names) -> Result<Scenario, LoadError> {
    // The file reader enforces this before reading; a text from elsewhere (a pack's
    // `scenario.yaml`, a library caller's string) meets the same limit here.
    if text.len() as u64 > MAX_FILE_BYTES {
        let reason = format!("larger than {} MiB, the most a scenario file may have", MAX_FILE_BYTES >> 20);
        return Err(LoadError::Io { file: file.to_owned(), reason });
    }
    let invalid =
        |problems: Vec<Problem>| LoadError::Invalid { file: file.to_owned(), source_text: Arc::from(text), problems };
    let spellings = syntax::non_decimal_numbers(text);
    if !spellings.is_empty() {
        return Err(invalid(spellings));
    }
    let raw: model::ScenarioFile = serde_saphyr::from_str_with_options(text, yaml_options(text.len()))
        .map_err(|e| invalid(vec![syntax::problem(&e)]))?;
    validate::validate(raw, names).map_err(invalid)
}

/// The YAML reader's options: duplicate keys are errors, and its budgets grow with the
/// file (a value needs at least a few bytes of text), so that a large real scenario loads
/// while a small file whose aliases expand without end is refused.
fn yaml_options(bytes: usize) -> serde_saphyr::Options {
    let nodes = (bytes / 4).clamp(250_000, 4_000_000);
    serde_saphyr::options! {
        budget: serde_saphyr::budget! { max_nodes: nodes, max_events: nodes * 4 },
    }
}

/// The bundled sample flow (`finsim run` with no file).
pub const SAMPLE_FLOW: &str = include_str!("../../scenarios/advertise-then-transfer.yaml");
/// The name the sample flow is reported under.
pub const SAMPLE_FLOW_PATH: &str = "scenarios/advertise-then-transfer.yaml";
