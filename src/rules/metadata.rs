//! A rule's `metadata` pairs: kept flat, in rule order, with keys and
//! values interned across the rule set. ET Open gives each of its ~25,000
//! rules about eight pairs drawn from a few thousand distinct strings
//! (dates, products, severities), so one shared copy of each string costs a
//! fraction of a copy per rule.

use serde::ser::{Serialize, SerializeMap, Serializer};
use std::collections::HashSet;
use std::sync::Arc;

/// `metadata` key/value pairs in the order the rule wrote them; a key may
/// repeat (`tag SQLi, tag XSS`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Metadata(Vec<(Arc<str>, Arc<str>)>);

impl Metadata {
    pub fn push(&mut self, key: Arc<str>, value: Arc<str>) {
        self.0.push((key, value));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (&**k, &**v))
    }

    /// Each distinct key once, in order of first appearance, with its
    /// values in rule order (EVE's `alert.metadata` shape).
    pub fn grouped(&self) -> Vec<(&str, Vec<&str>)> {
        let mut out: Vec<(&str, Vec<&str>)> = Vec::new();
        for (k, v) in self.pairs() {
            match out.iter_mut().find(|(key, _)| *key == k) {
                Some((_, values)) => values.push(v),
                None => out.push((k, vec![v])),
            }
        }
        out
    }

    /// Drops spare capacity: a rule set keeps its metadata for its life.
    pub fn shrink(&mut self) {
        self.0.shrink_to_fit();
    }
}

impl<K: Into<Arc<str>>, V: Into<Arc<str>>> FromIterator<(K, V)> for Metadata {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Metadata(iter.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }
}

impl<K: Into<Arc<str>>, V: Into<Arc<str>>> Extend<(K, V)> for Metadata {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        self.0.extend(iter.into_iter().map(|(k, v)| (k.into(), v.into())));
    }
}

/// `{"key": ["value", …], …}`, keys in order of first appearance.
impl Serialize for Metadata {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let groups = self.grouped();
        let mut map = s.serialize_map(Some(groups.len()))?;
        for (k, values) in &groups {
            map.serialize_entry(k, values)?;
        }
        map.end()
    }
}

/// One shared copy of each string seen.
#[derive(Default)]
pub struct Interner(HashSet<Arc<str>>);

impl Interner {
    pub fn intern(&mut self, s: &str) -> Arc<str> {
        if let Some(known) = self.0.get(s) {
            return known.clone();
        }
        let new: Arc<str> = Arc::from(s);
        self.0.insert(new.clone());
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_keys_group_in_first_appearance_order() {
        let m: Metadata = [("tag", "a"), ("severity", "Major"), ("tag", "b")]
            .into_iter()
            .collect();
        assert_eq!(m.grouped(), vec![("tag", vec!["a", "b"]), ("severity", vec!["Major"])]);
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"tag":["a","b"],"severity":["Major"]}"#
        );
        assert!(Metadata::default().is_empty());
    }

    #[test]
    fn interned_strings_are_one_allocation() {
        let mut i = Interner::default();
        let a = i.intern("2019_09_27");
        let b = i.intern(&String::from("2019_09_27"));
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &i.intern("2019_09_28")));
    }
}
