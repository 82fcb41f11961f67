//! Units of work a Connect cluster distributes: connector instances and tasks.

use std::collections::BTreeSet;

use crate::task::TaskId;

/// A set of connectors (the `Connector` instances themselves) and tasks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct WorkSet {
    /// Connector names whose `Connector` instance is included.
    pub connectors: BTreeSet<String>,
    /// Tasks included.
    pub tasks: BTreeSet<TaskId>,
}

impl WorkSet {
    /// Nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// A set of the given connectors and tasks.
    pub fn of(
        connectors: impl IntoIterator<Item = String>,
        tasks: impl IntoIterator<Item = TaskId>,
    ) -> Self {
        Self {
            connectors: connectors.into_iter().collect(),
            tasks: tasks.into_iter().collect(),
        }
    }

    /// Whether the set holds nothing.
    pub fn is_empty(&self) -> bool {
        self.connectors.is_empty() && self.tasks.is_empty()
    }

    /// Number of connectors plus tasks.
    pub fn len(&self) -> usize {
        self.connectors.len() + self.tasks.len()
    }

    /// Adds everything in `other`.
    pub fn extend(&mut self, other: &WorkSet) {
        self.connectors.extend(other.connectors.iter().cloned());
        self.tasks.extend(other.tasks.iter().cloned());
    }

    /// Removes everything in `other`.
    pub fn remove_all(&mut self, other: &WorkSet) {
        self.connectors.retain(|c| !other.connectors.contains(c));
        self.tasks.retain(|t| !other.tasks.contains(t));
    }

    /// What this set holds that `other` does not.
    pub fn minus(&self, other: &WorkSet) -> WorkSet {
        let mut out = self.clone();
        out.remove_all(other);
        out
    }

    /// What both sets hold.
    pub fn intersect(&self, other: &WorkSet) -> WorkSet {
        WorkSet {
            connectors: self
                .connectors
                .intersection(&other.connectors)
                .cloned()
                .collect(),
            tasks: self.tasks.intersection(&other.tasks).cloned().collect(),
        }
    }

    /// Connector names mentioned by connectors or tasks, sorted.
    pub fn connector_names(&self) -> BTreeSet<&str> {
        self.connectors
            .iter()
            .map(String::as_str)
            .chain(self.tasks.iter().map(|t| t.connector.as_str()))
            .collect()
    }
}

/// A task id from a connector name and number.
pub fn task(connector: &str, task: u32) -> TaskId {
    TaskId {
        connector: connector.to_string(),
        task,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_operations() {
        let a = WorkSet::of(
            ["a".to_string(), "b".to_string()],
            [task("a", 0), task("a", 1)],
        );
        let b = WorkSet::of(["b".to_string()], [task("a", 1), task("c", 0)]);
        assert_eq!(a.len(), 4);
        assert_eq!(a.minus(&b), WorkSet::of(["a".to_string()], [task("a", 0)]));
        assert_eq!(
            a.intersect(&b),
            WorkSet::of(["b".to_string()], [task("a", 1)])
        );
        let mut c = a.clone();
        c.extend(&b);
        assert_eq!(c.len(), 5);
        assert_eq!(
            b.connector_names().into_iter().collect::<Vec<_>>(),
            vec!["a", "b", "c"]
        );
        assert!(WorkSet::new().is_empty());
    }
}
