//! The membership task: finds the coordinator, joins and syncs, reacts to what heartbeats
//! report, rejoins on request and leaves on shutdown.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::client::{find_coordinator, Coordinator};
use super::heartbeat::{self, Session, Signal};
use super::{GroupConfig, GroupError, GroupEvent, GroupProtocol, Joined, LeaderContext};

const COORDINATOR_LOAD_IN_PROGRESS: i16 = 14;
const COORDINATOR_NOT_AVAILABLE: i16 = 15;
const NOT_COORDINATOR: i16 = 16;
const ILLEGAL_GENERATION: i16 = 22;
const UNKNOWN_MEMBER_ID: i16 = 25;
const REBALANCE_IN_PROGRESS: i16 = 27;
const MEMBER_ID_REQUIRED: i16 = 79;

/// Longest pause between rejoins after assignments that gave this member nothing usable.
const MAX_RETRY_BACKOFF: Duration = Duration::from_secs(2);
/// Rejoins within this window that count as a loop worth a warning.
const LOOP_WINDOW: Duration = Duration::from_secs(10);
/// How many rejoins within [`LOOP_WINDOW`] are reported at warn level.
const LOOP_REJOINS: usize = 50;

/// Why the application asks to rejoin.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RejoinRequest {
    reason: String,
    /// The last assignment gave nothing usable (empty, unreadable, or unchanged while work
    /// is waiting): rejoin after a growing, jittered backoff instead of at once.
    retry: bool,
}

enum Command {
    Rejoin(RejoinRequest),
    Leave(oneshot::Sender<()>),
}

fn send_rejoin(commands: &mpsc::UnboundedSender<Command>, reason: &str, retry: bool) {
    let _ = commands.send(Command::Rejoin(RejoinRequest {
        reason: reason.to_string(),
        retry,
    }));
}

/// Asks a running membership to rejoin; cheap to clone and hand to other tasks.
#[derive(Clone)]
pub struct RejoinHandle {
    commands: mpsc::UnboundedSender<Command>,
}

impl RejoinHandle {
    /// Asks for a rebalance now, because something changed (`reason` is logged). The member
    /// rejoins with changed metadata, so every coordinator starts a new generation.
    pub fn rejoin(&self, reason: &str) {
        send_rejoin(&self.commands, reason, false);
    }

    /// Asks for a rebalance because the last assignment gave nothing usable (`reason` is
    /// logged): the member rejoins with changed metadata after a backoff that grows with
    /// each such request in a row (from `retry.backoff.ms` up to 2 s, with jitter).
    pub fn retry(&self, reason: &str) {
        send_rejoin(&self.commands, reason, true);
    }
}

/// A random factor in [0.8, 1.2) for backoffs, so members do not rejoin in lockstep.
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    0.8 + (hasher.finish() % 4_000) as f64 / 10_000.0
}

/// The pause before the `attempt`-th retry in a row (1-based).
fn retry_backoff(base: Duration, attempt: u32) -> Duration {
    let base = base.max(Duration::from_millis(10));
    let grown = base.saturating_mul(1 << attempt.saturating_sub(1).min(10));
    grown.min(MAX_RETRY_BACKOFF.max(base)).mul_f64(jitter())
}

/// A running group membership. Dropping it stops the membership without leaving the group
/// (like a crash); call [`leave`](Self::leave) for a graceful exit.
pub struct GroupMember {
    commands: mpsc::UnboundedSender<Command>,
    main: JoinHandle<()>,
    heartbeat: JoinHandle<()>,
}

/// How one join attempt ended.
enum Step {
    Joined(Joined),
    /// Join again right away.
    Retry,
    /// Find the coordinator again.
    Rediscover,
    /// Wait `retry.backoff.ms`, then join again.
    Backoff,
}

