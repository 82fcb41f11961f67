//! Byte-layout tests of the Connect group protocol against hand-built vectors (kafka-connect-spec.md §7.2).

use super::*;

fn s(text: &str) -> Vec<u8> {
    let mut out = (text.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(text.as_bytes());
    out
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

#[test]
fn protocol_names_versions_and_preferences() {
    assert_eq!(
        ConnectProtocol::from_config("SESSIONED"),
        Some(ConnectProtocol::Sessioned)
    );
    assert_eq!(
        ConnectProtocol::from_config(" eager"),
        Some(ConnectProtocol::Eager)
    );
    assert_eq!(ConnectProtocol::from_config("cooperative"), None);
    let names: Vec<_> = ConnectProtocol::Sessioned
        .offered()
        .iter()
        .map(|p| (p.protocol_name(), p.version()))
        .collect();
    assert_eq!(
        names,
        vec![("sessioned", 2), ("compatible", 1), ("default", 0)]
    );
    assert_eq!(ConnectProtocol::Compatible.offered().len(), 2);
    assert_eq!(
        ConnectProtocol::from_protocol_name("default"),
        Some(ConnectProtocol::Eager)
    );
    assert!(!ConnectProtocol::Eager.is_incremental());
}

#[test]
fn metadata_v0_layout() {
    let java = cat(&[&[0, 0], &s("http://a:8083/"), &5i64.to_be_bytes()]);
    let m = WorkerMetadata {
        version: 0,
        url: "http://a:8083/".into(),
        config_offset: 5,
        allocation: None,
        applied: None,
        epoch: None,
    };
    assert_eq!(m.encode(), java);
    assert_eq!(WorkerMetadata::decode(&java).unwrap(), m);
}

#[test]
fn assignment_v0_layout_with_connector_sentinel_first() {
    let java = cat(&[
        &[0, 0, 0, 0],
        &s("m1"),
        &s("http://l/"),
        &7i64.to_be_bytes(),
        &[0, 0, 0, 2],
        &s("a"),
        &[0, 0, 0, 1, 0, 0, 0, 4],
        &s("c"),
        &[0, 0, 0, 3],
        &[0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 1],
    ]);
    let a = Assignment {
        version: 0,
        error: NO_ERROR,
        leader: "m1".into(),
        leader_url: "http://l/".into(),
        config_offset: 7,
        assigned: WorkSet::of(
            ["c".to_string()],
            [task("c", 0), task("c", 1), task("a", 4)],
        ),
        ..Assignment::default()
    };
    assert_eq!(a.encode(), java);
    assert_eq!(Assignment::decode(&java).unwrap(), a);
}

#[test]
fn assignment_v1_layout_and_null_arrays() {
    let java = cat(&[
        &[0, 1, 0, 1],
        &s("m"),
        &s("u"),
        &3i64.to_be_bytes(),
        &[0xFF, 0xFF, 0xFF, 0xFF], // null assignment
        &[0, 0, 0, 1],
        &s("b"),
        &[0, 0, 0, 1, 0, 0, 0, 2],
        &1000i32.to_be_bytes(),
    ]);
    let a = Assignment::decode(&java).unwrap();
    assert_eq!(a.version, 1);
    assert_eq!(a.error, CONFIG_MISMATCH);
    assert!(a.assigned.is_empty());
    assert_eq!(a.revoked, WorkSet::of([], [task("b", 2)]));
    assert_eq!(a.delay_ms, 1000);
    // kconnect writes empty (not null) arrays, like Java's ExtendedAssignment.
    let ours = a.encode();
    assert_eq!(&ours[..18], &java[..18]);
    assert_eq!(&ours[18..22], &[0, 0, 0, 0]);
    assert_eq!(&ours[22..], &java[22..]);
    assert_eq!(Assignment::decode(&ours).unwrap(), a);
}

#[test]
fn assignment_v1_tolerates_missing_trailing_fields() {
    let head = cat(&[&[0, 2, 0, 0], &s("m"), &s("u"), &9i64.to_be_bytes()]);
    let a = Assignment::decode(&head).unwrap();
    assert_eq!((a.version, a.config_offset, a.delay_ms), (2, 9, 0));
    assert!(a.assigned.is_empty() && a.revoked.is_empty());
    let with_assignment = cat(&[
        &head,
        &[0, 0, 0, 1],
        &s("x"),
        &[0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF],
    ]);
    let a = Assignment::decode(&with_assignment).unwrap();
    assert_eq!(a.assigned, WorkSet::of(["x".to_string()], []));
    assert!(a.revoked.is_empty());
    // Trailing bytes of a future version are ignored.
    let future = cat(&[&with_assignment, &[0, 0, 0, 0], &[0, 0, 0, 5], &[1, 2, 3]]);
    assert_eq!(Assignment::decode(&future).unwrap().delay_ms, 5);
}

#[test]
fn metadata_v2_embeds_the_allocation_with_its_own_header() {
    let allocation = cat(&[
        &[0, 2, 0, 0],
        &s("leader"),
        &s("http://l/"),
        &4i64.to_be_bytes(),
        &[0, 0, 0, 1],
        &s("c"),
        &[0, 0, 0, 2, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0],
        &[0, 0, 0, 0],
        &[0, 0, 0, 0],
    ]);
    let java = cat(&[
        &[0, 2],
        &s("http://w/"),
        &4i64.to_be_bytes(),
        &(allocation.len() as i32).to_be_bytes(),
        &allocation,
    ]);
    let m = WorkerMetadata::decode(&java).unwrap();
    let expected = WorkerMetadata {
        version: 2,
        url: "http://w/".into(),
        config_offset: 4,
        allocation: Some(Assignment {
            version: 2,
            leader: "leader".into(),
            leader_url: "http://l/".into(),
            config_offset: 4,
            assigned: WorkSet::of(["c".to_string()], [task("c", 0)]),
            ..Assignment::default()
        }),
        applied: None,
        epoch: None,
    };
    assert_eq!(m, expected);
    assert_eq!(m.encode(), java);
}

#[test]
fn metadata_v1_with_null_or_missing_allocation() {
    let base = cat(&[&[0, 1], &s("u"), &0i64.to_be_bytes()]);
    let null = cat(&[&base, &[0xFF, 0xFF, 0xFF, 0xFF]]);
    let m = WorkerMetadata::decode(&null).unwrap();
    assert_eq!(m.allocation, None);
    assert_eq!(m.encode(), null);
    assert_eq!(WorkerMetadata::decode(&base).unwrap().allocation, None);
}

#[test]
fn trailing_applied_count_is_kconnect_only_and_optional() {
    let base = cat(&[
        &[0, 2],
        &s("u"),
        &3i64.to_be_bytes(),
        &[0xFF, 0xFF, 0xFF, 0xFF],
    ]);
    let with = cat(&[&base, &7i32.to_be_bytes()]);
    let m = WorkerMetadata::decode(&with).unwrap();
    assert_eq!((m.applied, m.allocation.clone()), (Some(7), None));
    assert_eq!(m.encode(), with);
    // What a Java worker sends has no count; a Java reader stops before it.
    assert_eq!(WorkerMetadata::decode(&base).unwrap().applied, None);
    let v0 = cat(&[
        &[0, 0],
        &s("u"),
        &3i64.to_be_bytes(),
        &1i32.to_be_bytes(),
        &[0, 0, 0, 9],
    ]);
    let m0 = WorkerMetadata::decode(&v0).unwrap();
    assert_eq!((m0.applied, m0.epoch), (Some(1), Some(9)));
    assert_eq!(m0.encode(), v0);
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    for bad in [
        &[][..],
        &[0],
        &[0xFF, 0xFF, 0, 1, b'u'],
        &[0, 0, 0, 5, b'a'],
        &[
            0, 1, 0, 0, 0, 1, b'm', 0, 1, b'u', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, b'c', 0,
            0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFE,
        ],
    ] {
        assert!(Assignment::decode(bad).is_err(), "{bad:?}");
    }
    assert!(WorkerMetadata::decode(&[0, 1, 0, 1, b'u', 0, 0]).is_err());
}
