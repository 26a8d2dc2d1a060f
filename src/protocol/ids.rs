//! Identifiers of the FinP2P model: organizations, clusters, resources and the
//! addresses that envelopes carry.
//!
//! Resource ids are `ORG:TYPE:NAME` as in the reference flow (type 100 = user/account,
//! 101 = asset). The public FinP2P specification uses 101 for users and 102 for
//! assets; finsim follows the seed (see `docs/protocol.md`).

use serde::{Deserialize, Serialize};
use serde_with::DeserializeFromStr;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// Whether two shared texts are equal: at once when they are the same text (an id's copies
/// share theirs), else byte by byte.
#[inline]
fn same_text(a: &Arc<str>, b: &Arc<str>) -> bool {
    Arc::ptr_eq(a, b) || **a == **b
}

/// Orders two shared texts exactly as `str` does (byte by byte, a prefix first), in an inline
/// loop rather than a call: ids are short, and every map of the run is keyed by them. The same
/// text is equal at once.
#[inline]
fn text_order(a: &Arc<str>, b: &Arc<str>) -> Ordering {
    if Arc::ptr_eq(a, b) {
        return Ordering::Equal;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    for (x, y) in a.iter().zip(b) {
        if x != y {
            return x.cmp(y);
        }
    }
    a.len().cmp(&b.len())
}

/// The resource type code of a user (an account), as the seed writes it.
pub const USER_TYPE: u16 = 100;
/// The resource type code of an asset, as the seed writes it.
pub const ASSET_TYPE: u16 = 101;

macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// The text is shared: a copy of the id (every message, note and event names one) is a
        /// reference count, not a new string. It is compared, ordered and written as its text.
        #[derive(Clone, Debug, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Arc<str>);

        impl PartialEq for $name {
            #[inline]
            fn eq(&self, other: &Self) -> bool {
                same_text(&self.0, &other.0)
            }
        }

        impl Eq for $name {}

        impl PartialOrd for $name {
            #[inline]
            fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
                Some(self.cmp(other))
            }
        }

        impl Ord for $name {
            #[inline]
            fn cmp(&self, other: &Self) -> Ordering {
                text_order(&self.0, &other.0)
            }
        }

        impl Hash for $name {
            fn hash<H: Hasher>(&self, state: &mut H) {
                self.0.hash(state)
            }
        }

        impl $name {
            /// The name as written in the scenario file.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s.into())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.into())
            }
        }
    };
}

name_type!(
    /// The name of an organization (a FinP2P node), e.g. `org_1`.
    OrgId
);
name_type!(
    /// The name of a cluster of organizations sharing one ledger, e.g. `cluster_B`.
    ClusterId
);

/// Whether `name` is a valid org or cluster name: letters, digits, `_`, `-`, `.`.
pub fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// A FinP2P resource id `ORG:TYPE:NAME`: written as that string everywhere, in the trace, the
/// JSON and the signed bytes of a message alike. Ordered by org, type, then name.
#[derive(Clone, Debug, DeserializeFromStr)]
pub struct ResourceId {
    /// The organization that manages the resource.
    pub org: OrgId,
    /// The resource type code (100 user, 101 asset).
    pub kind: u16,
    /// The resource's own name (shared by every copy of the id, as its org's name is).
    pub name: Arc<str>,
}

impl PartialEq for ResourceId {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && same_text(&self.name, &other.name) && self.org == other.org
    }
}

impl Eq for ResourceId {}

impl PartialOrd for ResourceId {
    #[inline]
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ResourceId {
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        self.org.cmp(&other.org).then(self.kind.cmp(&other.kind)).then_with(|| text_order(&self.name, &other.name))
    }
}

impl Hash for ResourceId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (&self.org, self.kind, &self.name).hash(state)
    }
}

