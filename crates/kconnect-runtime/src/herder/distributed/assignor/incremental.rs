//! The incremental cooperative assignor (`compatible`/`sessioned`, kafka-connect-spec.md §7.4): members keep
//! running what stays theirs; the leader tells each member only what to start and what to
//! stop, and moves work in two steps (revoke in one round, assign in the next) so no
//! connector or task ever has two owners.
//!
//! Lost work (held by a member that left) is reassigned after at most
//! `scheduled.rebalance.max.delay.ms`. Java's default is 300 000 ms, which keeps a dead
//! worker's tasks stopped for up to five minutes; kconnect's default is
//! [`DEFAULT_MAX_DELAY_MS`] = 0, so lost work is reassigned in the rebalance that follows the
//! member's departure (that is, within `session.timeout.ms` plus one rebalance of a crash).
//! Set it above zero to give a restarting worker time to come back to its own work.

use std::collections::BTreeSet;

use super::balance::{deal, duplicated, revocations, Loads};
use super::{Assignments, Round};
use crate::herder::distributed::work::WorkSet;

/// kconnect's default for `scheduled.rebalance.max.delay.ms` (Java: 300 000).
pub const DEFAULT_MAX_DELAY_MS: u64 = 0;

/// The leader's memory between rounds (it starts empty on a new leader).
#[derive(Debug, Clone, Default)]
pub struct IncrementalAssignor {
    max_delay_ms: u64,
    previous_assignment: WorkSet,
    previous_revocation: WorkSet,
    previous_generation: Option<i32>,
    previous_members: BTreeSet<String>,
    /// Time (ms) of the scheduled rebalance; 0 when none.
    scheduled_rebalance: u64,
    delay: u64,
    candidates: BTreeSet<String>,
    revoked_in_previous: bool,
    successive_revoking: u32,
}

impl IncrementalAssignor {
    /// An assignor that waits at most `max_delay_ms` before reassigning lost work.
    pub fn new(max_delay_ms: u64) -> Self {
        Self {
            max_delay_ms,
            ..Self::default()
        }
    }

    /// The delay (ms) announced in the last round's assignments.
    pub fn delay_ms(&self) -> u64 {
        self.delay
    }

    /// Computes one round. `generation` is the generation being assigned,
    /// `last_completed_generation` the last one this leader completed, `now_ms` the clock.
    pub fn assign(
        &mut self,
        round: &Round<'_>,
        generation: i32,
        last_completed_generation: i32,
        now_ms: u64,
    ) -> Assignments {
        if let Some(mismatch) = round.config_mismatch() {
            return mismatch;
        }
        let configured = round.configured;
        if self.previous_generation != Some(last_completed_generation) {
            self.previous_assignment = WorkSet::new();
        }
        let owned: Loads = round
            .members
            .iter()
            .map(|m| (m.id.clone(), m.owned.clone()))
            .collect();
        let mut active = WorkSet::new();
        owned.values().for_each(|w| active.extend(w));
        if !self.previous_revocation.is_empty() {
            if !self.previous_revocation.intersect(&active).is_empty() {
                self.previous_assignment = active.clone();
            }
            self.previous_revocation = WorkSet::new();
        }
        let deleted = self.previous_assignment.minus(configured);
        let dup = duplicated(&owned);
        let lost = self.previous_assignment.minus(&active).minus(&deleted);
        let created = configured.minus(&self.previous_assignment).minus(&active);

        // Deleted work (and stale work a member reports for connectors that are gone) and
        // duplicated work is revoked from whoever has it.
        let mut to_revoke: Loads = Loads::new();
        for (id, load) in &owned {
            let mut r = load.intersect(&dup);
            r.extend(&load.minus(configured));
            if !r.is_empty() {
                to_revoke.insert(id.clone(), r);
            }
        }
        let current: Loads = owned
            .iter()
            .map(|(id, load)| (id.clone(), load.intersect(configured)))
            .collect();
        let mut next: Loads = owned
            .iter()
            .map(|(id, load)| {
                let mut l = load.clone();
                if let Some(r) = to_revoke.get(id) {
                    l.remove_all(r);
                }
                (id.clone(), l)
            })
            .collect();

        let reassign = self.handle_lost(&lost, &mut next, now_ms);
        if self.delay == 0 {
            let balancing = revocations(configured, round.reserved, &next);
            if self.revoked_in_previous && !balancing.is_empty() {
                self.successive_revoking += 1;
                let backoff = 40u64.saturating_pow(self.successive_revoking);
                self.delay = backoff.min(self.max_delay_ms);
                if self.delay != 0 {
                    self.scheduled_rebalance = now_ms + self.delay;
                } else {
                    apply_revocations(&mut to_revoke, &mut next, balancing);
                }
            } else if !balancing.is_empty() {
                apply_revocations(&mut to_revoke, &mut next, balancing);
                self.revoked_in_previous = true;
            } else if self.revoked_in_previous {
                self.revoked_in_previous = false;
                self.successive_revoking = 0;
            }
        } else {
            self.revoked_in_previous = false;
        }

        let mut to_assign = created;
        to_assign.extend(&reassign);
        deal(
            &mut next,
            to_assign.connectors,
            |w| w.connectors.len(),
            |w, c| {
                w.connectors.insert(c);
            },
        );
        deal(
            &mut next,
            to_assign.tasks,
            |w| w.tasks.len(),
            |w, t| {
                w.tasks.insert(t);
            },
        );

        let mut out = Assignments::new();
        let mut all_next = WorkSet::new();
        let mut all_revoked = WorkSet::new();
        for (id, load) in &next {
            let mut a = round.base();
            a.assigned = current
                .get(id)
                .map_or_else(|| load.clone(), |c| load.minus(c));
            a.revoked = to_revoke.remove(id).unwrap_or_default();
            a.delay_ms = i32::try_from(self.delay).unwrap_or(i32::MAX);
            all_next.extend(load);
            all_revoked.extend(&a.revoked);
            out.insert(id.clone(), a);
        }
        all_next.remove_all(&all_revoked);
        all_next.extend(&lost);
        self.previous_assignment = all_next;
        self.previous_revocation = all_revoked;
        self.previous_generation = Some(generation);
        self.previous_members = owned.keys().cloned().collect();
        out
    }

