//! End-to-end: transformation chains with predicates on both sides of a standalone pipeline,
//! on the Apache Kafka broker shared by the test run (topics and connector names unique to
//! the test).

mod common;

use std::time::Duration;

use common::{append_lines, lines, wait_lines, Kconnect};
use kconnect_testkit::{unique, Broker, TopicReader};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chains_and_predicates_shape_and_route_records() {
    let broker = Broker::shared();
    // Each source writes to `<prefix>-raw`, which its RegexRouter turns into `<prefix>-clean`.
    let (events_topic, noise_topic) = (unique("events"), unique("noise"));
    let (events_name, noise_name, sink_name) = (
        unique("events-source"),
        unique("noise-source"),
        unique("transforms-sink"),
    );
    let dir = tempfile::tempdir().unwrap();
    let (events, noise, output) = (
        dir.path().join("events.txt"),
        dir.path().join("noise.txt"),
        dir.path().join("out.txt"),
    );
    append_lines(&events, 0, 500);
    append_lines(&noise, 10_000, 300);
    let mut k = Kconnect::new(dir.path(), &broker, "");
    let creation =
        "topic.creation.default.partitions=1\ntopic.creation.default.replication.factor=1\n";
    let events_src = k.connector_file(
        "events.properties",
        &format!(
            "name={events_name}\nconnector.class=FileStreamSource\nfile={}\ntopic={events_topic}-raw\n{creation}\
             transforms=hoist,insert,route\n\
             transforms.hoist.type=org.apache.kafka.connect.transforms.HoistField$Value\ntransforms.hoist.field=line\n\
             transforms.insert.type=org.apache.kafka.connect.transforms.InsertField$Value\n\
             transforms.insert.static.field=origin\ntransforms.insert.static.value=kconnect\ntransforms.insert.topic.field=topic\n\
             transforms.route.type=org.apache.kafka.connect.transforms.RegexRouter\n\
             transforms.route.regex=(.*)-raw\ntransforms.route.replacement=$1-clean\n",
            events.display()
        ),
    );
    let noise_src = k.connector_file(
        "noise.properties",
        &format!(
            "name={noise_name}\nconnector.class=FileStreamSource\nfile={}\ntopic={noise_topic}-raw\n{creation}\
             transforms=tag,route\n\
             transforms.tag.type=InsertHeader\ntransforms.tag.header=tag\ntransforms.tag.value.literal=noise\n\
             transforms.route.type=RegexRouter\ntransforms.route.regex=(.*)-raw\ntransforms.route.replacement=$1-clean\n",
            noise.display()
        ),
    );
    let sink = k.connector_file(
        "sink.properties",
        &format!(
            "name={sink_name}\nconnector.class=FileStreamSink\nfile={}\ntopics={events_topic}-clean,{noise_topic}-clean\n\
             transforms=dropNoise\ntransforms.dropNoise.type=org.apache.kafka.connect.transforms.Filter\n\
             transforms.dropNoise.predicate=hasTag\n\
             predicates=hasTag\npredicates.hasTag.type=org.apache.kafka.connect.transforms.predicates.HasHeaderKey\n\
             predicates.hasTag.name=tag\n",
            output.display()
        ),
    );
    k.start(&[&events_src, &noise_src, &sink]);
    // Noise records are in their topic (routed) before the sink can have dropped them all.
    let noise_records = TopicReader::new(&broker).read(
        &format!("{noise_topic}-clean"),
        1,
        300,
        Duration::from_secs(60),
    );
    assert_eq!(noise_records.len(), 300, "{}", k.log());
    assert_eq!(
        noise_records[0].headers,
        vec![("tag".to_string(), Some(b"noise".to_vec()))]
    );
    let got = wait_lines(&output, 500, Duration::from_secs(60), &k);
    let expected: Vec<String> = lines(&events)
        .iter()
        .map(|l| format!("Struct{{line={l},topic={events_topic}-raw,origin=kconnect}}"))
        .collect();
    assert_eq!(
        got, expected,
        "the sink must see exactly the transformed event records and none of the noise"
    );
    let records = TopicReader::new(&broker).read(
        &format!("{events_topic}-clean"),
        1,
        1,
        Duration::from_secs(10),
    );
    assert_eq!(
        String::from_utf8(records[0].value.clone().unwrap()).unwrap(),
        format!(
            r#"{{"schema":{{"type":"struct","fields":[{{"type":"string","optional":false,"field":"line"}},{{"type":"string","optional":true,"field":"topic"}},{{"type":"string","optional":true,"field":"origin"}}],"optional":false}},"payload":{{"line":"line 0 of the input ✓","topic":"{events_topic}-raw","origin":"kconnect"}}}}"#
        )
    );
    assert_eq!(k.stop(), Some(0), "{}", k.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_transform_config_is_rejected_before_any_task_starts() {
    let broker = Broker::shared();
    let dir = tempfile::tempdir().unwrap();
    let k = Kconnect::new(dir.path(), &broker, "");
    let cases = [
        ("transforms=r\ntransforms.r.type=RegexRouter\ntransforms.r.replacement=x\n", "transforms.r.regex"),
        ("transforms=c\ntransforms.c.type=org.apache.kafka.connect.transforms.Cast$Value\ntransforms.c.spec=id:decimal\n", "transforms.c.spec"),
        ("transforms=u\ntransforms.u.type=com.example.Nope\n", "transforms.u.type"),
        ("transforms=m\n", "transforms.m.type"),
        ("transforms=f\ntransforms.f.type=Filter\ntransforms.f.predicate=p\n", "transforms.f.predicate"),
    ];
    for (i, (extra, key)) in cases.iter().enumerate() {
        let file = k.connector_file(
            &format!("bad{i}.properties"),
            &format!(
                "name=bad{i}\nconnector.class=FileStreamSource\nfile=/tmp/none\ntopic=t\n{extra}"
            ),
        );
        let (code, out) = k.run_to_exit(&[&file]);
        assert_eq!(code, Some(3), "{out}");
        assert!(out.contains(key), "the error must name {key}: {out}");
    }
}