struct Membership {
    config: GroupConfig,
    protocol: Arc<dyn GroupProtocol>,
    session: watch::Sender<Session>,
    signals: mpsc::UnboundedReceiver<Signal>,
    events: mpsc::UnboundedSender<GroupEvent>,
    coordinator: Option<Coordinator>,
    member_id: String,
    generation: i32,
    /// The coordinator said a rebalance is in progress since the last completed join.
    rebalance_signalled: bool,
    /// Why the next join happens, if the application asked for it.
    next_rejoin: Option<RejoinRequest>,
    /// Retries (rejoins after unusable assignments) in a row.
    retries: u32,
    /// When recent rejoins happened, to report loops.
    recent_rejoins: VecDeque<Instant>,
    /// When a loop was last reported.
    loop_reported: Option<Instant>,
    /// Failed attempts in a row to reach the coordinator.
    connect_failures: u32,
}

impl GroupMember {
    /// Starts joining the group. Events arrive on the returned receiver.
    pub fn start(
        config: GroupConfig,
        protocol: Arc<dyn GroupProtocol>,
    ) -> (Self, mpsc::UnboundedReceiver<GroupEvent>) {
        let (session, session_rx) = watch::channel(Session::default());
        let (signals_tx, signals) = mpsc::unbounded_channel();
        let (commands_tx, commands) = mpsc::unbounded_channel();
        let (events, events_rx) = mpsc::unbounded_channel();
        let heartbeat = tokio::spawn(heartbeat::run(config.clone(), session_rx, signals_tx));
        let membership = Membership {
            config,
            protocol,
            session,
            signals,
            events,
            coordinator: None,
            member_id: String::new(),
            generation: -1,
            rebalance_signalled: false,
            next_rejoin: None,
            retries: 0,
            recent_rejoins: VecDeque::new(),
            loop_reported: None,
            connect_failures: 0,
        };
        let main = tokio::spawn(membership.run(commands));
        let member = Self {
            commands: commands_tx,
            main,
            heartbeat,
        };
        (member, events_rx)
    }

    /// Asks for a rebalance now (see [`RejoinHandle::rejoin`]).
    pub fn rejoin(&self, reason: &str) {
        send_rejoin(&self.commands, reason, false);
    }

    /// A handle other tasks can use to request rebalances.
    pub fn rejoin_handle(&self) -> RejoinHandle {
        RejoinHandle {
            commands: self.commands.clone(),
        }
    }

    /// Leaves the group (LeaveGroup) and stops, waiting at most the request timeout.
    pub async fn leave(self) {
        let (ack, done) = oneshot::channel();
        if self.commands.send(Command::Leave(ack)).is_ok() {
            let _ = done.await;
        }
        self.heartbeat.abort();
        self.main.abort();
    }
}

impl Drop for GroupMember {
    fn drop(&mut self) {
        self.heartbeat.abort();
        self.main.abort();
    }
}

