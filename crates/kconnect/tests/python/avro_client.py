"""Confluent's own Python Avro serdes (confluent-kafka), as a client nobody on this project
wrote, for the Avro cross-check in tests/avro.rs.

  avro_client.py produce <bootstrap> <registry url> <topic> <count>
      writes <count> com.example.Order records with AvroSerializer (value) and
      StringSerializer (key), registering the schema under <topic>-value;
  avro_client.py consume <bootstrap> <registry url> <topic> <count>
      reads <count> values with AvroDeserializer and prints each as a JSON line.
"""

import json
import sys

from confluent_kafka import Consumer, Producer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

ORDER = json.dumps({
    "type": "record",
    "name": "Order",
    "namespace": "com.example",
    "fields": [
        {"name": "id", "type": "long"},
        {"name": "item", "type": "string"},
        {"name": "price", "type": "double"},
        {"name": "note", "type": ["null", "string"], "default": None},
    ],
})


def order(n):
    return {"id": n, "item": f"item-{n}", "price": n + 0.5, "note": None if n % 2 else f"note {n}"}


def main():
    mode, bootstrap, url, topic, count = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    registry = SchemaRegistryClient({"url": url})
    if mode == "produce":
        serializer = AvroSerializer(registry, ORDER, lambda o, ctx: o)
        producer = Producer({"bootstrap.servers": bootstrap})
        for n in range(count):
            value = serializer(order(n), SerializationContext(topic, MessageField.VALUE))
            producer.produce(topic, key=str(n).encode(), value=value)
        producer.flush(30)
        return
    deserializer = AvroDeserializer(registry)
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": f"avro-client-{topic}",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    consumer.subscribe([topic])
    seen = 0
    while seen < count:
        message = consumer.poll(30)
        if message is None:
            break
        if message.error():
            continue
        value = deserializer(message.value(), SerializationContext(topic, MessageField.VALUE))
        print(json.dumps(value, default=str, sort_keys=True), flush=True)
        seen += 1
    consumer.close()


main()
