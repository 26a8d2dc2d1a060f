//! `finsim generate`: a scenario of a given size, written as YAML — a deterministic function of
//! its arguments (the same arguments print the same bytes on every machine).
//!
//! The shape: orgs `org_1…org_N` dealt round-robin into clusters `cluster_1…cluster_C`; users
//! `org_k:100:user_j` dealt round-robin over the orgs, each with IVMS-101 data; assets
//! `org_k:101:asset_j` dealt round-robin over the orgs, each held by its org's treasury
//! (`org_k:100:treasury`) and shared with exactly the orgs whose users buy it; T transfers, each of
//! a user to an asset of another org, drawn from the seed, started one every `spacing_ms` with
//! `at_ms`. Without faults every transfer must settle and every account must end with the balance
//! the transfers give it; with faults a transfer may be rejected (a timeout), so the checks are the
//! invariants every run checks (conservation, exactly-once, agreement, liveness: every transfer
//! final).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// How much goes wrong on the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Faults {
    /// Nothing is lost.
    None,
    /// 1% of transmissions between orgs lost, 1% duplicated.
    Light,
    /// 5% lost, 5% duplicated, 1% corrupted, and one org down for a while.
    Heavy,
}

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spec {
    /// Organizations (at least one per cluster).
    pub orgs: usize,
    /// Clusters (at least one).
    pub clusters: usize,
    /// Users (at least one, and enough orgs that some asset is another org's).
    pub users: usize,
    /// Assets (at least one).
    pub assets: usize,
    /// Transfer steps.
    pub transfers: usize,
    /// The network's faults.
    pub faults: Faults,
    /// The scenario's seed, and the seed the transfers are drawn from.
    pub seed: u64,
}

impl Spec {
    /// The workload the benchmarks time and `examples/profile_run.rs` profiles: `transfers`
    /// transfers among 20 orgs in 4 clusters (40 users, 20 assets), no faults, seed 0.
    pub fn benchmark(transfers: usize) -> Self {
        Self { orgs: 20, clusters: 4, users: 40, assets: 20, transfers, faults: Faults::None, seed: 0 }
    }
}

/// The time between two transfers' starts.
pub(crate) const SPACING_MS: u64 = 2;

/// Why a spec makes no scenario: one that cannot be built as asked, or one too large for `run`
/// (a caller may ask for a smaller one).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// The numbers do not make a network (in plain words, what to give instead).
    #[error("{0}")]
    Invalid(String),
    /// The file would pass the limit of a scenario file: `takes` it, or `would take at least` it.
    #[error(
        "that scenario {takes} {} MiB, and a scenario file may have at most {} MiB: finsim would refuse to run \
         it; ask for fewer orgs, users, assets or transfers",
        bytes >> 20,
        crate::scenario::MAX_FILE_BYTES >> 20
    )]
    TooLarge {
        /// `takes`, or `would take at least`.
        takes: &'static str,
        /// The bytes.
        bytes: u128,
    },
}

/// The scenario `spec` describes, as YAML; an error (in plain words) when it cannot be built.
pub fn scenario_yaml(spec: &Spec) -> Result<String, SpecError> {
    check(spec)?;
    let yaml = build(spec);
    if yaml.len() as u64 > crate::scenario::MAX_FILE_BYTES {
        return Err(SpecError::TooLarge { takes: "takes", bytes: yaml.len() as u128 });
    }
    Ok(yaml)
}

