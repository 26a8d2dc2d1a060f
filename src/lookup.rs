//! `Lookup`: a hash table that can only be looked up. Its order is the hasher's, so a run must
//! never see it: the type has no way to iterate, print or compare its entries, and nothing that
//! reaches a trace can depend on the order. It serves the tables a run consults at every event
//! (actors by id, the network's draw counters, the topology's nodes, cancelled timers), where a
//! tree's search by text cost more than the work it served. The hasher (`rustc-hash`) has no
//! random state. Every other map of the crate is a `BTreeMap`, and `clippy.toml` bans the
//! standard library's hash tables, whose order is random.

// The one place a hash table lives: behind a type that cannot iterate it.
#![allow(clippy::disallowed_types)]

use rustc_hash::FxHashMap;
use std::borrow::Borrow;
use std::hash::Hash;

/// A table that is looked up, never iterated (see the module's documentation).
pub struct Lookup<K, V>(FxHashMap<K, V>);

impl<K, V> Default for Lookup<K, V> {
    fn default() -> Self {
        Self(FxHashMap::default())
    }
}

impl<K, V> std::fmt::Debug for Lookup<K, V> {
    /// Only the number of entries: their order is the hasher's.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Lookup({} entries)", self.0.len())
    }
}

impl<K: Hash + Eq, V> Lookup<K, V> {
    /// The value under `key`.
    pub fn get<Q: Hash + Eq + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.0.get(key)
    }

    /// Whether `key` has a value.
    pub fn contains<Q: Hash + Eq + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.0.contains_key(key)
    }

    /// Puts `value` under `key`; the value it replaces, if any.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        self.0.insert(key, value)
    }

    /// Takes the value under `key` out.
    pub fn remove<Q: Hash + Eq + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.0.remove(key)
    }

    /// The value under `key`, put there first by `make` if there was none.
    pub fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        self.0.entry(key).or_insert_with(make)
    }

    /// How many entries it holds.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it holds nothing.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<K: Hash + Eq + Borrow<Q>, Q: Hash + Eq + ?Sized, V> std::ops::Index<&Q> for Lookup<K, V> {
    type Output = V;

    /// The value under `key`; panics if there is none (a caller's bug, as for any map).
    fn index(&self, key: &Q) -> &V {
        &self.0[key]
    }
}

impl<K: Hash + Eq, V> FromIterator<(K, V)> for Lookup<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(entries: I) -> Self {
        Self(entries.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::Lookup;

    #[test]
    fn a_lookup_finds_what_was_put_and_nothing_else() {
        let mut table: Lookup<String, u32> = Lookup::default();
        assert!(table.is_empty());
        assert_eq!(table.insert("a".into(), 1), None);
        assert_eq!(table.insert("a".into(), 2), Some(1));
        *table.get_or_insert_with("b".into(), || 7) += 1;
        assert_eq!(*table.get_or_insert_with("b".into(), || 0), 8, "made once");
        assert_eq!((table.get("a"), table.get("b"), table.get("c")), (Some(&2), Some(&8), None));
        assert_eq!(table["b"], 8);
        assert!(table.contains("a") && !table.contains("c"));
        assert_eq!(table.remove("a"), Some(2));
        assert_eq!((table.len(), table.get("a")), (1, None));
        assert_eq!(format!("{table:?}"), "Lookup(1 entries)");
        let built: Lookup<u8, u8> = [(1, 2), (3, 4)].into_iter().collect();
        assert_eq!((built.get(&1), built.get(&3), built.len()), (Some(&2), Some(&4), 2));
    }
}