/// Why a text is not an id: one variant per rule, each saying what was expected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Not three parts separated by colons.
    #[error("`{0}` is not a resource id: expected ORG:TYPE:NAME, e.g. org_2:101:asset_1")]
    NotAResourceId(String),
    /// The ORG part is not a plain name.
    #[error("`{org}` is not a valid org name in resource id `{text}`")]
    OrgName {
        /// The ORG part.
        org: String,
        /// The whole id.
        text: String,
    },
    /// The TYPE part is not a number.
    #[error("`{kind}` is not a resource type in `{text}`: expected 100 (user) or 101 (asset)")]
    TypeNotANumber {
        /// The TYPE part.
        kind: String,
        /// The whole id.
        text: String,
    },
    /// The TYPE is neither a user's nor an asset's.
    #[error("resource type {kind} in `{text}` is unknown: expected 100 (user) or 101 (asset)")]
    UnknownType {
        /// The type.
        kind: u16,
        /// The whole id.
        text: String,
    },
    /// The NAME part is empty or holds white space.
    #[error("`{0}` has an empty or blank NAME part")]
    BlankName(String),
    /// The NAME part holds a control or invisible character.
    #[error("the NAME part of `{text}` holds U+{code:04X}, a control or invisible character")]
    UnsafeName {
        /// The whole id.
        text: String,
        /// The character's code point.
        code: u32,
    },
    /// The NAME part holds a right-to-left character.
    #[error(
        "the NAME part of `{text}` holds U+{code:04X}, a right-to-left character: ids are shown left to right, \
         and such a NAME can look like another id"
    )]
    RightToLeftName {
        /// The whole id.
        text: String,
        /// The character's code point.
        code: u32,
    },
    /// Not an org, `ledger:CLUSTER` or `user:ORG:100:NAME`.
    #[error("`{0}` is not an actor id: expected ORG, ledger:CLUSTER or user:ORG:100:NAME")]
    NotAnActorId(String),
    /// `cluster:` followed by what is not a plain name.
    #[error("`{0}` is not a cluster address")]
    NotAClusterAddress(String),
}

impl ResourceId {
    /// Parses `ORG:TYPE:NAME`; the error says what was expected.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let (org, kind, name) = Self::split(text)?;
        Ok(Self { org: OrgId::from(org), kind, name: name.into() })
    }

    /// The org, type and name of `ORG:TYPE:NAME`, checked as [`ResourceId::parse`] checks them,
    /// without copying them out of `text`.
    pub fn split(text: &str) -> Result<(&str, u16, &str), IdError> {
        let mut parts = text.splitn(3, ':');
        let (Some(org), Some(kind), Some(name)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(IdError::NotAResourceId(text.to_owned()));
        };
        if !is_plain_name(org) {
            return Err(IdError::OrgName { org: org.to_owned(), text: text.to_owned() });
        }
        let kind: u16 =
            kind.parse().map_err(|_| IdError::TypeNotANumber { kind: kind.to_owned(), text: text.to_owned() })?;
        if kind != USER_TYPE && kind != ASSET_TYPE {
            return Err(IdError::UnknownType { kind, text: text.to_owned() });
        }
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(IdError::BlankName(text.to_owned()));
        }
        if let Some(c) = name.chars().find(|c| crate::text::is_unsafe(*c)) {
            return Err(IdError::UnsafeName { text: text.to_owned(), code: c as u32 });
        }
        if let Some(c) = name.chars().find(|c| crate::text::is_right_to_left(*c)) {
            return Err(IdError::RightToLeftName { text: text.to_owned(), code: c as u32 });
        }
        Ok((org, kind, name))
    }

    /// Whether this resource is a user (an account).
    pub fn is_user(&self) -> bool {
        self.kind == USER_TYPE
    }

    /// Whether this resource is an asset.
    pub fn is_asset(&self) -> bool {
        self.kind == ASSET_TYPE
    }
}

impl std::str::FromStr for ResourceId {
    type Err = IdError;

    fn from_str(text: &str) -> Result<Self, IdError> {
        Self::parse(text)
    }
}

