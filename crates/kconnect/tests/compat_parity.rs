//! Side by side with Java Kafka Connect (4.4, from the Maven registry): the same worker and
//! connector files, run by Java's `ConnectStandalone` and by kconnect on the same Apache
//! Kafka broker, give byte-identical topics — keys, values, headers and partitions, in
//! order (timestamps aside). Topic names carry the implementation's name; everything else in
//! the files is the same.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::side_by_side::{comparable, read, start, Impl};
use kconnect_testkit::{unique, Broker, ConsumedRecord};

/// Lines exercising JSON string escaping: quotes, backslashes, control characters,
/// non-ASCII text, an empty line, numbers and JSON-looking text.
fn input_lines() -> Vec<&'static str> {
    vec![
        "plain line",
        "with \"quotes\" and \\backslashes\\",
        "tab\there and a bell \u{7} and form feed \u{c}",
        "unicode: é 中文 🎉 \u{2028}",
        "",
        "12345",
        "{\"looks\": \"like json\"}",
        "  leading and trailing spaces  ",
    ]
}

/// Runs the same FileStreamSource connector (with `extra` connector lines) on both
/// implementations, one after the other, and returns what each wrote to the topic its
/// routing gives (`routed` maps the source topic to the topic read).
fn source_pair(
    worker: &str,
    extra: &str,
    routed: impl Fn(&str) -> String,
) -> [(Impl, Vec<ConsumedRecord>); 2] {
    let broker = Broker::shared();
    let run = unique("parity");
    let root = tempfile::tempdir().unwrap();
    let input = root.path().join("input.txt");
    let lines = input_lines();
    std::fs::write(
        &input,
        lines.iter().map(|l| format!("{l}\n")).collect::<String>(),
    )
    .unwrap();
    [Impl::Java, Impl::Kconnect].map(|which| {
        let topic = format!("{run}-{}-in", which.tag());
        // The broker creates no topic on first use (as production clusters are set up).
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(broker.create_topic(&routed(&topic), 1));
        let connector = format!(
            "name=parity-source\nconnector.class=org.apache.kafka.connect.file.FileStreamSourceConnector\ntasks.max=1\nfile={}\ntopic={topic}\n{extra}",
            input.display()
        );
        let mut w = start(
            which,
            &broker,
            &root.path().join(which.tag()),
            worker,
            &[("source.properties", connector)],
        );
        let records = read(&broker, &routed(&topic), lines.len(), &w);
        w.stop();
        (which, records)
    })
}

fn assert_same(pair: &[(Impl, Vec<ConsumedRecord>); 2]) {
    let (java, kconnect) = (comparable(&pair[0].1), comparable(&pair[1].1));
    for (n, (j, k)) in java.iter().zip(&kconnect).enumerate() {
        assert_eq!(j, k, "record {n} differs (left: Java, right: kconnect)");
    }
    assert_eq!(java.len(), kconnect.len());
}

const JSON_WORKER: &str = "key.converter=org.apache.kafka.connect.json.JsonConverter\nvalue.converter=org.apache.kafka.connect.json.JsonConverter\n";

#[test]
fn file_source_with_json_and_schemas_writes_the_same_bytes() {
    let worker = format!(
        "{JSON_WORKER}key.converter.schemas.enable=true\nvalue.converter.schemas.enable=true\n"
    );
    assert_same(&source_pair(&worker, "", str::to_string));
}

#[test]
fn file_source_with_schemaless_json_writes_the_same_bytes() {
    let worker = format!(
        "{JSON_WORKER}key.converter.schemas.enable=false\nvalue.converter.schemas.enable=false\n"
    );
    assert_same(&source_pair(&worker, "", str::to_string));
}