/// The YAML of a spec `check` accepted.
fn build(spec: &Spec) -> String {
    let org = |k: usize| format!("org_{}", k + 1);
    let owner_of_user = |j: usize| j % spec.orgs;
    let owner_of_asset = |j: usize| j % spec.orgs;
    let user = |j: usize| format!("{}:100:user_{}", org(owner_of_user(j)), j + 1);
    let asset = |j: usize| format!("{}:101:asset_{}", org(owner_of_asset(j)), j + 1);
    let treasury = |k: usize| format!("{}:100:treasury", org(k));

    // The transfers: a user, an asset of another org, a quantity.
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let mut transfers = Vec::with_capacity(spec.transfers);
    while transfers.len() < spec.transfers {
        let buyer = rng.random_range(0..spec.users);
        let first = rng.random_range(0..spec.assets);
        // The first asset from `first` on that another org manages; none: draw another buyer
        // (`check` made sure some buyer has one).
        let other = (0..spec.assets.min(spec.orgs))
            .map(|step| (first + step) % spec.assets)
            .find(|bought| owner_of_asset(*bought) != owner_of_user(buyer));
        if let Some(bought) = other {
            transfers.push((buyer, bought, rng.random_range(1..=10u64)));
        }
    }
    let mut shared: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    let mut sold: BTreeMap<usize, u64> = BTreeMap::new();
    let mut bought_total: BTreeMap<(usize, usize), u64> = BTreeMap::new();
    for &(buyer, bought, quantity) in &transfers {
        shared.entry(bought).or_default().insert(owner_of_user(buyer));
        *sold.entry(bought).or_default() += quantity;
        *bought_total.entry((buyer, bought)).or_default() += quantity;
    }

    let mut y = String::new();
    let Spec { orgs, clusters, users, assets, transfers: t, faults, seed } = *spec;
    let _ = writeln!(y, "# Generated by: finsim generate --orgs {orgs} --clusters {clusters} --users {users} --assets {assets} --transfers {t} --faults {} --seed {seed}", faults_word(faults));
    let _ = writeln!(y, "name: generated-{orgs}-orgs-{t}-transfers");
    let _ = writeln!(
        y,
        "description: >\n  {orgs} orgs in {clusters} clusters, {users} users, {assets} assets; {t} transfers of 1 to 10 tokens,\n  one every {SPACING_MS} ms, each of a user to an asset another org manages. Network faults: {}.",
        faults_word(faults)
    );
    let _ = writeln!(y, "seed: {seed}\n");
    y.push_str("network:\n  latency: { uniform: { min_ms: 5, max_ms: 25 } }\n\nclusters:\n");
    for c in 0..clusters {
        let members: Vec<String> = (0..orgs).filter(|k| k % clusters == c).map(org).collect();
        let _ = writeln!(y, "  - id: cluster_{}\n    orgs: [{}]", c + 1, members.join(", "));
    }
    y.push_str("\nusers:\n");
    for j in 0..users {
        let (name, country) = person(j);
        let _ = writeln!(
            y,
            "  - id: \"{}\"\n    org: {}\n    ivms101: {{ name: \"{name}\", country: {country} }}",
            user(j),
            org(owner_of_user(j))
        );
    }
    let sellers: BTreeSet<usize> = (0..assets).map(owner_of_asset).collect();
    for &k in &sellers {
        let _ = writeln!(y, "  - id: \"{}\"\n    org: {}", treasury(k), org(k));
    }
    y.push_str("\nassets:\n");
    for j in 0..assets {
        let k = owner_of_asset(j);
        let with: Vec<String> = shared.get(&j).into_iter().flatten().map(|o| org(*o)).collect();
        let holding = sold.get(&j).copied().unwrap_or(0) + 1000;
        let _ = writeln!(
            y,
            "  - id: \"{}\"\n    org: {}\n    shared_with: [{}]\n    data: {{ name: \"Asset {}\" }}\n    balances: {{ \"{}\": {holding} }}",
            asset(j),
            org(k),
            with.join(", "),
            j + 1,
            treasury(k)
        );
    }
    y.push_str("\nflow:\n");
    for (i, &(buyer, bought, quantity)) in transfers.iter().enumerate() {
        let _ = writeln!(
            y,
            "  - transfer: {{ request_id: {}, user: \"{}\", asset: \"{}\", quantity: {quantity}, from: \"{}\", at_ms: {} }}",
            i + 1,
            user(buyer),
            asset(bought),
            treasury(owner_of_asset(bought)),
            i as u64 * SPACING_MS
        );
    }
    match faults {
        Faults::None => {
            y.push_str("\nexpect:\n");
            for i in 0..t {
                let _ = writeln!(y, "  - transfer: {{ request_id: {}, status: settled }}", i + 1);
            }
            for (&(buyer, bought), total) in &bought_total {
                let _ = writeln!(
                    y,
                    "  - balance: {{ account: \"{}\", asset: \"{}\", equals: {total} }}",
                    user(buyer),
                    asset(bought)
                );
            }
            for &j in sold.keys() {
                let k = owner_of_asset(j);
                let _ = writeln!(
                    y,
                    "  - balance: {{ account: \"{}\", asset: \"{}\", equals: 1000 }}",
                    treasury(k),
                    asset(j)
                );
            }
        }
        Faults::Light => y.push_str("\nfaults:\n  drop: 0.01\n  duplicate: 0.01\n"),
        Faults::Heavy => {
            let _ = write!(
                y,
                "\nfaults:\n  drop: 0.05\n  duplicate: 0.05\n  corrupt: 0.01\n  crashes:\n    - {{ org: {}, at_ms: {}, restart_ms: {} }}\n",
                org(orgs - 1),
                t as u64 * SPACING_MS / 3,
                t as u64 * SPACING_MS / 3 + 800
            );
        }
    }
    if faults != Faults::None {
        // Re-sends outlast what the faults do: every transfer still ends, settled or not.
        y.push_str("\nprotocol:\n  timeout_ms: 400\n  retries: 8\n");
    }
    y
}

