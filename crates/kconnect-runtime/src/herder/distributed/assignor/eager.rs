//! The eager (`default` protocol) assignor: everything is stopped on every rebalance and
//! re-dealt round-robin (kafka-connect-spec.md §7.3).

use super::{Assignments, Round};

/// Deals connectors (sorted by name), then tasks (by connector, then task number), over the
/// members sorted by id, continuing the same rotation from connectors into tasks.
pub fn assign(round: &Round<'_>) -> Assignments {
    if let Some(mismatch) = round.config_mismatch() {
        return mismatch;
    }
    let mut out: Assignments = round
        .members
        .iter()
        .map(|m| (m.id.clone(), round.base()))
        .collect();
    let ids: Vec<String> = out.keys().cloned().collect();
    if ids.is_empty() {
        return out;
    }
    let mut turn = ids.iter().cycle();
    for connector in &round.configured.connectors {
        if let Some(a) = turn.next().and_then(|id| out.get_mut(id)) {
            a.assigned.connectors.insert(connector.clone());
        }
    }
    for task in &round.configured.tasks {
        if let Some(a) = turn.next().and_then(|id| out.get_mut(id)) {
            a.assigned.tasks.insert(task.clone());
        }
    }
    out
}
