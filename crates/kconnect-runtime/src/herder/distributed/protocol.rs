//! The Connect group sub-protocols (kafka-connect-spec.md §7.1) and the byte layouts of member metadata and
//! assignments (kafka-connect-spec.md §7.2), identical to Java's `ConnectProtocol` and
//! `IncrementalCooperativeConnectProtocol` so kconnect and Java workers can share a group.

use std::collections::BTreeMap;

use super::wire::{ProtocolError, Reader, Writer};
use super::work::{task, WorkSet};

/// The task id Java uses in an assignment for "the Connector instance itself".
pub const CONNECTOR_TASK: i32 = -1;
/// Assignment error code: none.
pub const NO_ERROR: i16 = 0;
/// Assignment error code: the leader's config snapshot was behind some member's.
pub const CONFIG_MISMATCH: i16 = 1;

/// The group protocol type of Connect workers.
pub const PROTOCOL_TYPE: &str = "connect";

/// A value of `connect.protocol`, and the sub-protocol the group runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConnectProtocol {
    /// `default` (version 0): every rebalance stops everything, round-robin assignment.
    Eager,
    /// `compatible` (version 1): incremental cooperative rebalancing.
    Compatible,
    /// `sessioned` (version 2): incremental cooperative plus signed internal requests.
    Sessioned,
}

impl ConnectProtocol {
    /// Parses a `connect.protocol` setting (case-insensitive).
    pub fn from_config(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "eager" => Some(Self::Eager),
            "compatible" => Some(Self::Compatible),
            "sessioned" => Some(Self::Sessioned),
            _ => None,
        }
    }

    /// The sub-protocol name offered in JoinGroup.
    pub fn protocol_name(self) -> &'static str {
        match self {
            Self::Eager => "default",
            Self::Compatible => "compatible",
            Self::Sessioned => "sessioned",
        }
    }

    /// The protocol chosen by the coordinator, from its name.
    pub fn from_protocol_name(name: &str) -> Option<Self> {
        match name {
            "default" => Some(Self::Eager),
            "compatible" => Some(Self::Compatible),
            "sessioned" => Some(Self::Sessioned),
            _ => None,
        }
    }

    /// The version header written in metadata and assignments.
    pub fn version(self) -> i16 {
        match self {
            Self::Eager => 0,
            Self::Compatible => 1,
            Self::Sessioned => 2,
        }
    }

    /// The sub-protocols a worker configured with this value offers, most preferred first.
    pub fn offered(self) -> &'static [ConnectProtocol] {
        match self {
            Self::Eager => &[Self::Eager],
            Self::Compatible => &[Self::Compatible, Self::Eager],
            Self::Sessioned => &[Self::Sessioned, Self::Compatible, Self::Eager],
        }
    }

    /// Whether rebalancing is incremental and cooperative.
    pub fn is_incremental(self) -> bool {
        self != Self::Eager
    }
}

/// What the leader tells one member after a rebalance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assignment {
    /// Version header (0 for `default`, 1 or 2 for the incremental protocols).
    pub version: i16,
    /// [`NO_ERROR`] or [`CONFIG_MISMATCH`].
    pub error: i16,
    /// Member id of the leader.
    pub leader: String,
    /// Advertised REST URL of the leader.
    pub leader_url: String,
    /// Config-topic offset the assignment is based on.
    pub config_offset: i64,
    /// Eager: everything the member runs. Incremental: what it newly runs.
    pub assigned: WorkSet,
    /// Incremental only: what the member must stop.
    pub revoked: WorkSet,
    /// Incremental only: ms after which the member should rejoin (0 = no scheduled rebalance).
    pub delay_ms: i32,
}

/// What a member tells the coordinator when joining (one per offered sub-protocol).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkerMetadata {
    /// Version header of the sub-protocol.
    pub version: i16,
    /// The member's advertised REST URL.
    pub url: String,
    /// The member's config-topic position.
    pub config_offset: i64,
    /// Incremental only: the member's current assignment, if it has one.
    pub allocation: Option<Assignment>,
    /// kconnect only: the generation of the last assignment with changes this member
    /// applied, written as a trailing INT32 that Java readers ignore (they stop after the last
    /// field they know). It tells a leader which of the changes it sent took effect, even when
    /// the broker hands it metadata from an earlier join.
    pub applied: Option<i32>,
    /// kconnect only: a counter after `applied` that the member changes to make its
    /// metadata differ, so a broker that kept the generation after a member died starts a
    /// new one when it rejoins (see `GroupProtocol::vary_metadata`).
    pub epoch: Option<i32>,
}

