//! The member side of a rebalance (kafka-connect-spec.md §7.4, "Member side"): turning an assignment into
//! what to stop and start, keeping the effective assignment (previous − revoked + new), and
//! deciding when to rejoin.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use kconnect_kafka::group::Joined;

use super::group_protocol::LocalAssignment;
use super::protocol::{Assignment, ConnectProtocol, CONFIG_MISMATCH};
use super::work::WorkSet;

/// What the worker must do after a group event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reaction {
    /// Stop `stop`, then (once the config topic is read up to `config_offset`) start
    /// `start`. Rejoin right after if `rejoin`, or after `rejoin_after` if set.
    Apply {
        /// Work to stop now.
        stop: WorkSet,
        /// Work to start.
        start: WorkSet,
        /// The config offset the assignment is based on.
        config_offset: i64,
        /// Rejoin at once (the assignment changed what this member runs).
        rejoin: bool,
        /// Rejoin after this delay (scheduled rebalance).
        rejoin_after: Option<Duration>,
    },
    /// The leader's config was behind: read the config topic to `config_offset`, rejoin.
    CatchUpAndRejoin {
        /// Offset to read up to.
        config_offset: i64,
    },
    /// The assignment was empty or unreadable: rejoin after a backoff.
    Retry {
        /// What was wrong with it.
        reason: String,
    },
}

/// What a member knows of its place in the group.
pub struct MemberState {
    local: Arc<Mutex<LocalAssignment>>,
    generation: i32,
    member_id: String,
    leader_id: String,
    leader_url: String,
    protocol: Option<ConnectProtocol>,
    /// What the member will run, and the generation it will confirm, once the work the
    /// last assignment revoked has stopped.
    pending: Option<(WorkSet, Option<i32>)>,
}

impl MemberState {
    /// A member that runs nothing yet; `local` is shared with the group protocol.
    pub fn new(local: Arc<Mutex<LocalAssignment>>) -> Self {
        Self {
            local,
            generation: -1,
            member_id: String::new(),
            leader_id: String::new(),
            leader_url: String::new(),
            protocol: None,
            pending: None,
        }
    }

    /// What this member runs.
    pub fn owned(&self) -> WorkSet {
        self.local
            .lock()
            .map(|l| l.owned.clone())
            .unwrap_or_default()
    }

    /// Generation of the last assignment.
    pub fn generation(&self) -> i32 {
        self.generation
    }

    /// Whether this member is the leader.
    pub fn is_leader(&self) -> bool {
        !self.member_id.is_empty() && self.member_id == self.leader_id
    }

    /// The leader's REST URL (empty before the first assignment).
    pub fn leader_url(&self) -> &str {
        &self.leader_url
    }

    /// The sub-protocol in use.
    pub fn protocol(&self) -> Option<ConnectProtocol> {
        self.protocol
    }

    fn set_owned(&self, owned: WorkSet, last: Option<Assignment>) {
        if let Ok(mut l) = self.local.lock() {
            l.owned = owned;
            if last.is_some() {
                l.last = last;
            }
        }
    }

    /// A rebalance started. Eager members stop everything before rejoining; incremental
    /// members keep running.
    pub fn on_rebalancing(&mut self) -> WorkSet {
        if self.protocol == Some(ConnectProtocol::Eager) {
            return self.on_lost();
        }
        WorkSet::new()
    }

    /// Membership was lost: stop everything.
    pub fn on_lost(&mut self) -> WorkSet {
        self.pending = None;
        let owned = self.owned();
        self.set_owned(WorkSet::new(), None);
        owned
    }