#[test]
fn a_transform_chain_on_keys_values_and_headers_with_routing_writes_the_same_bytes() {
    let worker = format!(
        "{JSON_WORKER}key.converter.schemas.enable=true\nvalue.converter.schemas.enable=true\n"
    );
    let transforms = "transforms=hoist,insert,header,copy,tokey,route,stamp\n\
        transforms.hoist.type=org.apache.kafka.connect.transforms.HoistField$Value\n\
        transforms.hoist.field=line\n\
        transforms.insert.type=org.apache.kafka.connect.transforms.InsertField$Value\n\
        transforms.insert.static.field=origin\n\
        transforms.insert.static.value=parity\n\
        transforms.header.type=org.apache.kafka.connect.transforms.InsertHeader\n\
        transforms.header.header=source\n\
        transforms.header.value.literal=file\n\
        transforms.copy.type=org.apache.kafka.connect.transforms.HeaderFrom$Value\n\
        transforms.copy.fields=origin,line\n\
        transforms.copy.headers=origin-h,line-h\n\
        transforms.copy.operation=copy\n\
        transforms.tokey.type=org.apache.kafka.connect.transforms.ValueToKey\n\
        transforms.tokey.fields=line\n\
        transforms.route.type=org.apache.kafka.connect.transforms.RegexRouter\n\
        transforms.route.regex=(.*)-in\n\
        transforms.route.replacement=$1-out\n\
        transforms.stamp.type=org.apache.kafka.connect.transforms.TimestampRouter\n\
        transforms.stamp.topic.format=${topic}-${timestamp}\n\
        transforms.stamp.timestamp.format=yyyyMMdd\n";
    let out = std::process::Command::new("date")
        .args(["-u", "+%Y%m%d"])
        .output()
        .unwrap();
    let day = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let pair = source_pair(&worker, transforms, |topic| {
        format!("{}-out-{day}", topic.trim_end_matches("-in"))
    });
    // The headers really are there (the chain ran), and equal on both sides.
    assert!(
        pair[1].1[0].headers.iter().any(|(k, _)| k == "origin-h"),
        "{:?}",
        pair[1].1[0]
    );
    assert_same(&pair);
}

/// The DLQ headers whose text is the JVM's (stack traces) and only compared by presence.
const PRESENCE_ONLY: &[&str] = &["__connect.errors.exception.stacktrace"];