fn put_work(w: &mut Writer, work: &WorkSet) {
    let mut by_connector: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
    for c in &work.connectors {
        by_connector.entry(c).or_default().push(CONNECTOR_TASK);
    }
    for t in &work.tasks {
        by_connector
            .entry(&t.connector)
            .or_default()
            .push(i32::try_from(t.task).unwrap_or(i32::MAX));
    }
    w.i32(by_connector.len() as i32);
    for (connector, ids) in by_connector {
        w.string(connector);
        w.i32(ids.len() as i32);
        for id in ids {
            w.i32(id);
        }
    }
}

fn get_work(r: &mut Reader<'_>, what: &str) -> Result<WorkSet, ProtocolError> {
    let mut work = WorkSet::new();
    let Some(count) = r.array_len(what)? else {
        return Ok(work);
    };
    for _ in 0..count {
        let connector = r.string(what)?;
        let ids = r.array_len(what)?.unwrap_or(0);
        for _ in 0..ids {
            match r.i32(what)? {
                CONNECTOR_TASK => {
                    work.connectors.insert(connector.clone());
                }
                id => {
                    let id = u32::try_from(id)
                        .map_err(|_| ProtocolError(format!("{what}: invalid task id {id}")))?;
                    work.tasks.insert(task(&connector, id));
                }
            }
        }
    }
    Ok(work)
}

fn check_version(version: i16, what: &str) -> Result<(), ProtocolError> {
    if version < 0 {
        return Err(ProtocolError(format!(
            "unsupported {what} version {version}"
        )));
    }
    Ok(())
}

impl Assignment {
    /// Serializes in the layout of `self.version` (V0, or V1/V2).
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.i16(self.version);
        w.i16(self.error);
        w.string(&self.leader);
        w.string(&self.leader_url);
        w.i64(self.config_offset);
        put_work(&mut w, &self.assigned);
        if self.version >= 1 {
            put_work(&mut w, &self.revoked);
            w.i32(self.delay_ms);
        }
        w.finish()
    }

    /// Parses an assignment of any version; missing trailing fields of V1+ take their
    /// defaults (no assignment, no revocation, no delay) and unknown trailing bytes of newer
    /// versions are ignored.
    pub fn decode(bytes: &[u8]) -> Result<Self, ProtocolError> {
        let mut r = Reader::new(bytes);
        let version = r.i16("assignment version")?;
        check_version(version, "assignment")?;
        let mut a = Assignment {
            version,
            error: r.i16("assignment error")?,
            leader: r.string("assignment leader")?,
            leader_url: r.string("assignment leader url")?,
            config_offset: r.i64("assignment config offset")?,
            ..Assignment::default()
        };
        if version == 0 {
            a.assigned = get_work(&mut r, "assignment")?;
            return Ok(a);
        }
        if !r.at_end() {
            a.assigned = get_work(&mut r, "assignment")?;
        }
        if !r.at_end() {
            a.revoked = get_work(&mut r, "revoked")?;
        }
        if !r.at_end() {
            a.delay_ms = r.i32("delay")?;
        }
        Ok(a)
    }
}

impl WorkerMetadata {
    /// Serializes in the layout of `self.version`; V1/V2 embed the allocation (null when
    /// absent).
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.i16(self.version);
        w.string(&self.url);
        w.i64(self.config_offset);
        if self.version >= 1 {
            let allocation = self.allocation.as_ref().map(Assignment::encode);
            w.nullable_bytes(allocation.as_deref());
        }
        if let Some(n) = self.applied {
            w.i32(n);
            if let Some(e) = self.epoch {
                w.i32(e);
            }
        }
        w.finish()
    }

    /// Parses member metadata of any version (a missing allocation is none).
    pub fn decode(bytes: &[u8]) -> Result<Self, ProtocolError> {
        let mut r = Reader::new(bytes);
        let version = r.i16("metadata version")?;
        check_version(version, "metadata")?;
        let mut m = WorkerMetadata {
            version,
            url: r.string("metadata url")?,
            config_offset: r.i64("metadata config offset")?,
            allocation: None,
            applied: None,
            epoch: None,
        };
        if version >= 1 && !r.at_end() {
            if let Some(bytes) = r.nullable_bytes("metadata allocation")? {
                m.allocation = Some(Assignment::decode(bytes)?);
            }
        }
        if !r.at_end() {
            m.applied = r.i32("metadata applied generation").ok();
        }
        if !r.at_end() {
            m.epoch = r.i32("metadata epoch").ok();
        }
        Ok(m)
    }
}

#[cfg(test)]
#[path = "protocol_tests.rs"]
mod tests;