    /// Decides what happens to work whose owner left: reassign now (returned), give it to
    /// workers that joined while waiting (dealt into `next`), or keep waiting.
    fn handle_lost(&mut self, lost: &WorkSet, next: &mut Loads, now: u64) -> WorkSet {
        if lost.is_empty() && !self.revoked_in_previous {
            self.reset_delay();
            return WorkSet::new();
        }
        let all_present = self.previous_members.iter().all(|m| next.contains_key(m));
        if (self.scheduled_rebalance == 0 && all_present) || self.max_delay_ms == 0 {
            return lost.clone();
        }
        if self.scheduled_rebalance > 0 && now >= self.scheduled_rebalance {
            let candidates: Vec<String> = self
                .candidates
                .iter()
                .filter(|c| next.contains_key(*c))
                .cloned()
                .collect();
            let reassign = if candidates.is_empty() {
                lost.clone()
            } else {
                for (c, id) in lost.connectors.iter().zip(candidates.iter().cycle()) {
                    if let Some(load) = next.get_mut(id) {
                        load.connectors.insert(c.clone());
                    }
                }
                for (t, id) in lost.tasks.iter().zip(candidates.iter().cycle()) {
                    if let Some(load) = next.get_mut(id) {
                        load.tasks.insert(t.clone());
                    }
                }
                WorkSet::new()
            };
            self.reset_delay();
            self.revoked_in_previous = false;
            return reassign;
        }
        self.candidates.extend(
            next.iter()
                .filter(|(_, load)| load.is_empty())
                .map(|(id, _)| id.clone()),
        );
        self.delay = if now < self.scheduled_rebalance {
            (self.scheduled_rebalance - now).min(self.max_delay_ms)
        } else {
            self.max_delay_ms
        };
        self.scheduled_rebalance = now + self.delay;
        WorkSet::new()
    }

    fn reset_delay(&mut self) {
        self.candidates.clear();
        self.scheduled_rebalance = 0;
        self.delay = 0;
    }
}

fn apply_revocations(
    to_revoke: &mut Loads,
    next: &mut Loads,
    revocations: std::collections::BTreeMap<String, WorkSet>,
) {
    for (id, r) in revocations {
        if let Some(load) = next.get_mut(&id) {
            load.remove_all(&r);
        }
        to_revoke.entry(id).or_default().extend(&r);
    }
}