#[test]
fn a_sink_with_a_dead_letter_queue_writes_the_same_dlq_records_and_headers() {
    let broker = Broker::shared();
    let run = unique("parity-dlq");
    let source = format!("{run}-src");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(broker.create_topic(&source, 1));
    let values = [
        "{\"a\":1,\"b\":[true,null]}",
        "{not json",
        "\"a string\"",
        "[1,2",
        "42",
        "",
    ];
    rt.block_on(common::produce(&broker, &source, 0, &values));
    // An empty value is JSON null to the converter, not an error.
    let invalid = 2;
    let root = tempfile::tempdir().unwrap();
    let worker = "key.converter=org.apache.kafka.connect.storage.StringConverter\nvalue.converter=org.apache.kafka.connect.json.JsonConverter\nvalue.converter.schemas.enable=false\n";
    let [(_, java), (_, kconnect)] = [Impl::Java, Impl::Kconnect].map(|which| {
        let dir = root.path().join(which.tag());
        let dlq = format!("{run}-{}-dlq", which.tag());
        let connector = format!(
            "name=parity-sink\nconnector.class=org.apache.kafka.connect.file.FileStreamSinkConnector\ntasks.max=1\ntopics={source}\nfile={}\nconsumer.override.group.id={run}-{}\nerrors.tolerance=all\nerrors.deadletterqueue.topic.name={dlq}\nerrors.deadletterqueue.topic.replication.factor=1\nerrors.deadletterqueue.context.headers.enable=true\n",
            dir.join("sink.txt").display(),
            which.tag()
        );
        let mut w = start(which, &broker, &dir, worker, &[("sink.properties", connector)]);
        let records = read(&broker, &dlq, invalid, &w);
        // The valid records reached the file as the connector renders them.
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        let lines = loop {
            let lines = common::lines(&dir.join("sink.txt"));
            if lines.len() >= values.len() - invalid || std::time::Instant::now() > deadline {
                break lines;
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        w.stop();
        (which, (records, lines))
    });
    assert_eq!(java.1, kconnect.1, "the sink files differ (left: Java)");
    assert_eq!(java.0.len(), kconnect.0.len());
    for (n, (j, k)) in java.0.iter().zip(&kconnect.0).enumerate() {
        assert_eq!((&j.key, &j.value), (&k.key, &k.value), "DLQ record {n}");
        let names =
            |r: &ConsumedRecord| r.headers.iter().map(|(h, _)| h.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(j),
            names(k),
            "DLQ record {n}: header names (left: Java)"
        );
        for ((name, jv), (_, kv)) in j.headers.iter().zip(&k.headers) {
            if PRESENCE_ONLY.contains(&name.as_str()) {
                assert!(jv.is_some() && kv.is_some(), "{name}");
                continue;
            }
            let text =
                |v: &Option<Vec<u8>>| v.as_ref().map(|b| String::from_utf8_lossy(b).into_owned());
            assert_eq!(
                text(jv),
                text(kv),
                "DLQ record {n}: header {name} (left: Java)"
            );
        }
    }
}

#[test]
fn a_file_sink_renders_logical_types_as_java_does() {
    // Java renders dates in the JVM's time zone and kconnect in UTC: the machines that run
    // these tests are set to UTC.
    let broker = Broker::shared();
    let run = unique("parity-logical");
    let source = format!("{run}-src");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(broker.create_topic(&source, 1));
    let schema = r#"{"type":"struct","optional":false,"name":"Row","fields":[
        {"field":"ts","type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1},
        {"field":"day","type":"int32","optional":true,"name":"org.apache.kafka.connect.data.Date","version":1},
        {"field":"at","type":"int32","optional":true,"name":"org.apache.kafka.connect.data.Time","version":1},
        {"field":"price","type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},
        {"field":"tags","type":"map","optional":true,"keys":{"type":"string","optional":false},"values":{"type":"int64","optional":true,"name":"org.apache.kafka.connect.data.Timestamp","version":1}}]}"#
        .replace(['\n', ' '], "");
    let rows = [
        r#"{"ts":1732890812170,"day":20056,"at":52412170,"price":"BNI=","tags":{"a":0}}"#,
        r#"{"ts":-1,"day":null,"at":0,"price":"AA==","tags":null}"#,
        r#"{"ts":951782400000,"day":-1,"at":86399999,"price":"/w==","tags":{}}"#,
    ];
    let values: Vec<String> = rows
        .iter()
        .map(|r| format!("{{\"schema\":{schema},\"payload\":{r}}}"))
        .collect();
    let refs: Vec<&str> = values.iter().map(String::as_str).collect();
    rt.block_on(common::produce(&broker, &source, 0, &refs));
    let root = tempfile::tempdir().unwrap();
    let worker = "key.converter=org.apache.kafka.connect.storage.StringConverter\nvalue.converter=org.apache.kafka.connect.json.JsonConverter\nvalue.converter.schemas.enable=true\n";
    let [java, kconnect] = [Impl::Java, Impl::Kconnect].map(|which| {
        let dir = root.path().join(which.tag());
        let file = dir.join("sink.txt");
        let connector = format!(
            "name=parity-logical\nconnector.class=org.apache.kafka.connect.file.FileStreamSinkConnector\ntasks.max=1\ntopics={source}\nfile={}\nconsumer.override.group.id={run}-{}\n",
            file.display(),
            which.tag()
        );
        let mut w = start(which, &broker, &dir, worker, &[("sink.properties", connector)]);
        let deadline = std::time::Instant::now() + Duration::from_secs(90);
        let lines = loop {
            let lines = common::lines(&file);
            if lines.len() >= rows.len() || std::time::Instant::now() > deadline {
                break lines;
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        assert_eq!(lines.len(), rows.len(), "{}", w.log());
        w.stop();
        lines
    });
    assert!(
        java[0].contains("ts=Fri Nov 29 14:33:32 UTC 2024"),
        "{java:?}"
    );
    assert_eq!(java, kconnect, "the sink files differ (left: Java)");
}
