//! The group APIs over a coordinator connection: FindCoordinator, JoinGroup, SyncGroup,
//! Heartbeat and LeaveGroup.

use std::time::Duration;

use bytes::Bytes;
use kafka_protocol::messages::{
    find_coordinator_request::FindCoordinatorRequest,
    find_coordinator_response::FindCoordinatorResponse,
    heartbeat_request::HeartbeatRequest,
    heartbeat_response::HeartbeatResponse,
    join_group_request::{JoinGroupRequest, JoinGroupRequestProtocol},
    join_group_response::JoinGroupResponse,
    leave_group_request::{LeaveGroupRequest, MemberIdentity},
    leave_group_response::LeaveGroupResponse,
    sync_group_request::{SyncGroupRequest, SyncGroupRequestAssignment},
    sync_group_response::SyncGroupResponse,
    ApiKey, GroupId,
};
use kafka_protocol::protocol::StrBytes;

use super::connection::{Connection, Versions};
use super::{GroupConfig, GroupError, JoinedMember};

fn s(text: &str) -> StrBytes {
    StrBytes::from_string(text.to_string())
}

/// A JoinGroup answer.
#[derive(Debug, Clone)]
pub(crate) struct JoinResult {
    pub error: i16,
    pub generation: i32,
    pub member_id: String,
    pub leader: String,
    pub protocol: String,
    pub members: Vec<JoinedMember>,
}

/// A connection to the group coordinator with negotiated versions.
pub(crate) struct Coordinator {
    pub conn: Connection,
    pub versions: Versions,
}

/// Asks the bootstrap brokers, in turn, where the group coordinator is (`host:port`).
pub(crate) async fn find_coordinator(config: &GroupConfig) -> Result<String, GroupError> {
    let mut last = GroupError::Io("no bootstrap servers".into());
    for server in &config.bootstrap_servers {
        let attempt = async {
            let mut conn = Connection::connect(
                server,
                &config.client_id,
                config.request_timeout,
                &config.security,
            )
            .await?;
            let versions = conn.negotiate().await?;
            let request = FindCoordinatorRequest::default()
                .with_key(s(&config.group_id))
                .with_key_type(0);
            let response: FindCoordinatorResponse = conn
                .call(
                    ApiKey::FindCoordinator,
                    versions.find_coordinator,
                    &request,
                    None,
                )
                .await?;
            if response.error_code != 0 {
                return Err(GroupError::Kafka(
                    response.error_code,
                    "FindCoordinator".into(),
                ));
            }
            Ok(format!("{}:{}", response.host.as_str(), response.port))
        };
        match attempt.await {
            Ok(addr) => return Ok(addr),
            Err(e) => last = e,
        }
    }
    Err(last)
}

impl Coordinator {
    /// Connects to the coordinator and negotiates versions.
    pub(crate) async fn connect(addr: &str, config: &GroupConfig) -> Result<Self, GroupError> {
        let mut conn = Connection::connect(
            addr,
            &config.client_id,
            config.request_timeout,
            &config.security,
        )
        .await?;
        let versions = conn.negotiate().await?;
        Ok(Self { conn, versions })
    }

    /// JoinGroup; the broker may hold it up to the rebalance timeout.
    pub(crate) async fn join(
        &mut self,
        config: &GroupConfig,
        member_id: &str,
        protocols: &[(String, Vec<u8>)],
    ) -> Result<JoinResult, GroupError> {
        let request = JoinGroupRequest::default()
            .with_group_id(GroupId(s(&config.group_id)))
            .with_session_timeout_ms(millis(config.session_timeout))
            .with_rebalance_timeout_ms(millis(config.rebalance_timeout))
            .with_member_id(s(member_id))
            .with_protocol_type(s(&config.protocol_type))
            .with_protocols(
                protocols
                    .iter()
                    .map(|(name, metadata)| {
                        JoinGroupRequestProtocol::default()
                            .with_name(s(name))
                            .with_metadata(Bytes::from(metadata.clone()))
                    })
                    .collect(),
            );
        let wait = config.rebalance_timeout + config.request_timeout;
        let response: JoinGroupResponse = self
            .conn
            .call(
                ApiKey::JoinGroup,
                self.versions.join_group,
                &request,
                Some(wait),
            )
            .await?;
        Ok(JoinResult {
            error: response.error_code,
            generation: response.generation_id,
            member_id: response.member_id.as_str().to_string(),
            leader: response.leader.as_str().to_string(),
            protocol: response
                .protocol_name
                .map(|p| p.as_str().to_string())
                .unwrap_or_default(),
            members: response
                .members
                .into_iter()
                .map(|m| JoinedMember {
                    member_id: m.member_id.as_str().to_string(),
                    metadata: m.metadata.to_vec(),
                })
                .collect(),
        })
    }

    /// SyncGroup: the leader sends everyone's assignment; everyone receives their own.
    pub(crate) async fn sync(
        &mut self,
        config: &GroupConfig,
        generation: i32,
        member_id: &str,
        protocol: &str,
        assignments: Vec<(String, Vec<u8>)>,
    ) -> Result<(i16, Vec<u8>), GroupError> {
        let request = SyncGroupRequest::default()
            .with_group_id(GroupId(s(&config.group_id)))
            .with_generation_id(generation)
            .with_member_id(s(member_id))
            .with_assignments(
                assignments
                    .into_iter()
                    .map(|(member, bytes)| {
                        SyncGroupRequestAssignment::default()
                            .with_member_id(s(&member))
                            .with_assignment(Bytes::from(bytes))
                    })
                    .collect(),
            );
        // Protocol type and name are part of SyncGroup from version 5 on.
        let request = if self.versions.sync_group >= 5 {
            request
                .with_protocol_type(Some(s(&config.protocol_type)))
                .with_protocol_name(Some(s(protocol)))
        } else {
            request
        };
        let wait = config.rebalance_timeout + config.request_timeout;
        let response: SyncGroupResponse = self
            .conn
            .call(
                ApiKey::SyncGroup,
                self.versions.sync_group,
                &request,
                Some(wait),
            )
            .await?;
        Ok((response.error_code, response.assignment.to_vec()))
    }

    /// Heartbeat; returns the error code.
    pub(crate) async fn heartbeat(
        &mut self,
        config: &GroupConfig,
        generation: i32,
        member_id: &str,
    ) -> Result<i16, GroupError> {
        let request = HeartbeatRequest::default()
            .with_group_id(GroupId(s(&config.group_id)))
            .with_generation_id(generation)
            .with_member_id(s(member_id));
        let response: HeartbeatResponse = self
            .conn
            .call(ApiKey::Heartbeat, self.versions.heartbeat, &request, None)
            .await?;
        Ok(response.error_code)
    }

    /// LeaveGroup; returns the error code.
    pub(crate) async fn leave(
        &mut self,
        config: &GroupConfig,
        member_id: &str,
    ) -> Result<i16, GroupError> {
        let version = self.versions.leave_group;
        let request = LeaveGroupRequest::default().with_group_id(GroupId(s(&config.group_id)));
        // Versions 0-2 name one member; 3+ a list of members.
        let request = if version < 3 {
            request.with_member_id(s(member_id))
        } else {
            request.with_members(vec![MemberIdentity::default().with_member_id(s(member_id))])
        };
        let response: LeaveGroupResponse = self
            .conn
            .call(ApiKey::LeaveGroup, version, &request, None)
            .await?;
        Ok(response.error_code)
    }
}

fn millis(d: Duration) -> i32 {
    i32::try_from(d.as_millis()).unwrap_or(i32::MAX)
}
