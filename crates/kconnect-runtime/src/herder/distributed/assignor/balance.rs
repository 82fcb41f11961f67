//! Load arithmetic shared by the incremental assignor: which items to take from
//! over-allocated workers, and dealing items to the least-loaded workers.

use std::collections::{BTreeMap, BTreeSet};

use crate::herder::distributed::work::WorkSet;

/// What each worker (by member id) holds.
pub(super) type Loads = BTreeMap<String, WorkSet>;

/// Items to take from workers that hold more than their share, where the share of each
/// worker is ⌊total/workers⌋ and (total mod workers) workers may hold one more; the total
/// counts `reserved` work too (held by nobody in `loads`, placed in a later round).
/// Computed separately for connectors and tasks; nothing is revoked when the loads are
/// balanced.
pub(super) fn revocations(
    configured: &WorkSet,
    reserved: &WorkSet,
    loads: &Loads,
) -> BTreeMap<String, WorkSet> {
    let mut out: BTreeMap<String, WorkSet> = BTreeMap::new();
    if loads.is_empty() || loads.values().all(WorkSet::is_empty) {
        return out;
    }
    let connectors = excess(
        configured.connectors.len() + reserved.connectors.len(),
        loads,
        |w| &w.connectors,
    );
    for (worker, items) in connectors {
        out.entry(worker).or_default().connectors.extend(items);
    }
    let tasks = excess(configured.tasks.len() + reserved.tasks.len(), loads, |w| {
        &w.tasks
    });
    for (worker, items) in tasks {
        out.entry(worker).or_default().tasks.extend(items);
    }
    out
}

fn excess<T: Ord + Clone>(
    total: usize,
    loads: &Loads,
    items: impl Fn(&WorkSet) -> &BTreeSet<T>,
) -> Vec<(String, Vec<T>)> {
    let workers = loads.len();
    let min = total / workers;
    let extras = total % workers;
    let at_min = loads.values().filter(|w| items(w).len() == min).count();
    let at_extra = loads.values().filter(|w| items(w).len() == min + 1).count();
    if at_extra == extras && at_min + at_extra == workers {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut extras_given = 0;
    for (worker, load) in loads {
        let held = items(load).len();
        if held <= min {
            continue;
        }
        let allowed = if extras_given < extras {
            extras_given += 1;
            if held == min + 1 {
                continue;
            }
            min + 1
        } else {
            min
        };
        // Take the last items in order; which ones is arbitrary but deterministic.
        let taken: Vec<T> = items(load)
            .iter()
            .rev()
            .take(held - allowed)
            .cloned()
            .collect();
        out.push((worker.clone(), taken));
    }
    out
}

/// Deals `items` to the least-loaded workers first (by `count`, ties by member id), filling
/// the lowest tier before the next.
pub(super) fn deal<T>(
    loads: &mut Loads,
    items: impl IntoIterator<Item = T>,
    count: impl Fn(&WorkSet) -> usize,
    insert: impl Fn(&mut WorkSet, T),
) {
    for item in items {
        let Some(load) = loads
            .iter_mut()
            .min_by(|(a_id, a), (b_id, b)| count(a).cmp(&count(b)).then_with(|| a_id.cmp(b_id)))
            .map(|(_, load)| load)
        else {
            return;
        };
        insert(load, item);
    }
}

/// Connectors and tasks that more than one worker holds.
pub(super) fn duplicated(loads: &Loads) -> WorkSet {
    let mut seen = WorkSet::new();
    let mut dup = WorkSet::new();
    for load in loads.values() {
        for c in &load.connectors {
            if !seen.connectors.insert(c.clone()) {
                dup.connectors.insert(c.clone());
            }
        }
        for t in &load.tasks {
            if !seen.tasks.insert(t.clone()) {
                dup.tasks.insert(t.clone());
            }
        }
    }
    dup
}