impl ResourceId {
    /// The pieces of its text, in order: `ORG`, `:`, `TYPE`, `:`, `NAME` (the type's digits
    /// written into `digits`).
    fn pieces<'a>(&'a self, digits: &'a mut itoa::Buffer) -> [&'a str; 5] {
        [self.org.as_str(), ":", digits.format(self.kind), ":", &self.name]
    }
}

impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.pieces(&mut itoa::Buffer::new()).iter().try_for_each(|piece| f.write_str(piece))
    }
}

impl TextPieces for ResourceId {
    fn with_pieces<R>(&self, use_pieces: impl FnOnce(&[&str]) -> R) -> R {
        use_pieces(&self.pieces(&mut itoa::Buffer::new()))
    }
}

impl Serialize for ResourceId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_text(self, serializer)
    }
}

/// An id whose text is a few pieces of text in a row: what its `Display` writes, handed over
/// without a formatter.
pub trait TextPieces {
    /// Calls `use_pieces` with the pieces of the id's text, in order.
    fn with_pieces<R>(&self, use_pieces: impl FnOnce(&[&str]) -> R) -> R;

    /// Appends the id's text to `out`.
    fn append_text(&self, out: &mut Vec<u8>) {
        self.with_pieces(|pieces| pieces.iter().for_each(|piece| out.extend_from_slice(piece.as_bytes())));
    }

    /// Appends the id's text to `out`.
    fn push_text(&self, out: &mut String) {
        self.with_pieces(|pieces| pieces.iter().for_each(|piece| out.push_str(piece)));
    }

    /// The id's text, in one allocation of its length (`to_string` grows a string piece by piece).
    fn text(&self) -> String {
        self.with_pieces(|pieces| pieces.concat())
    }

    /// The id's text as shared text, in one allocation.
    fn shared_text(&self) -> Arc<str> {
        self.with_pieces(|pieces| {
            let mut text = arrayvec::ArrayString::<128>::new();
            match pieces.iter().try_for_each(|piece| text.try_push_str(piece)) {
                Ok(()) => Arc::from(text.as_str()),
                Err(_) => Arc::from(pieces.concat()),
            }
        })
    }

    /// Whether the id's text is `text`, compared without writing it.
    fn text_is(&self, text: &str) -> bool {
        self.with_pieces(|pieces| {
            let mut rest = text.as_bytes();
            pieces.iter().all(|piece| match rest.strip_prefix(piece.as_bytes()) {
                Some(after) => {
                    rest = after;
                    true
                }
                None => false,
            }) && rest.is_empty()
        })
    }
}

impl TextPieces for str {
    fn with_pieces<R>(&self, use_pieces: impl FnOnce(&[&str]) -> R) -> R {
        use_pieces(&[self])
    }
}

/// Serializes `id` as its text, its pieces put together once into a buffer on the stack (long
/// enough for any id a scenario names; a longer one takes a `String`): one `serialize_str`,
/// where `collect_str` writes the text through the formatter for every serializer, and twice
/// for postcard (once to count its length). The encoding is the same.
fn serialize_text<S: serde::Serializer>(id: &(impl TextPieces + ?Sized), serializer: S) -> Result<S::Ok, S::Error> {
    id.with_pieces(|pieces| {
        let mut text = arrayvec::ArrayString::<128>::new();
        if pieces.iter().try_for_each(|piece| text.try_push_str(piece)).is_ok() {
            serializer.serialize_str(&text)
        } else {
            serializer.serialize_str(&pieces.concat())
        }
    })
}

/// One actor of the simulation: every one of them signs what it sends. Written as its id
/// everywhere: `org_1`, `ledger:cluster_B`, `user:org_1:100:user_1`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, DeserializeFromStr)]
pub enum ActorId {
    /// An organization's FinP2P node.
    Org(OrgId),
    /// The ledger (DLT) of a cluster.
    Ledger(ClusterId),
    /// The application acting for one user.
    User(ResourceId),
}

impl ActorId {
    /// The organization, if this actor is one.
    pub fn org(&self) -> Option<&OrgId> {
        match self {
            ActorId::Org(org) => Some(org),
            _ => None,
        }
    }
}