impl Membership {
    async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        loop {
            if self.coordinator.is_none() {
                match self.connect().await {
                    Ok(c) => {
                        self.connect_failures = 0;
                        self.coordinator = Some(c);
                    }
                    Err(e) => {
                        // Logged at the 1st, 2nd, 4th, 8th... failure in a row, and retried
                        // after a growing pause: a wrong password must not flood the log.
                        self.connect_failures = self.connect_failures.saturating_add(1);
                        if self.connect_failures.is_power_of_two() {
                            tracing::warn!(
                                group = %self.config.group_id,
                                failures = self.connect_failures,
                                "group coordinator not reachable: {e}"
                            );
                        }
                        let pause = retry_backoff(self.config.retry_backoff, self.connect_failures);
                        if self.pause_for(pause, &mut commands).await {
                            return;
                        }
                        continue;
                    }
                }
            }
            if let Some(request) = self.next_rejoin.take() {
                if self.prepare_rejoin(request, &mut commands).await {
                    return;
                }
            }
            // A join in flight is finished, not abandoned, before leaving: a broker may apply
            // a JoinGroup after a LeaveGroup sent meanwhile (some brokers hold follower joins
            // for a few seconds), which would bring the departed member back.
            let step = self.join_and_sync().await;
            loop {
                match commands.try_recv() {
                    // The join that just completed carried metadata as fresh as the request.
                    Ok(Command::Rejoin(_)) => {}
                    Ok(Command::Leave(ack)) => return self.leave(Some(ack)).await,
                    Err(mpsc::error::TryRecvError::Disconnected) => return self.leave(None).await,
                    Err(mpsc::error::TryRecvError::Empty) => break,
                }
            }
            match step {
                Step::Joined(joined) => {
                    let _ = self.events.send(GroupEvent::Assigned(joined));
                    if self.stable(&mut commands).await {
                        return;
                    }
                }
                Step::Retry => {}
                Step::Rediscover => self.coordinator = None,
                Step::Backoff => {
                    if self.pause(&mut commands).await {
                        return;
                    }
                }
            }
        }
    }

    async fn connect(&mut self) -> Result<Coordinator, GroupError> {
        let addr = find_coordinator(&self.config).await?;
        let coordinator = Coordinator::connect(&addr, &self.config).await?;
        self.session
            .send_modify(|s| s.coordinator = Some(coordinator.conn.addr().to_string()));
        Ok(coordinator)
    }

    /// Before a rejoin the application asked for: logs it, waits the backoff if it is a
    /// retry, and varies the metadata so that the coordinator starts a new generation even
    /// when nothing else in the metadata changed (a coordinator may otherwise answer from
    /// the round it stored). True if a leave was requested meanwhile.
    async fn prepare_rejoin(
        &mut self,
        request: RejoinRequest,
        commands: &mut mpsc::UnboundedReceiver<Command>,
    ) -> bool {
        let now = Instant::now();
        self.recent_rejoins.push_back(now);
        while self
            .recent_rejoins
            .front()
            .is_some_and(|t| now.duration_since(*t) > LOOP_WINDOW)
        {
            self.recent_rejoins.pop_front();
        }
        let looping = self.recent_rejoins.len() >= LOOP_REJOINS
            && self
                .loop_reported
                .is_none_or(|t| now.duration_since(t) > LOOP_WINDOW);
        if looping {
            self.loop_reported = Some(now);
            tracing::warn!(
                group = %self.config.group_id,
                rejoins = self.recent_rejoins.len(),
                reason = %request.reason,
                "rejoining the group in a loop ({} rejoins in {:?}); latest reason: {}",
                self.recent_rejoins.len(),
                LOOP_WINDOW,
                request.reason
            );
        }
        let pause = if request.retry {
            self.retries = self.retries.saturating_add(1);
            Some(retry_backoff(self.config.retry_backoff, self.retries))
        } else {
            self.retries = 0;
            None
        };
        tracing::debug!(
            group = %self.config.group_id,
            generation = self.generation,
            reason = %request.reason,
            backoff_ms = pause.map_or(0, |p| p.as_millis() as u64),
            "rejoining the group"
        );
        if let Some(pause) = pause {
            if self.pause_for(pause, commands).await {
                return true;
            }
        }
        self.protocol.vary_metadata();
        false
    }

    /// Waits `retry.backoff.ms`; true if a leave was requested meanwhile.
    async fn pause(&mut self, commands: &mut mpsc::UnboundedReceiver<Command>) -> bool {
        self.pause_for(self.config.retry_backoff, commands).await
    }

    /// Waits `duration`; true if a leave was requested meanwhile. A rejoin request during the
    /// wait is kept for the next join.
    async fn pause_for(
        &mut self,
        duration: Duration,
        commands: &mut mpsc::UnboundedReceiver<Command>,
    ) -> bool {
        tokio::select! {
            _ = tokio::time::sleep(duration) => false,
            command = commands.recv() => match command {
                Some(Command::Rejoin(request)) => {
                    self.note_rejoin(request);
                    false
                }
                Some(Command::Leave(ack)) => { self.leave(Some(ack)).await; true }
                None => { self.leave(None).await; true }
            },
        }
    }

    async fn join_and_sync(&mut self) -> Step {
        let Some(coordinator) = self.coordinator.as_mut() else {
            return Step::Rediscover;
        };
        let protocols = self.protocol.metadata();
        tracing::debug!(
            group = %self.config.group_id,
            member = %self.member_id,
            generation = self.generation,
            "sending JoinGroup"
        );
        let join = match coordinator
            .join(&self.config, &self.member_id, &protocols)
            .await
        {
            Ok(join) => join,
            Err(e) => {
                tracing::debug!("JoinGroup failed: {e}");
                return Step::Rediscover;
            }
        };
        match join.error {
            0 => {}
            MEMBER_ID_REQUIRED => {
                self.member_id = join.member_id;
                return Step::Retry;
            }
            UNKNOWN_MEMBER_ID => {
                self.member_id.clear();
                return Step::Retry;
            }
            REBALANCE_IN_PROGRESS => return Step::Retry,
            COORDINATOR_LOAD_IN_PROGRESS | COORDINATOR_NOT_AVAILABLE | NOT_COORDINATOR => {
                return Step::Rediscover
            }
            code => {
                tracing::warn!(code, group = %self.config.group_id, "JoinGroup failed");
                return Step::Backoff;
            }
        }
        if self.rebalance_signalled && join.generation == self.generation {
            // The coordinator announced a rebalance but answered the rejoin with the same
            // generation: it dropped a member without starting a new generation (some brokers
            // do this when they evict a member on a heartbeat). Rejoin with changed metadata, or
            // leave and join afresh; either starts one, so the remaining members' work is
            // reassigned.
            if self.protocol.vary_metadata() {
                tracing::info!(
                    generation = join.generation,
                    "rebalance announced without a new generation; rejoining with new metadata"
                );
                self.note_rejoin(RejoinRequest {
                    reason: format!(
                        "the coordinator kept generation {} after announcing a rebalance",
                        join.generation
                    ),
                    retry: true,
                });
                return Step::Retry;
            }
            tracing::info!(
                generation = join.generation,
                "rebalance announced without a new generation; rejoining as a new member"
            );
            match coordinator.leave(&self.config, &join.member_id).await {
                Ok(_) => {
                    self.member_id.clear();
                    self.session.send_modify(|s| s.member_id.clear());
                    return Step::Retry;
                }
                Err(_) => return Step::Rediscover,
            }
        }
        self.rebalance_signalled = false;
        self.member_id = join.member_id.clone();
        self.generation = join.generation;
        self.session.send_modify(|s| {
            s.member_id = join.member_id.clone();
            s.generation = join.generation;
        });
        let assignments = if join.leader == join.member_id {
            self.protocol.assign(&LeaderContext {
                generation: join.generation,
                protocol: &join.protocol,
                leader_id: &join.leader,
                members: &join.members,
            })
        } else {
            Vec::new()
        };
        let synced = coordinator
            .sync(
                &self.config,
                join.generation,
                &join.member_id,
                &join.protocol,
                assignments,
            )
            .await;
        match synced {
            Ok((0, assignment)) => Step::Joined(Joined {
                generation: join.generation,
                member_id: join.member_id,
                leader_id: join.leader,
                protocol: join.protocol,
                assignment,
            }),
            Ok((REBALANCE_IN_PROGRESS | ILLEGAL_GENERATION, _)) => Step::Retry,
            Ok((UNKNOWN_MEMBER_ID, _)) => {
                self.member_id.clear();
                Step::Retry
            }
            Ok((COORDINATOR_LOAD_IN_PROGRESS | COORDINATOR_NOT_AVAILABLE | NOT_COORDINATOR, _)) => {
                Step::Rediscover
            }
            Ok((code, _)) => {
                tracing::warn!(code, group = %self.config.group_id, "SyncGroup failed");
                Step::Backoff
            }
            Err(e) => {
                tracing::debug!("SyncGroup failed: {e}");
                Step::Rediscover
            }
        }
    }

    /// Keeps the application's rejoin request for the next join; a change outranks a retry.
    fn note_rejoin(&mut self, request: RejoinRequest) {
        match &self.next_rejoin {
            Some(current) if !current.retry && request.retry => {}
            _ => self.next_rejoin = Some(request),
        }
    }

    /// Member of a generation: waits for a reason to rejoin. True when the member left.
    async fn stable(&mut self, commands: &mut mpsc::UnboundedReceiver<Command>) -> bool {
        loop {
            tokio::select! {
                signal = self.signals.recv() => match signal {
                    Some(Signal::Error { generation, code }) if generation == self.generation => {
                        match code {
                            REBALANCE_IN_PROGRESS => {
                                self.rebalance_signalled = true;
                                let _ = self.events.send(GroupEvent::Rebalancing);
                                return false;
                            }
                            UNKNOWN_MEMBER_ID | ILLEGAL_GENERATION => {
                                if code == UNKNOWN_MEMBER_ID {
                                    self.member_id.clear();
                                }
                                let _ = self.events.send(GroupEvent::Lost(format!(
                                    "the coordinator no longer knows this member (error {code})"
                                )));
                                return false;
                            }
                            COORDINATOR_LOAD_IN_PROGRESS | COORDINATOR_NOT_AVAILABLE | NOT_COORDINATOR => {
                                self.coordinator = None;
                                return false;
                            }
                            _ => {}
                        }
                    }
                    Some(Signal::Error { .. }) => {}
                    Some(Signal::Unreachable) => {
                        let _ = self.events.send(GroupEvent::Lost(
                            "the group coordinator was unreachable for the session timeout".into(),
                        ));
                        self.coordinator = None;
                        return false;
                    }
                    None => return true,
                },
                command = commands.recv() => match command {
                    Some(Command::Rejoin(request)) => {
                        self.note_rejoin(request);
                        return false;
                    }
                    Some(Command::Leave(ack)) => {
                        self.leave(Some(ack)).await;
                        return true;
                    }
                    None => {
                        self.leave(None).await;
                        return true;
                    }
                },
            }
        }
    }

    /// Sends LeaveGroup (on a fresh connection if the current one is busy or gone).
    async fn leave(&mut self, ack: Option<oneshot::Sender<()>>) {
        self.session.send_modify(|s| s.member_id.clear());
        if !self.member_id.is_empty() {
            let addr = self.session.borrow().coordinator.clone();
            if let Some(addr) = addr {
                match Coordinator::connect(&addr, &self.config).await {
                    Ok(mut c) => match c.leave(&self.config, &self.member_id).await {
                        Ok(0) => tracing::info!(member = %self.member_id, "left the group"),
                        Ok(code) => tracing::warn!(code, "LeaveGroup failed"),
                        Err(e) => tracing::warn!("LeaveGroup failed: {e}"),
                    },
                    Err(e) => tracing::warn!("cannot send LeaveGroup: {e}"),
                }
            }
        }
        if let Some(ack) = ack {
            let _ = ack.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_up_to_the_cap_with_jitter() {
        let base = Duration::from_millis(100);
        for attempt in 1..=20 {
            let expected = base
                .saturating_mul(1 << (attempt - 1).min(10))
                .min(MAX_RETRY_BACKOFF);
            let got = retry_backoff(base, attempt);
            assert!(
                got >= expected.mul_f64(0.8) && got < expected.mul_f64(1.2),
                "attempt {attempt}: {got:?} not within 20% of {expected:?}"
            );
        }
        // A base above the cap is kept: the cap never shortens retry.backoff.ms.
        let long = Duration::from_secs(5);
        assert!(retry_backoff(long, 3) >= long.mul_f64(0.8));
    }

    #[test]
    fn jitter_varies() {
        let values: std::collections::BTreeSet<u64> =
            (0..50).map(|_| (jitter() * 10_000.0) as u64).collect();
        assert!(values.len() > 10, "{values:?}");
        assert!(
            values.iter().all(|v| (8_000..12_000).contains(v)),
            "{values:?}"
        );
    }
}
