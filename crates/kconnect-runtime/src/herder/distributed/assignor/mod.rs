//! Assignors: how the group leader distributes connectors and tasks over the members (spec
//! §7.3-7.4). They are deterministic functions of their input (and, for the incremental
//! assignor, of the state it keeps between rounds and the time it is given): no I/O.

mod balance;
pub mod eager;
pub mod incremental;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use super::protocol::{Assignment, CONFIG_MISMATCH, NO_ERROR};
use super::work::WorkSet;

pub use incremental::IncrementalAssignor;

/// A group member as the leader sees it in JoinGroup.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Member {
    /// Member id given by the coordinator.
    pub id: String,
    /// The member's advertised REST URL.
    pub url: String,
    /// The member's config-topic position.
    pub config_offset: i64,
    /// What the member runs now (incremental protocols; empty for eager).
    pub owned: WorkSet,
}

/// Everything one assignment round depends on, besides the incremental assignor's state.
#[derive(Debug, Clone, Copy)]
pub struct Round<'a> {
    /// Member id of the leader.
    pub leader: &'a str,
    /// Advertised REST URL of the leader.
    pub leader_url: &'a str,
    /// Version header of the chosen sub-protocol.
    pub version: i16,
    /// The config-topic offset of the leader's snapshot.
    pub config_offset: i64,
    /// Every connector and task in the leader's snapshot that this round may place.
    pub configured: &'a WorkSet,
    /// Configured work a member was told to stop and has not confirmed stopping yet (a
    /// leader can see metadata older than its last round): not in `configured` and given to
    /// nobody, but counted in the totals the shares are computed from, so that the members'
    /// shares do not shrink, and more work is revoked, while it is on its way.
    pub reserved: &'a WorkSet,
    /// The members of the new generation.
    pub members: &'a [Member],
}

/// One assignment per member id.
pub type Assignments = BTreeMap<String, Assignment>;

impl Round<'_> {
    /// An assignment with this round's header fields and nothing assigned.
    fn base(&self) -> Assignment {
        Assignment {
            version: self.version,
            error: NO_ERROR,
            leader: self.leader.to_string(),
            leader_url: self.leader_url.to_string(),
            config_offset: self.config_offset,
            ..Assignment::default()
        }
    }

    /// The largest config offset any member reported.
    pub fn max_member_offset(&self) -> i64 {
        self.members
            .iter()
            .map(|m| m.config_offset)
            .max()
            .unwrap_or(self.config_offset)
    }

    /// When some member has read more of the config topic than the leader's snapshot holds:
    /// every member gets an empty `CONFIG_MISMATCH` assignment carrying the largest offset,
    /// so everyone catches up and rejoins.
    pub fn config_mismatch(&self) -> Option<Assignments> {
        let max = self.max_member_offset();
        (max > self.config_offset).then(|| {
            self.members
                .iter()
                .map(|m| {
                    let mut a = self.base();
                    a.error = CONFIG_MISMATCH;
                    a.config_offset = max;
                    (m.id.clone(), a)
                })
                .collect()
        })
    }
}
