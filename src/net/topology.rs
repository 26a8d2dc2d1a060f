//! The topology: orgs, clusters and latency rules as a petgraph graph.
//!
//! Nodes are orgs and clusters; membership edges tie an org to its cluster, and
//! link edges carry latency overrides. The most specific rule wins: org–org over
//! org–cluster over cluster–cluster (a cluster linked with itself sets its
//! intra-cluster latency); among rules of equal specificity the later one wins.

use crate::lookup::Lookup;
use crate::protocol::ids::{ClusterId, OrgId};
use crate::scenario::{Endpoint, Latency, Scenario};
use petgraph::graph::{NodeIndex, UnGraph};

/// A node of the topology graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// An organization.
    Org(OrgId),
    /// A cluster.
    Cluster(ClusterId),
}

/// An edge of the topology graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edge {
    /// The org belongs to the cluster.
    Member,
    /// A latency override (the index orders rules of equal specificity).
    Link {
        /// Position of the rule in the file.
        rule: usize,
        /// The latency.
        latency: Latency,
    },
}

/// The graph and its lookups.
#[derive(Debug)]
pub struct Topology {
    graph: UnGraph<Node, Edge>,
    /// Each org's node and its cluster's node (one lookup per transmission's end). This and the
    /// two tables below are `Lookup`s: looked up at every transmission, never iterated.
    orgs: Lookup<OrgId, (NodeIndex, NodeIndex)>,
    clusters: Lookup<ClusterId, NodeIndex>,
    /// The latest link rule between each pair of nodes (the smaller index first), as the link
    /// edges say: looked up per transmission, where walking a cluster node's edges would cost
    /// one step per member.
    links: Lookup<(NodeIndex, NodeIndex), (usize, Latency)>,
    default_latency: Latency,
}

impl Topology {
    /// Builds the graph of a scenario.
    pub fn new(scenario: &Scenario) -> Self {
        let mut graph = UnGraph::new_undirected();
        let mut orgs = Lookup::default();
        let mut clusters = Lookup::default();
        for (cluster, members) in &scenario.clusters {
            let c = graph.add_node(Node::Cluster(cluster.clone()));
            clusters.insert(cluster.clone(), c);
            for org in members {
                let o = graph.add_node(Node::Org(org.clone()));
                graph.add_edge(o, c, Edge::Member);
                orgs.insert(org.clone(), (o, c));
            }
        }
        let links = Lookup::default();
        let mut topology = Self { graph, orgs, clusters, links, default_latency: scenario.network.latency };
        for (rule, link) in scenario.network.links.iter().enumerate() {
            let a = topology.node(&link.a);
            let b = topology.node(&link.b);
            topology.graph.add_edge(a, b, Edge::Link { rule, latency: link.latency });
        }
        for edge in topology.graph.edge_indices() {
            if let (Some((a, b)), Some(Edge::Link { rule, latency })) =
                (topology.graph.edge_endpoints(edge), topology.graph.edge_weight(edge))
            {
                let latest = topology.links.get_or_insert_with((a.min(b), a.max(b)), || (*rule, *latency));
                if *rule > latest.0 {
                    *latest = (*rule, *latency);
                }
            }
        }
        topology
    }

    fn node(&self, endpoint: &Endpoint) -> NodeIndex {
        match endpoint {
            Endpoint::Org(org) => self.orgs[org].0,
            Endpoint::Cluster(cluster) => self.clusters[cluster],
        }
    }

    /// The latest link rule between two nodes, if any, with its position in the file.
    fn link(&self, a: NodeIndex, b: NodeIndex) -> Option<(usize, Latency)> {
        self.links.get(&(a.min(b), a.max(b))).copied()
    }