/// The part the actor that took a path plays: an org's node, a cluster's ledger, a user's
/// application.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// An organization's node.
    Org,
    /// A cluster's ledger.
    Ledger,
    /// A user's application.
    User,
}

impl Role {
    /// The role of an actor.
    pub fn of(actor: &ActorId) -> Self {
        match actor {
            ActorId::Org(_) => Role::Org,
            ActorId::Ledger(_) => Role::Ledger,
            ActorId::User(_) => Role::User,
        }
    }

    /// The word the JSON and the docs use.
    pub fn word(self) -> &'static str {
        match self {
            Role::Org => "org",
            Role::Ledger => "ledger",
            Role::User => "user",
        }
    }
}

impl std::str::FromStr for ActorId {
    type Err = IdError;

    fn from_str(text: &str) -> Result<Self, IdError> {
        if let Some(cluster) = text.strip_prefix("ledger:") {
            Ok(ActorId::Ledger(ClusterId::from(cluster)))
        } else if let Some(user) = text.strip_prefix("user:") {
            ResourceId::parse(user).map(ActorId::User)
        } else if is_plain_name(text) {
            Ok(ActorId::Org(OrgId::from(text)))
        } else {
            Err(IdError::NotAnActorId(text.to_owned()))
        }
    }
}

impl TextPieces for ActorId {
    fn with_pieces<R>(&self, use_pieces: impl FnOnce(&[&str]) -> R) -> R {
        match self {
            ActorId::Org(org) => use_pieces(&[org.as_str()]),
            ActorId::Ledger(cluster) => use_pieces(&["ledger:", cluster.as_str()]),
            ActorId::User(user) => {
                let mut digits = itoa::Buffer::new();
                let [org, colon, kind, colon_2, name] = user.pieces(&mut digits);
                use_pieces(&["user:", org, colon, kind, colon_2, name])
            }
        }
    }
}

impl fmt::Display for ActorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.with_pieces(|pieces| pieces.iter().try_for_each(|piece| f.write_str(piece)))
    }
}

impl Serialize for ActorId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_text(self, serializer)
    }
}

/// Where an envelope is addressed: one actor, or every org of a cluster (a broadcast). Written
/// as the actor's id, or `cluster:NAME` (no actor id starts so: an org's name has no colon).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Address {
    /// One actor.
    Actor(ActorId),
    /// Every organization of a cluster: one transmission per member.
    Cluster(ClusterId),
}

impl Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_text(self, serializer)
    }
}

/// A broadcast's address as written: `cluster:NAME`.
struct ClusterAddress<'a>(&'a ClusterId);

impl TextPieces for ClusterAddress<'_> {
    fn with_pieces<R>(&self, use_pieces: impl FnOnce(&[&str]) -> R) -> R {
        use_pieces(&["cluster:", self.0.as_str()])
    }
}

impl std::str::FromStr for Address {
    type Err = IdError;

    fn from_str(text: &str) -> Result<Self, IdError> {
        match text.strip_prefix("cluster:") {
            Some(cluster) if is_plain_name(cluster) => Ok(Address::Cluster(ClusterId::from(cluster))),
            Some(_) => Err(IdError::NotAClusterAddress(text.to_owned())),
            None => text.parse().map(Address::Actor),
        }
    }
}

impl<'de> Deserialize<'de> for Address {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?.parse().map_err(serde::de::Error::custom)
    }
}