fn check(spec: &Spec) -> Result<(), SpecError> {
    let invalid = |why: String| Err(SpecError::Invalid(why));
    if spec.clusters == 0 {
        return invalid("--clusters must be at least 1".into());
    }
    if spec.orgs < spec.clusters {
        return invalid(format!(
            "--orgs ({}) must be at least --clusters ({}): every cluster needs an org",
            spec.orgs, spec.clusters
        ));
    }
    if spec.users == 0 || spec.assets == 0 {
        return invalid("--users and --assets must be at least 1".into());
    }
    // Users and assets are dealt round-robin from org 1: buyers and sellers span min(users, orgs)
    // and min(assets, orgs) orgs.
    if spec.transfers > 0 && spec.users.min(spec.orgs) == 1 && spec.assets.min(spec.orgs) == 1 {
        return invalid("a transfer needs an asset of another org than the buyer's: give --orgs 2 or more with --users or --assets 2 or more".into());
    }
    let least = least_bytes(spec);
    if least > u128::from(crate::scenario::MAX_FILE_BYTES) {
        return Err(SpecError::TooLarge { takes: "would take at least", bytes: least });
    }
    Ok(())
}

/// The fewest bytes the scenario of `spec` can take: each org, user, asset and transfer writes
/// at least this many (a user's block is about 90 bytes, a transfer's step about 130), so a size
/// over the file limit is refused at once, before anything is built.
fn least_bytes(spec: &Spec) -> u128 {
    let n = |x: usize| x as u128;
    n(spec.clusters) * 30 + n(spec.orgs) * 7 + n(spec.users) * 80 + n(spec.assets) * 80 + n(spec.transfers) * 120
}

fn faults_word(faults: Faults) -> &'static str {
    match faults {
        Faults::None => "none",
        Faults::Light => "light",
        Faults::Heavy => "heavy",
    }
}

/// A made-up person for user `j`: a name and a country.
fn person(j: usize) -> (String, &'static str) {
    const GIVEN: [&str; 8] = ["Alice", "Bruno", "Chiara", "Dmitri", "Elif", "Farah", "Goran", "Hana"];
    const FAMILY: [&str; 6] = ["Example", "Weber", "Rossi", "Novak", "Sato", "Okafor"];
    const COUNTRIES: [&str; 5] = ["GB", "DE", "US", "FR", "JP"];
    (format!("{} {} {}", GIVEN[j % 8], FAMILY[(j / 8) % 6], j + 1), COUNTRIES[j % 5])
}
