//! Same scenario + same seed ⇒ the same trace, event by event; and the digests of
//! the bundled scenarios are pinned, so an accidental change in behaviour fails here.

use super::{bundled, load, relative};

#[test]
fn every_bundled_scenario_runs_the_same_twice_event_by_event() {
    for path in bundled() {
        let scenario = load(&path);
        let first = finsim::run(&scenario, scenario.seed);
        let second = finsim::run(&scenario, scenario.seed);
        assert_eq!(first.trace.len(), second.trace.len(), "{}", path.display());
        for (i, (a, b)) in first.trace.iter().zip(&second.trace).enumerate() {
            assert_eq!(a, b, "{}: event {i} differs", path.display());
        }
        assert_eq!(first.digest, second.digest);
    }
}

/// Re-pin with `.ci/pin-digests` after an intended change in behaviour.
const PINNED: &[(&str, &str)] = &[
    ("scenarios/advertise-then-transfer.yaml", "0bf544f3b262c0905c198c1eaac9088479ffba59dbba65190a6457f9892d6612"),
    (
        "scenarios/faults/asset-org-down-for-good.yaml",
        "5c56a0ddf1a0b2add5dec0369fcbc2eae167fd0a9b6e5e5a8cbfc2ac8fc4e98b",
    ),
    ("scenarios/faults/chaos.yaml", "02e6679dcf80d7a1ca6e494ea588203cd3af57a74f194809676b7257d657c05a"),
    ("scenarios/faults/corruption.yaml", "d1f32f85881349a766766f76cf6ee0393a14ce12c7c16320ff09df947c76c3d1"),
    (
        "scenarios/faults/crash-restart-asset-org.yaml",
        "231c84b7655b2c1853d8ab01e98aa4a08f30b7c93db8145f54fcded608fdad91",
    ),
    ("scenarios/faults/drop-and-retry.yaml", "19945d71a66877d39633d07f95cd12a7baa5b67f069ef852cbc2ebf828536e60"),
    (
        "scenarios/faults/duplicates-settle-once.yaml",
        "737fba1acdcc25879e58f1dfb7008c072b1c2c8edef85c156c57f330e7d6baaf",
    ),
    ("scenarios/faults/forging-node.yaml", "d15d0487a3bbe88e79143ce961d3bf96e6e019a4e97b0a2bf55e4d0c547ac9ba"),
    (
        "scenarios/faults/late-settlement-after-timeout.yaml",
        "b97c398b44bd1307bffeb3400b76739ff718c9bc9f7f6af1942dc914beeeb437",
    ),
    ("scenarios/faults/lying-balance-node.yaml", "d141a1259ecb8ae749442607cf5782f56dc4c11eb46b8b605c71765c70c4467a"),
    ("scenarios/faults/partition-heals.yaml", "2eaf4e227f636aa8eb6b75e80b9009e95087c8e568a5cbaf179ee6ca37990e3e"),
    (
        "scenarios/faults/partition-outlasts-retries.yaml",
        "07c5e8e232dd65ddf1a1bd42975f0cfe39acaa70e56707f5beb563d501833a30",
    ),
    ("scenarios/faults/replaying-node.yaml", "e12d3d778075a1ded13ba6faddc9de98d446efb21215243a585d6f773dc08b4f"),
    ("scenarios/faults/resubmitting-buyer.yaml", "138ac5275be22d06cae0ded94ef13fcb4302346caca0c2128bb789de062cb818"),
    (
        "scenarios/faults/silent-node-quorum-all.yaml",
        "aff9d344837f8ae241f4dc1912a6ce98ae4a34b33cb6a10a45f5762259cd666d",
    ),
    ("scenarios/faults/wrong-hash-node.yaml", "a43ac003e8d681a8e51976ee3c9f4bb822716dc365f6b8911c7d00d7e7b9356a"),
    ("scenarios/get-denied-and-not-found.yaml", "4724e8e68165f56212619694cb8c262d71346bdf3c589932b5a795013cc1bb09"),
    ("scenarios/insufficient-balance.yaml", "d86a4c259a84fe8d13d8ace79a0540536262a2e9b99fd1a473d5db7579b528a1"),
    (
        "scenarios/nosy-orgs-are-denied-personal-data.yaml",
        "1fb13fc83183643165b8ac6ef2c7b42ebc358ca28fa96680b3a647157d91309f",
    ),
    ("scenarios/regulation-rejection.yaml", "ef1f64de77a12de44142f38042823ca6f71e27d6ddf94f65f94b046b85202769"),
    ("scenarios/three-clusters.yaml", "693de5ed97d72d8520c50410c83446b2205b2457eddbdd16032cc3e95b282b23"),
];

#[test]
fn pinned_digests_of_the_bundled_scenarios() {
    let mut actual = Vec::new();
    for path in bundled() {
        let scenario = load(&path);
        actual.push((relative(&path), finsim::run(&scenario, scenario.seed).digest));
    }
    if std::env::var_os("FINSIM_PRINT_DIGESTS").is_some() {
        for (file, digest) in &actual {
            println!("    (\"{file}\", \"{digest}\"),");
        }
    }
    for (file, digest) in PINNED {
        let found = actual.iter().find(|(f, _)| f == file).unwrap_or_else(|| panic!("{file} is pinned but missing"));
        assert_eq!(&found.1, digest, "{file}: behaviour changed; if intended, re-pin (see above)");
    }
    assert_eq!(PINNED.len(), actual.len(), "every bundled scenario is pinned");
}
