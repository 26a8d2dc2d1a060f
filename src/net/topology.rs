//! The topology: orgs, clusters and latency rules as a petgraph graph.
//!
//! Nodes are orgs and clusters; membership edges tie an org to its cluster, and
//! link edges carry latency overrides. The most specific rule wins: org–org over
//! org–cluster over cluster–cluster (a cluster linked with itself sets its
//! intra-cluster latency); among rules of equal specificity the later one wins.

use crate::protocol::ids::{ClusterId, OrgId};
use crate::scenario::{Endpoint, Latency, Scenario};
use petgraph::graph::{NodeIndex, UnGraph};
use std::collections::BTreeMap;

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
    orgs: BTreeMap<OrgId, NodeIndex>,
    clusters: BTreeMap<ClusterId, NodeIndex>,
    cluster_of: BTreeMap<OrgId, ClusterId>,
    default_latency: Latency,
}

impl Topology {
    /// Builds the graph of a scenario.
    pub fn new(scenario: &Scenario) -> Self {
        let mut graph = UnGraph::new_undirected();
        let mut orgs = BTreeMap::new();
        let mut clusters = BTreeMap::new();
        let mut cluster_of = BTreeMap::new();
        for (cluster, members) in &scenario.clusters {
            let c = graph.add_node(Node::Cluster(cluster.clone()));
            clusters.insert(cluster.clone(), c);
            for org in members {
                let o = graph.add_node(Node::Org(org.clone()));
                graph.add_edge(o, c, Edge::Member);
                orgs.insert(org.clone(), o);
                cluster_of.insert(org.clone(), cluster.clone());
            }
        }
        let mut topology = Self { graph, orgs, clusters, cluster_of, default_latency: scenario.network.latency };
        for (rule, link) in scenario.network.links.iter().enumerate() {
            let a = topology.node(&link.a);
            let b = topology.node(&link.b);
            topology.graph.add_edge(a, b, Edge::Link { rule, latency: link.latency });
        }
        topology
    }

    fn node(&self, endpoint: &Endpoint) -> NodeIndex {
        match endpoint {
            Endpoint::Org(org) => self.orgs[org],
            Endpoint::Cluster(cluster) => self.clusters[cluster],
        }
    }

    /// The cluster of an org.
    pub fn cluster_of(&self, org: &OrgId) -> &ClusterId {
        &self.cluster_of[org]
    }

    /// The latest link rule between two nodes, if any.
    fn link(&self, a: NodeIndex, b: NodeIndex) -> Option<Latency> {
        self.graph
            .edges_connecting(a, b)
            .filter_map(|e| match e.weight() {
                Edge::Link { rule, latency } => Some((*rule, *latency)),
                Edge::Member => None,
            })
            .max_by_key(|(rule, _)| *rule)
            .map(|(_, latency)| latency)
    }

    /// The latency model between two orgs (the same org counts as its own cluster).
    pub fn latency_between(&self, a: &OrgId, b: &OrgId) -> Latency {
        let (oa, ob) = (self.orgs[a], self.orgs[b]);
        let (ca, cb) = (self.clusters[self.cluster_of(a)], self.clusters[self.cluster_of(b)]);
        if a != b {
            if let Some(latency) = self.link(oa, ob) {
                return latency;
            }
            let org_cluster = [self.link(oa, cb), self.link(ob, ca)];
            if let Some(latency) = org_cluster.into_iter().flatten().next() {
                return latency;
            }
        }
        self.link(ca, cb).unwrap_or(self.default_latency)
    }

    /// The latency between an org and its own cluster's ledger: the intra-cluster latency.
    pub fn ledger_latency(&self, cluster: &ClusterId) -> Latency {
        let c = self.clusters[cluster];
        self.link(c, c).unwrap_or(self.default_latency)
    }
}
