//! The membership task: finds the coordinator, joins and syncs, reacts to what heartbeats
//! report, rejoins on request and leaves on shutdown.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

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

enum Command {
    Rejoin,
    Leave(oneshot::Sender<()>),
}

/// Asks a running membership to rejoin; cheap to clone and hand to other tasks.
#[derive(Clone)]
pub struct RejoinHandle {
    commands: mpsc::UnboundedSender<Command>,
}

impl RejoinHandle {
    /// Asks for a rebalance (rejoins with fresh metadata).
    pub fn rejoin(&self) {
        let _ = self.commands.send(Command::Rejoin);
    }
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
        };
        let main = tokio::spawn(membership.run(commands));
        let member = Self {
            commands: commands_tx,
            main,
            heartbeat,
        };
        (member, events_rx)
    }

    /// Asks for a rebalance (rejoins with fresh metadata).
    pub fn rejoin(&self) {
        let _ = self.commands.send(Command::Rejoin);
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
                    Ok(c) => self.coordinator = Some(c),
                    Err(e) => {
                        tracing::warn!(group = %self.config.group_id, "group coordinator not reachable: {e}");
                        if self.pause(&mut commands).await {
                            return;
                        }
                        continue;
                    }
                }
            }
            // A join in flight is finished, not abandoned, before leaving: a broker may apply
            // a JoinGroup after a LeaveGroup sent meanwhile (Tansu holds follower joins for
            // a few seconds), which would bring the departed member back.
            let step = self.join_and_sync().await;
            loop {
                match commands.try_recv() {
                    Ok(Command::Rejoin) => {}
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

    /// Waits `retry.backoff.ms`; true if a leave was requested meanwhile.
    async fn pause(&mut self, commands: &mut mpsc::UnboundedReceiver<Command>) -> bool {
        tokio::select! {
            _ = tokio::time::sleep(self.config.retry_backoff) => false,
            command = commands.recv() => match command {
                Some(Command::Rejoin) => false,
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
            // generation: it dropped a member without starting a new generation (Tansu does
            // this when it evicts a member on a heartbeat). Rejoin with changed metadata, or
            // leave and join afresh; either starts one, so the remaining members' work is
            // reassigned.
            if self.protocol.vary_metadata() {
                tracing::info!(
                    generation = join.generation,
                    "rebalance announced without a new generation; rejoining with new metadata"
                );
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
                    Some(Command::Rejoin) => return false,
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
