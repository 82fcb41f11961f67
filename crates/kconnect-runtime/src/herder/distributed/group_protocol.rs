//! The Connect group protocol as the group client sees it: this worker's metadata for every
//! offered sub-protocol, and, on the leader, the assignments of all members computed by the
//! eager or incremental assignor from the config snapshot.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use kconnect_kafka::group::{GroupProtocol, LeaderContext};

use super::assignor::{eager, IncrementalAssignor, Member, Round};
use super::protocol::{Assignment, ConnectProtocol, WorkerMetadata};
use super::work::WorkSet;
use crate::storage::config_state::ConfigState;

/// Supplies the current config snapshot.
pub type ConfigSource = Arc<dyn Fn() -> ConfigState + Send + Sync>;

/// What this worker runs, as it reports it when joining.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalAssignment {
    /// Everything this worker runs now.
    pub owned: WorkSet,
    /// The last assignment received (its header fields are reported with `owned`).
    pub last: Option<Assignment>,
    /// Generation of the last assignment with changes this worker applied (-1: none); sent
    /// in the metadata so the leader knows which of its changes took effect.
    pub applied: i32,
}

impl Default for LocalAssignment {
    fn default() -> Self {
        Self {
            owned: WorkSet::new(),
            last: None,
            applied: -1,
        }
    }
}

/// Changes the leader sent a member in one delivered round.
#[derive(Debug, Clone, Default)]
struct Sent {
    generation: i32,
    assigned: WorkSet,
    revoked: WorkSet,
}

#[derive(Default)]
struct LeaderMemory {
    assignor: Option<IncrementalAssignor>,
    last_generation: i32,
    /// Changes sent to each member in delivered rounds and not yet confirmed by it.
    sent: BTreeMap<String, Vec<Sent>>,
    /// Changes of the last computed round, until its delivery is confirmed.
    pending: Option<(i32, BTreeMap<String, Sent>)>,
    /// Whether a round of this leader was delivered (the first one is a census).
    ready: bool,
}

/// A member as the leader sees it: what it may run, and the changes it has not confirmed.
struct Seen {
    member: Member,
    reported: WorkSet,
    started: WorkSet,
    stopped: WorkSet,
    /// Whether the member reports its applied generation (kconnect workers do).
    confirms: bool,
    /// The generation it reports (-1: none, or nothing applied yet).
    applied: i32,
}

/// This worker's side of the Connect group protocol.
pub struct ConnectGroupProtocol {
    url: String,
    configured: ConnectProtocol,
    max_delay_ms: u64,
    config: ConfigSource,
    local: Arc<Mutex<LocalAssignment>>,
    leader: Mutex<LeaderMemory>,
    epoch: AtomicI32,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// Every connector of the snapshot and the tasks of the consistent ones.
pub fn configured_work(config: &ConfigState) -> WorkSet {
    WorkSet::of(config.connectors().cloned(), config.all_tasks())
}

impl ConnectGroupProtocol {
    /// A protocol for a worker advertising `url`, configured with `connect.protocol` and
    /// `scheduled.rebalance.max.delay.ms`.
    pub fn new(
        url: &str,
        configured: ConnectProtocol,
        max_delay_ms: u64,
        config: ConfigSource,
        local: Arc<Mutex<LocalAssignment>>,
    ) -> Self {
        Self {
            url: url.to_string(),
            configured,
            max_delay_ms,
            config,
            local,
            leader: Mutex::new(LeaderMemory::default()),
            epoch: AtomicI32::new(0),
        }
    }

    /// Called with every assignment this worker receives. As leader, receiving its own
    /// assignment of `generation` means the round was delivered; a worker that is not the
    /// leader forgets what it knew as leader, since other leaders changed things meanwhile.
    pub fn observe(&self, generation: i32, is_leader: bool) {
        if let Ok(mut memory) = self.leader.lock() {
            if !is_leader {
                *memory = LeaderMemory::default();
                return;
            }
            if let Some((g, round)) = memory.pending.take() {
                if g == generation {
                    memory.ready = true;
                    let present: Vec<String> = round.keys().cloned().collect();
                    memory.sent.retain(|id, _| present.contains(id));
                    for (id, sent) in round {
                        memory.sent.entry(id).or_default().push(sent);
                    }
                }
            }
        }
    }