    /// The latency model between two orgs (the same org counts as its own cluster). The
    /// answer does not depend on the direction: every rule is a pair, and at each level of
    /// specificity the later of the rules that match wins.
    pub fn latency_between(&self, a: &OrgId, b: &OrgId) -> Latency {
        let ((oa, ca), (ob, cb)) = (self.orgs[a], self.orgs[b]);
        let latest = |rules: &[Option<(usize, Latency)>]| {
            rules.iter().flatten().max_by_key(|(rule, _)| *rule).map(|(_, latency)| *latency)
        };
        if a != b {
            let org_org = latest(&[self.link(oa, ob)]);
            if let Some(latency) = org_org.or_else(|| latest(&[self.link(oa, cb), self.link(ob, ca)])) {
                return latency;
            }
        }
        latest(&[self.link(ca, cb)]).unwrap_or(self.default_latency)
    }

    /// The latency between an org and its own cluster's ledger: the intra-cluster latency.
    pub fn ledger_latency(&self, cluster: &ClusterId) -> Latency {
        let c = self.clusters[cluster];
        self.link(c, c).map_or(self.default_latency, |(_, latency)| latency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_links(links: &str) -> Topology {
        let text = format!(
            "name: links
network:
  latency: {{ constant: {{ ms: 1 }} }}
  links:
{links}
clusters:
  - {{ id: cluster_A, orgs: [org_1, org_2] }}
  - {{ id: cluster_B, orgs: [org_3] }}
flow: []
"
        );
        Topology::new(&crate::scenario::parse("links.yaml", &text).unwrap())
    }

    fn ms(latency: Latency) -> f64 {
        match latency {
            Latency::Constant { us } => us as f64 / 1000.0,
            other => panic!("{other:?}"),
        }
    }

    fn both_ways(topology: &Topology, a: &str, b: &str) -> (f64, f64) {
        let (a, b) = (OrgId::from(a), OrgId::from(b));
        (ms(topology.latency_between(&a, &b)), ms(topology.latency_between(&b, &a)))
    }

    #[test]
    fn two_org_cluster_rules_give_the_same_latency_both_ways_and_the_later_rule_wins() {
        let topology = with_links(
            "    - { between: [org_1, cluster_B], latency: { constant: { ms: 10 } } }
    - { between: [org_3, cluster_A], latency: { constant: { ms: 20 } } }",
        );
        assert_eq!(both_ways(&topology, "org_1", "org_3"), (20.0, 20.0));
        let topology = with_links(
            "    - { between: [org_3, cluster_A], latency: { constant: { ms: 20 } } }
    - { between: [org_1, cluster_B], latency: { constant: { ms: 10 } } }",
        );
        assert_eq!(both_ways(&topology, "org_1", "org_3"), (10.0, 10.0));
    }

    #[test]
    fn org_org_beats_org_cluster_beats_cluster_cluster_beats_the_default() {
        let topology = with_links(
            "    - { between: [org_1, org_3], latency: { constant: { ms: 5 } } }
    - { between: [org_1, cluster_B], latency: { constant: { ms: 10 } } }
    - { between: [cluster_A, cluster_B], latency: { constant: { ms: 30 } } }
    - { between: [cluster_A, cluster_A], latency: { constant: { ms: 2 } } }",
        );
        assert_eq!(both_ways(&topology, "org_1", "org_3"), (5.0, 5.0));
        assert_eq!(both_ways(&topology, "org_2", "org_3"), (30.0, 30.0));
        assert_eq!(both_ways(&topology, "org_1", "org_2"), (2.0, 2.0));
        assert_eq!(ms(topology.ledger_latency(&ClusterId::from("cluster_A"))), 2.0);
        assert_eq!(ms(topology.ledger_latency(&ClusterId::from("cluster_B"))), 1.0);
    }

    #[test]
    fn of_two_rules_for_the_same_pair_in_either_order_the_later_wins() {
        let first = "    - { between: [cluster_B, cluster_A], latency: { constant: { ms: 7 } } }";
        let second = "    - { between: [cluster_A, cluster_B], latency: { constant: { ms: 9 } } }";
        let topology = with_links(&format!("{first}\n{second}"));
        assert_eq!(both_ways(&topology, "org_1", "org_3"), (9.0, 9.0));
        let topology = with_links(&format!("{second}\n{first}"));
        assert_eq!(both_ways(&topology, "org_1", "org_3"), (7.0, 7.0));
    }
}