impl TextPieces for Address {
    fn with_pieces<R>(&self, use_pieces: impl FnOnce(&[&str]) -> R) -> R {
        match self {
            Address::Actor(actor) => actor.with_pieces(use_pieces),
            Address::Cluster(cluster) => ClusterAddress(cluster).with_pieces(use_pieces),
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Actor(actor) => write!(f, "{actor}"),
            Address::Cluster(cluster) => write!(f, "{cluster}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn an_actors_role_reads_as_the_word_the_coverage_table_writes() {
        let roles = ["org_1", "ledger:cluster_B", "user:org_1:100:user_1"].map(|id| Role::of(&id.parse().unwrap()));
        assert_eq!(roles, [Role::Org, Role::Ledger, Role::User]);
        assert_eq!(roles.map(Role::word), ["org", "ledger", "user"]);
        for role in roles {
            assert_eq!(serde_json::to_value(role).unwrap(), role.word());
        }
    }

    proptest! {
        /// Ids compare as their texts do (a map of ids iterates as a map of their texts would,
        /// so no trace changes with the comparison), whether or not two of them share a text.
        #[test]
        fn ids_are_ordered_and_equal_as_their_texts(a in "[a-c_é]{0,4}", b in "[a-c_é]{0,4}", ka in 100u16..102, kb in 100u16..102) {
            let (oa, ob) = (OrgId::from(a.as_str()), OrgId::from(b.as_str()));
            prop_assert_eq!(oa.cmp(&ob), a.cmp(&b));
            prop_assert_eq!(oa == ob, a == b);
            prop_assert_eq!(ClusterId::from(a.as_str()).cmp(&ClusterId::from(b.as_str())), a.cmp(&b));
            prop_assert_eq!(oa.cmp(&oa.clone()), Ordering::Equal);
            let (ra, rb) = (
                ResourceId { org: oa.clone(), kind: ka, name: b.as_str().into() },
                ResourceId { org: ob.clone(), kind: kb, name: a.as_str().into() },
            );
            prop_assert_eq!(ra.cmp(&rb), (&a, ka, &b).cmp(&(&b, kb, &a)));
            prop_assert_eq!(ra == rb, (&a, ka, &b) == (&b, kb, &a));
            prop_assert_eq!(ra.partial_cmp(&rb), Some(ra.cmp(&rb)));
            // Equal ids hash alike, and (but for a 64-bit collision) different ones do not.
            let hash = |id: &ResourceId| {
                let mut hasher = std::hash::DefaultHasher::new();
                id.hash(&mut hasher);
                hasher.finish()
            };
            prop_assert_eq!(hash(&ra) == hash(&rb), ra == rb);
            let copy = ResourceId { org: OrgId::from(a.as_str()), kind: ka, name: b.as_str().into() };
            prop_assert_eq!(hash(&ra), hash(&copy));
            prop_assert_eq!(ActorId::User(ra.clone()).cmp(&ActorId::Org(oa.clone())), Ordering::Greater);
        }
    }

    #[test]
    fn an_id_is_encoded_as_its_text_however_long() {
        let long = format!("org_1:100:{}", "n".repeat(200));
        for text in ["org_1", "ledger:cluster_B", "user:org_1:100:user_1", &format!("user:{long}")] {
            let actor: ActorId = text.parse().unwrap();
            assert_eq!(actor.to_string(), text);
            let (mut pushed, mut appended) = (String::from(">"), b">".to_vec());
            actor.push_text(&mut pushed);
            actor.append_text(&mut appended);
            assert_eq!(
                (pushed.as_str(), appended.as_slice()),
                (format!(">{text}").as_str(), format!(">{text}").as_bytes())
            );
            assert_eq!((actor.text(), &*actor.shared_text()), (text.to_owned(), text), "written whole, however long");
            assert!(actor.text_is(text), "{text}");
            for other in [&text[..text.len() - 1], &format!("{text}x"), &format!("x{}", &text[1..]), ""] {
                assert!(!actor.text_is(other), "{text} is not {other}");
            }
            assert_eq!(postcard::to_allocvec(&actor).unwrap(), postcard::to_allocvec(text).unwrap(), "{text}");
            assert_eq!(serde_json::to_string(&actor).unwrap(), serde_json::to_string(text).unwrap());
            let to = Address::Actor(actor);
            assert_eq!(postcard::to_allocvec(&to).unwrap(), postcard::to_allocvec(text).unwrap(), "{text}");
        }
        let resource = ResourceId::parse(&long).unwrap();
        assert_eq!(postcard::to_allocvec(&resource).unwrap(), postcard::to_allocvec(&long).unwrap());
        let cluster = Address::Cluster(ClusterId::from("cluster_B"));
        assert_eq!(serde_json::to_string(&cluster).unwrap(), "\"cluster:cluster_B\"");
    }

    #[test]
    fn resource_ids_round_trip_and_reject_bad_types() {
        let id = ResourceId::parse("org_2:101:asset_1").unwrap();
        assert_eq!(id.org.as_str(), "org_2");
        assert!(id.is_asset());
        assert_eq!(id.to_string(), "org_2:101:asset_1");
        assert!(ResourceId::parse("org_2:102:asset_1").is_err());
        assert!(ResourceId::parse("org_2:asset_1").is_err());
        assert!(ResourceId::parse("org 2:100:x").is_err());
        assert_eq!(ResourceId::split("org_2:101:asset_1"), Ok(("org_2", 101, "asset_1")), "split as parsed");
        for bad in ["org_2:102:asset_1", "org_2:asset_1", "org 2:100:x", "org_2:100:", "org_2:100:\u{7}"] {
            assert_eq!(ResourceId::split(bad).err(), ResourceId::parse(bad).err(), "{bad}");
        }
    }

    #[test]
    fn a_resource_id_needs_a_name_without_blanks_and_is_a_user_or_an_asset() {
        for bad in ["org_2:100:", "org_2:100:a b", "org_2:100:\tb"] {
            assert!(ResourceId::parse(bad).is_err(), "{bad}");
        }
        let user = ResourceId::parse("org_1:100:user_1").unwrap();
        assert!(user.is_user() && !user.is_asset());
        let asset = ResourceId::parse("org_2:101:asset_1").unwrap();
        assert!(asset.is_asset() && !asset.is_user());
    }

    #[test]
    fn ids_are_written_as_their_strings_and_read_back_in_json_and_on_the_wire() {
        let user = ResourceId::parse("org_1:100:user_1").unwrap();
        let actors = [
            (ActorId::Org(OrgId::from("org_1")), "org_1"),
            (ActorId::Ledger(ClusterId::from("cluster_B")), "ledger:cluster_B"),
            (ActorId::User(user.clone()), "user:org_1:100:user_1"),
        ];
        for (actor, text) in actors {
            assert_eq!(serde_json::to_value(&actor).unwrap(), text);
            assert_eq!(serde_json::from_value::<ActorId>(text.into()).unwrap(), actor);
            let bytes = postcard::to_allocvec(&actor).unwrap();
            assert_eq!(bytes[1..], *text.as_bytes(), "a length, then the id");
            assert_eq!(postcard::from_bytes::<ActorId>(&bytes).unwrap(), actor);
        }
        assert_eq!(serde_json::to_value(&user).unwrap(), "org_1:100:user_1");
        assert_eq!(serde_json::from_value::<ResourceId>("org_1:100:user_1".into()).unwrap(), user);
        for bad in ["org 1", "user:org_1:102:x", "user:nothing"] {
            assert!(serde_json::from_value::<ActorId>(bad.into()).is_err(), "{bad}");
        }
        for (address, text) in [
            (Address::Cluster(ClusterId::from("cluster_B")), "cluster:cluster_B"),
            (Address::Actor(ActorId::Ledger(ClusterId::from("cluster_B"))), "ledger:cluster_B"),
        ] {
            assert_eq!(serde_json::to_value(&address).unwrap(), text);
            let mut written = String::new();
            address.push_text(&mut written);
            assert_eq!((written.as_str(), text.parse::<Address>()), (text, Ok(address.clone())));
            let bytes = postcard::to_allocvec(&address).unwrap();
            assert_eq!(postcard::from_bytes::<Address>(&bytes).unwrap(), address);
        }
        assert!(serde_json::from_value::<Address>("cluster:a b".into()).is_err());
    }
}