    fn local(&self) -> LocalAssignment {
        self.local.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Members with what they may run. A coordinator without a join barrier (Kafka has one;
    /// some Kafka-protocol brokers do not) answers a JoinGroup without waiting for every
    /// member to rejoin, and even on Kafka a member may rejoin before it finished applying an
    /// assignment, so a member's metadata can predate changes this leader already sent it. kconnect members report the generation of the last change
    /// they applied: changes sent in later rounds are not confirmed, so the member is
    /// assumed to run what it reported plus everything it was told to start since (what it
    /// was told to stop is kept away from everyone), and those changes are sent again. Members that report nothing (Java workers) are
    /// taken at their word, as Kafka's barrier makes their metadata current.
    fn members(&self, ctx: &LeaderContext<'_>, memory: &mut LeaderMemory) -> Vec<Seen> {
        ctx.members
            .iter()
            .map(|m| {
                let decoded = WorkerMetadata::decode(&m.metadata).unwrap_or_else(|e| {
                    tracing::warn!(member = %m.member_id, "unreadable member metadata: {e}");
                    WorkerMetadata::default()
                });
                let mut started = WorkSet::new();
                let mut stopped = WorkSet::new();
                if let Some(applied) = decoded.applied {
                    let sent = memory.sent.entry(m.member_id.clone()).or_default();
                    sent.retain(|s| s.generation > applied);
                    for s in sent.iter() {
                        started.remove_all(&s.revoked);
                        started.extend(&s.assigned);
                        stopped.remove_all(&s.assigned);
                        stopped.extend(&s.revoked);
                    }
                }
                let reported = decoded.allocation.map(|a| a.assigned).unwrap_or_default();
                let mut owned = reported.clone();
                owned.extend(&started);
                let member = Member {
                    id: m.member_id.clone(),
                    url: decoded.url,
                    config_offset: decoded.config_offset,
                    owned,
                };
                Seen {
                    member,
                    reported,
                    started,
                    stopped,
                    confirms: decoded.applied.is_some(),
                    applied: decoded.applied.unwrap_or(-1),
                }
            })
            .collect()
    }
}

impl GroupProtocol for ConnectGroupProtocol {
    fn metadata(&self) -> Vec<(String, Vec<u8>)> {
        let local = self.local();
        let config_offset = (self.config)().offset();
        self.configured
            .offered()
            .iter()
            .map(|p| {
                let allocation = (p.is_incremental() && !local.owned.is_empty()).then(|| {
                    let base = local.last.clone().unwrap_or_default();
                    Assignment {
                        version: p.version(),
                        assigned: local.owned.clone(),
                        revoked: WorkSet::new(),
                        delay_ms: 0,
                        ..base
                    }
                });
                let metadata = WorkerMetadata {
                    version: p.version(),
                    url: self.url.clone(),
                    config_offset,
                    allocation,
                    applied: Some(local.applied),
                    epoch: Some(self.epoch.load(Ordering::Relaxed)),
                };
                (p.protocol_name().to_string(), metadata.encode())
            })
            .collect()
    }

    fn vary_metadata(&self) -> bool {
        self.epoch.fetch_add(1, Ordering::Relaxed);
        true
    }

    fn assign(&self, ctx: &LeaderContext<'_>) -> Vec<(String, Vec<u8>)> {
        let protocol =
            ConnectProtocol::from_protocol_name(ctx.protocol).unwrap_or(ConnectProtocol::Eager);
        let config = (self.config)();
        let configured = configured_work(&config);
        let Ok(mut memory) = self.leader.lock() else {
            return Vec::new();
        };
        let seen = self.members(ctx, &mut memory);
        if protocol.is_incremental() && !memory.ready && seen.iter().any(|s| s.applied >= 0) {
            return census(
                ctx,
                &self.url,
                protocol,
                &config,
                &configured,
                seen,
                &mut memory,
            );
        }
        // Work a member was told to stop and has not confirmed stopping may still run there:
        // nobody is given it in this round, but it still counts in the shares (left out of
        // them, it would shrink every share and make the round revoke more work elsewhere).
        let mut in_flight = WorkSet::new();
        seen.iter().for_each(|s| in_flight.extend(&s.stopped));
        let reserved = configured.intersect(&in_flight);
        let configured = configured.minus(&in_flight);
        let plain: Vec<Member> = seen
            .iter()
            .map(|s| Member {
                owned: s.member.owned.minus(&in_flight),
                ..s.member.clone()
            })
            .collect();
        let round = Round {
            leader: ctx.leader_id,
            leader_url: &self.url,
            version: protocol.version(),
            config_offset: config.offset(),
            configured: &configured,
            reserved: &reserved,
            members: &plain,
        };
        let mut assignments = if protocol.is_incremental() {
            let last = memory.last_generation;
            let max_delay = self.max_delay_ms;
            let assignor = memory
                .assignor
                .get_or_insert_with(|| IncrementalAssignor::new(max_delay));
            assignor.assign(&round, ctx.generation, last, now_ms())
        } else {
            eager::assign(&round)
        };
        memory.last_generation = ctx.generation;
        let mut round_sent = BTreeMap::new();
        for s in seen {
            if let (true, Some(a)) = (protocol.is_incremental(), assignments.get_mut(&s.member.id))
            {
                // Send again what the member has not confirmed yet.
                a.assigned.extend(&s.started.minus(&a.revoked));
                a.revoked.extend(&s.stopped.minus(&a.assigned));
                let sent = Sent {
                    generation: ctx.generation,
                    assigned: a.assigned.clone(),
                    revoked: a.revoked.clone(),
                };
                round_sent.insert(s.member.id, sent);
            }
        }
        memory.pending = Some((ctx.generation, round_sent));
        assignments
            .into_iter()
            .map(|(id, a)| (id, a.encode()))
            .collect()
    }
}

/// The first round of a new leader once members have applied changes from an earlier one.
/// It does not know what the previous leader sent, and a coordinator without a join barrier
/// may hand it metadata from before those changes, so it assigns nothing:
/// each kconnect member is told to stop whatever it runs beyond what its metadata reports,
/// which it confirms by rejoining with current metadata; the next round assigns from there.
fn census(
    ctx: &LeaderContext<'_>,
    url: &str,
    protocol: ConnectProtocol,
    config: &ConfigState,
    configured: &WorkSet,
    seen: Vec<Seen>,
    memory: &mut LeaderMemory,
) -> Vec<(String, Vec<u8>)> {
    let mut sent = BTreeMap::new();
    let mut out = Vec::new();
    for s in seen {
        let mut a = Assignment {
            version: protocol.version(),
            leader: ctx.leader_id.to_string(),
            leader_url: url.to_string(),
            config_offset: config.offset(),
            ..Assignment::default()
        };
        if s.confirms {
            a.revoked = configured.minus(&s.reported);
            sent.insert(
                s.member.id.clone(),
                Sent {
                    generation: ctx.generation,
                    assigned: WorkSet::new(),
                    revoked: a.revoked.clone(),
                },
            );
        }
        out.push((s.member.id, a.encode()));
    }
    memory.last_generation = ctx.generation;
    memory.pending = Some((ctx.generation, sent));
    out
}
