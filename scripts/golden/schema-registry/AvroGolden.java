// Golden vectors for kconnect's Avro converter, produced by Confluent's own AvroConverter
// (kafka-connect-avro-converter 7.0.16) against an in-memory registry client. Run by
// ./generate, which prints one JSON object per case; see README.md in this directory.

import io.confluent.connect.avro.AvroConverter;
import io.confluent.kafka.schemaregistry.client.MockSchemaRegistryClient;
import io.confluent.kafka.schemaregistry.client.SchemaMetadata;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.json.JsonConverter;

public class AvroGolden {
    /** One conversion: a Connect schema and value, written under some converter settings. */
    record Case(String name, Map<String, String> settings, boolean isKey, Schema schema, Object value) {}

    static final JsonConverter ENVELOPE = new JsonConverter();

    static {
        ENVELOPE.configure(Map.of("schemas.enable", "true", "converter.type", "value"));
    }

    static String json(String s) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }

    /** The Connect schema and value as Kafka's JsonConverter writes them (an envelope). */
    static String envelope(Schema schema, Object value) {
        byte[] bytes = ENVELOPE.fromConnectData("golden", schema, value);
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    static void emit(MockSchemaRegistryClient client, Case c, String topic) throws Exception {
        AvroConverter converter = new AvroConverter(client);
        Map<String, Object> config = new LinkedHashMap<>(c.settings());
        config.put("schema.registry.url", "mock://golden");
        converter.configure(config, c.isKey());
        byte[] bytes = converter.fromConnectData(topic, c.schema(), c.value());
        StringBuilder out = new StringBuilder("{");
        out.append("\"case\":").append(json(c.name()));
        out.append(",\"topic\":").append(json(topic));
        out.append(",\"is_key\":").append(c.isKey());
        out.append(",\"settings\":{");
        boolean first = true;
        for (Map.Entry<String, String> e : c.settings().entrySet()) {
            if (!first) out.append(',');
            first = false;
            out.append(json(e.getKey())).append(':').append(json(e.getValue()));
        }
        out.append('}');
        out.append(",\"connect\":").append(json(envelope(c.schema(), c.value())));
        if (bytes == null) {
            out.append(",\"bytes\":null");
        } else {
            int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
            out.append(",\"bytes\":").append(json(HexFormat.of().formatHex(bytes)));
            out.append(",\"schema_id\":").append(id);
            List<String> subjects = new ArrayList<>(client.getAllSubjects());
            String subject = subjects.size() == 1 ? subjects.get(0) : String.join(",", subjects);
            out.append(",\"subject\":").append(json(subject));
            out.append(",\"version\":").append(client.getVersion(subject, client.getSchemaById(id)));
            out.append(",\"registered\":").append(json(client.getSchemaById(id).canonicalString()));
            SchemaAndValue back = converter.toConnectData(topic, bytes);
            out.append(",\"read_back\":").append(json(envelope(back.schema(), back.value())));
        }
        out.append('}');
        System.out.println(out);
    }

    static Map<String, String> settings(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    public static void main(String[] args) throws Exception {
        List<Case> cases = new ArrayList<>();
        Map<String, String> none = settings();

        // Every primitive type, as a whole value.
        cases.add(new Case("int8", none, false, Schema.INT8_SCHEMA, (byte) -7));
        cases.add(new Case("int16", none, false, Schema.INT16_SCHEMA, (short) 300));
        cases.add(new Case("int32", none, false, Schema.INT32_SCHEMA, 123456));
        cases.add(new Case("int64", none, false, Schema.INT64_SCHEMA, -9876543210L));
        cases.add(new Case("float32", none, false, Schema.FLOAT32_SCHEMA, 12.2f));
        cases.add(new Case("float64", none, false, Schema.FLOAT64_SCHEMA, -0.1));
        cases.add(new Case("boolean", none, false, Schema.BOOLEAN_SCHEMA, true));
        cases.add(new Case("string", none, false, Schema.STRING_SCHEMA, "héllo \"world\""));
        cases.add(new Case("bytes", none, false, Schema.BYTES_SCHEMA, new byte[] {0, 1, -2, 127}));
        cases.add(new Case("optional string, null", none, false, Schema.OPTIONAL_STRING_SCHEMA, null));
        cases.add(new Case("optional int32, set", none, false, Schema.OPTIONAL_INT32_SCHEMA, 5));
        cases.add(new Case("string key", none, true, Schema.STRING_SCHEMA, "k1"));

        // A struct of every primitive, required and optional.
        Schema all = SchemaBuilder.struct().name("com.example.All")
            .field("i8", Schema.INT8_SCHEMA).field("i16", Schema.INT16_SCHEMA)
            .field("i32", Schema.INT32_SCHEMA).field("i64", Schema.INT64_SCHEMA)
            .field("f32", Schema.FLOAT32_SCHEMA).field("f64", Schema.FLOAT64_SCHEMA)
            .field("b", Schema.BOOLEAN_SCHEMA).field("s", Schema.STRING_SCHEMA)
            .field("bytes", Schema.BYTES_SCHEMA)
            .field("opt_s", Schema.OPTIONAL_STRING_SCHEMA)
            .field("opt_i64", Schema.OPTIONAL_INT64_SCHEMA)
            .build();
        Struct allValue = new Struct(all).put("i8", (byte) 1).put("i16", (short) 2).put("i32", 3)
            .put("i64", 4L).put("f32", 5.5f).put("f64", 6.25).put("b", false).put("s", "seven")
            .put("bytes", new byte[] {8}).put("opt_s", null).put("opt_i64", 9L);
        cases.add(new Case("struct of primitives", none, false, all, allValue));

        // Defaults, doc, version and parameters.
        Schema documented = SchemaBuilder.struct().name("com.example.Documented").version(3)
            .doc("A documented record").parameter("owner", "team-a")
            .field("id", SchemaBuilder.int64().doc("the id").build())
            .field("status", SchemaBuilder.string().defaultValue("new").build())
            .field("count", SchemaBuilder.int32().optional().defaultValue(0).build())
            .field("note", SchemaBuilder.string().optional().defaultValue("none").build())
            .build();
        cases.add(new Case("defaults, doc, version, parameters", none, false, documented,
            new Struct(documented).put("id", 1L).put("status", "open").put("count", 2).put("note", null)));

        // Logical types.
        Schema logical = SchemaBuilder.struct().name("com.example.Logical")
            .field("price", Decimal.schema(2))
            .field("day", Date.SCHEMA)
            .field("at", Time.SCHEMA)
            .field("ts", Timestamp.SCHEMA)
            .field("opt_price", Decimal.builder(4).optional().build())
            .build();
        cases.add(new Case("logical types", none, false, logical, new Struct(logical)
            .put("price", new BigDecimal("12.34"))
            .put("day", new java.util.Date(1732838400000L))
            .put("at", new java.util.Date(52412170L))
            .put("ts", new java.util.Date(1732890812170L))
            .put("opt_price", new BigDecimal("-0.0001"))));

        // Nesting: structs, arrays, maps with string and with struct keys.
        Schema point = SchemaBuilder.struct().name("com.example.Point")
            .field("x", Schema.INT32_SCHEMA).field("y", Schema.INT32_SCHEMA).build();
        Schema nested = SchemaBuilder.struct().name("com.example.Shape")
            .field("origin", point)
            .field("points", SchemaBuilder.array(point).build())
            .field("tags", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT64_SCHEMA).build())
            .field("by_point", SchemaBuilder.map(point, Schema.STRING_SCHEMA).optional().build())
            .field("names", SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).build())
            .build();
        Map<String, Long> tags = new LinkedHashMap<>();
        tags.put("a", 1L);
        tags.put("b", 2L);
        Map<Struct, String> byPoint = new LinkedHashMap<>();
        byPoint.put(new Struct(point).put("x", 1).put("y", 2), "one-two");
        cases.add(new Case("nested structs, arrays and maps", none, false, nested, new Struct(nested)
            .put("origin", new Struct(point).put("x", 0).put("y", 0))
            .put("points", List.of(new Struct(point).put("x", 1).put("y", 1), new Struct(point).put("x", -1).put("y", 5)))
            .put("tags", tags)
            .put("by_point", byPoint)
            .put("names", Arrays.asList("x", null))));

        // Unnamed structs, and names Avro does not accept.
        Schema unnamed = SchemaBuilder.struct()
            .field("inner", SchemaBuilder.struct().field("v", Schema.STRING_SCHEMA).build())
            .build();
        cases.add(new Case("unnamed structs", none, false, unnamed,
            new Struct(unnamed).put("inner", new Struct(unnamed.field("inner").schema()).put("v", "w"))));
        Schema oddNames = SchemaBuilder.struct().name("com.example.my-record")
            .field("first-name", Schema.STRING_SCHEMA)
            .field("1st", Schema.INT32_SCHEMA)
            .build();
        Struct oddValue = new Struct(oddNames).put("first-name", "Ada").put("1st", 1);
        cases.add(new Case("names scrubbed", settings("scrub.invalid.names", "true"), false, oddNames, oddValue));

        // Settings that change the schema mapping.
        cases.add(new Case("without connect metadata", settings("connect.meta.data", "false"), false, documented,
            new Struct(documented).put("id", 1L).put("status", "open").put("count", 2).put("note", "n")));
        cases.add(new Case("enhanced schema support", settings("enhanced.avro.schema.support", "true"), false, documented,
            new Struct(documented).put("id", 1L).put("status", "open").put("count", 2).put("note", "n")));
        cases.add(new Case("record name strategy",
            settings("value.subject.name.strategy", "io.confluent.kafka.serializers.subject.RecordNameStrategy"),
            false, point, new Struct(point).put("x", 3).put("y", 4)));
        cases.add(new Case("topic record name strategy",
            settings("value.subject.name.strategy", "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy"),
            false, point, new Struct(point).put("x", 3).put("y", 4)));

        // More shapes: optional nested types, a map with int keys, defaults of every kind,
        // decimals with a precision, top-level decimals and optional bytes. (Two maps with
        // non-string keys of different types cannot be registered: both entry records are
        // named io.confluent.connect.avro.MapEntry, and Avro refuses to redefine a name.)
        Schema more = SchemaBuilder.struct().name("com.example.More")
            .field("opt_point", SchemaBuilder.struct().name("com.example.Point2")
                .field("x", Schema.INT32_SCHEMA).optional().build())
            .field("opt_list", SchemaBuilder.array(Schema.OPTIONAL_INT32_SCHEMA).optional().build())
            .field("opt_values", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.OPTIONAL_FLOAT64_SCHEMA).build())
            .field("by_int", SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.STRING_SCHEMA).build())
            .field("raw", SchemaBuilder.bytes().defaultValue(new byte[] {0, (byte) 200}).build())
            .field("ratio", SchemaBuilder.float32().defaultValue(0.5f).build())
            .field("flag", SchemaBuilder.bool().optional().defaultValue(true).build())
            .field("amount", Decimal.builder(3).parameter("connect.decimal.precision", "10").build())
            .field("labelled", SchemaBuilder.string().name("com.example.Label").parameter("lang", "en").build())
            .field("empty_list", SchemaBuilder.array(Schema.STRING_SCHEMA).build())
            .build();
        Map<String, Double> optValues = new LinkedHashMap<>();
        optValues.put("a", null);
        optValues.put("b", 1.5);
        Map<Integer, String> byInt = new LinkedHashMap<>();
        byInt.put(-1, "minus one");
        cases.add(new Case("optional nested types, an int-key map, defaults", none, false, more, new Struct(more)
            .put("opt_point", null)
            .put("opt_list", Arrays.asList(1, null, 3))
            .put("opt_values", optValues)
            .put("by_int", byInt)
            .put("raw", new byte[] {1})
            .put("ratio", 0.25f)
            .put("flag", null)
            .put("amount", new BigDecimal("-12.345"))
            .put("labelled", "hi")
            .put("empty_list", List.of())));
        cases.add(new Case("top-level decimal", none, false, Decimal.schema(2), new BigDecimal("1.50")));
        cases.add(new Case("top-level optional bytes", none, false, Schema.OPTIONAL_BYTES_SCHEMA, new byte[] {9, 8}));
        cases.add(new Case("top-level timestamp", none, false, Timestamp.SCHEMA, new java.util.Date(-1000L)));
        cases.add(new Case("top-level array of structs", none, false, SchemaBuilder.array(point).build(),
            List.of(new Struct(point).put("x", 1).put("y", 2))));

        for (Case c : cases) {
            emit(new MockSchemaRegistryClient(), c, "golden");
        }

        // Evolution under one subject: version 2 adds an optional field; both ids are kept.
        MockSchemaRegistryClient shared = new MockSchemaRegistryClient();
        Schema v1 = SchemaBuilder.struct().name("com.example.User").version(1)
            .field("id", Schema.INT64_SCHEMA).build();
        Schema v2 = SchemaBuilder.struct().name("com.example.User").version(2)
            .field("id", Schema.INT64_SCHEMA)
            .field("email", Schema.OPTIONAL_STRING_SCHEMA).build();
        emit(shared, new Case("evolution v1", none, false, v1, new Struct(v1).put("id", 1L)), "users");
        emit(shared, new Case("evolution v2", none, false, v2, new Struct(v2).put("id", 2L).put("email", "a@b.c")), "users");
        emit(shared, new Case("evolution v1 again", none, false, v1, new Struct(v1).put("id", 3L)), "users");
    }
}