    /// A new assignment arrived.
    pub fn on_assigned(&mut self, joined: &Joined) -> Reaction {
        self.generation = joined.generation;
        self.member_id = joined.member_id.clone();
        self.leader_id = joined.leader_id.clone();
        self.protocol = ConnectProtocol::from_protocol_name(&joined.protocol);
        if joined.assignment.is_empty() {
            return Reaction::Retry {
                reason: format!(
                    "the assignment of generation {} was empty",
                    joined.generation
                ),
            };
        }
        let assignment = match Assignment::decode(&joined.assignment) {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!("unreadable assignment: {e}");
                return Reaction::Retry {
                    reason: format!(
                        "the assignment of generation {} was unreadable: {e}",
                        joined.generation
                    ),
                };
            }
        };
        self.leader_url = assignment.leader_url.clone();
        if assignment.error == CONFIG_MISMATCH {
            return Reaction::CatchUpAndRejoin {
                config_offset: assignment.config_offset,
            };
        }
        let owned = self.owned();
        let incremental = self.protocol.is_some_and(ConnectProtocol::is_incremental);
        let (stop, next) = if incremental {
            let stop = assignment.revoked.intersect(&owned);
            let mut next = owned.minus(&assignment.revoked);
            next.extend(&assignment.assigned);
            (stop, next)
        } else {
            (
                owned.minus(&assignment.assigned),
                assignment.assigned.clone(),
            )
        };
        let start = next.minus(&owned);
        // Any change is confirmed by rejoining with metadata naming this generation,
        // so a leader never has to trust metadata older than the changes it sent.
        let changed = !assignment.revoked.is_empty() || !assignment.assigned.is_empty();
        // Until the revoked work has stopped, this member still reports it as its own and
        // confirms nothing: a leader must not give it to another worker meanwhile (the group
        // client may rejoin at any time, on its own).
        let mut reported = next.clone();
        reported.extend(&stop);
        self.pending = Some((next, (incremental && changed).then_some(joined.generation)));
        let reaction = Reaction::Apply {
            stop,
            start,
            config_offset: assignment.config_offset,
            rejoin: incremental && changed,
            rejoin_after: (incremental && assignment.delay_ms > 0)
                .then(|| Duration::from_millis(assignment.delay_ms as u64)),
        };
        self.set_owned(reported, Some(assignment));
        reaction
    }

    /// Work assigned but not started (the member could not catch up with the config topic):
    /// the member no longer reports it, so the leader gives it out again.
    pub fn hand_back(&mut self, work: &WorkSet) {
        let mut owned = self.owned();
        owned.remove_all(work);
        self.set_owned(owned, None);
    }

    /// The work the last assignment revoked has stopped: the member now reports only what it
    /// keeps and confirms the assignment's generation.
    pub fn on_stopped(&mut self) {
        let Some((owned, applied)) = self.pending.take() else {
            return;
        };
        self.set_owned(owned, None);
        if let (Some(generation), Ok(mut l)) = (applied, self.local.lock()) {
            l.applied = generation;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::herder::distributed::work::task;

    fn joined(protocol: &str, a: &Assignment) -> Joined {
        Joined {
            generation: 3,
            member_id: "m1".into(),
            leader_id: "m0".into(),
            protocol: protocol.into(),
            assignment: a.encode(),
        }
    }

    #[test]
    fn incremental_keeps_running_work_and_rejoins_after_revocation() {
        let mut m = MemberState::new(Arc::new(Mutex::new(LocalAssignment::default())));
        let first = Assignment {
            version: 2,
            leader_url: "http://l/".into(),
            assigned: WorkSet::of(["a".to_string()], [task("a", 0), task("a", 1)]),
            ..Assignment::default()
        };
        let r = m.on_assigned(&joined("sessioned", &first));
        assert!(
            matches!(&r, Reaction::Apply { stop, start, rejoin: true, .. } if stop.is_empty() && start.len() == 3)
        );
        let nothing = Assignment {
            version: 2,
            leader_url: "http://l/".into(),
            ..Assignment::default()
        };
        assert!(matches!(
            m.on_assigned(&joined("sessioned", &nothing)),
            Reaction::Apply { rejoin: false, .. }
        ));
        assert_eq!(m.leader_url(), "http://l/");
        assert!(m.on_rebalancing().is_empty());
        let second = Assignment {
            version: 2,
            revoked: WorkSet::of([], [task("a", 1)]),
            assigned: WorkSet::of([], [task("b", 0)]),
            delay_ms: 500,
            ..Assignment::default()
        };
        match m.on_assigned(&joined("sessioned", &second)) {
            Reaction::Apply {
                stop,
                start,
                rejoin,
                rejoin_after,
                ..
            } => {
                assert_eq!(stop, WorkSet::of([], [task("a", 1)]));
                assert_eq!(start, WorkSet::of([], [task("b", 0)]));
                assert!(rejoin);
                assert_eq!(rejoin_after, Some(Duration::from_millis(500)));
            }
            other => panic!("{other:?}"),
        }
        let applied = |m: &MemberState| m.local.lock().unwrap().applied;
        let before = applied(&m);
        assert_eq!(
            m.owned(),
            WorkSet::of(
                ["a".to_string()],
                [task("a", 0), task("a", 1), task("b", 0)]
            ),
            "revoked work is reported until it stopped"
        );
        assert_eq!(applied(&m), before, "nothing confirmed before the stop");
        m.on_stopped();
        assert_eq!(
            m.owned(),
            WorkSet::of(["a".to_string()], [task("a", 0), task("b", 0)])
        );
        assert_eq!(applied(&m), 3);
        assert_eq!(m.on_lost().len(), 3);
        assert!(m.owned().is_empty());
    }

    #[test]
    fn work_handed_back_is_no_longer_reported() {
        let mut m = MemberState::new(Arc::new(Mutex::new(LocalAssignment::default())));
        let a = Assignment {
            version: 2,
            leader_url: "http://l/".into(),
            assigned: WorkSet::of(["a".to_string()], [task("a", 0)]),
            ..Assignment::default()
        };
        let Reaction::Apply { start, .. } = m.on_assigned(&joined("sessioned", &a)) else {
            panic!("an assignment to apply");
        };
        m.on_stopped();
        m.hand_back(&start);
        assert!(m.owned().is_empty());
        assert_eq!(
            m.local.lock().unwrap().applied,
            3,
            "the assignment is confirmed"
        );
    }

    #[test]
    fn eager_stops_everything_on_rebalance_and_takes_the_full_assignment() {
        let mut m = MemberState::new(Arc::new(Mutex::new(LocalAssignment::default())));
        let a = Assignment {
            assigned: WorkSet::of(["a".to_string()], []),
            ..Assignment::default()
        };
        m.on_assigned(&joined("default", &a));
        assert_eq!(m.on_rebalancing().len(), 1);
        let b = Assignment {
            assigned: WorkSet::of([], [task("a", 0)]),
            ..Assignment::default()
        };
        match m.on_assigned(&joined("default", &b)) {
            Reaction::Apply {
                stop,
                start,
                rejoin,
                ..
            } => {
                assert!(stop.is_empty() && !rejoin);
                assert_eq!(start, WorkSet::of([], [task("a", 0)]));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn mismatch_empty_and_garbage_assignments() {
        let mut m = MemberState::new(Arc::new(Mutex::new(LocalAssignment::default())));
        let mismatch = Assignment {
            version: 1,
            error: CONFIG_MISMATCH,
            config_offset: 17,
            ..Assignment::default()
        };
        assert_eq!(
            m.on_assigned(&joined("compatible", &mismatch)),
            Reaction::CatchUpAndRejoin { config_offset: 17 }
        );
        let mut empty = joined("compatible", &mismatch);
        empty.assignment.clear();
        assert!(
            matches!(m.on_assigned(&empty), Reaction::Retry { reason } if reason.contains("empty"))
        );
        empty.assignment = vec![0xFF];
        assert!(
            matches!(m.on_assigned(&empty), Reaction::Retry { reason } if reason.contains("unreadable"))
        );
        assert!(!m.is_leader());
    }
}
