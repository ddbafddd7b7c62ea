// The automatic-encryption workload of the benchmarks (docs/benchmarks.md): a schema for db.coll
// encrypting the strings key001..key<fields> deterministically with one data key, the documents,
// the insert and the find reply. One definition for `openfle bench` (bench_command.cc) and the
// programs in bench/ (the libmongocrypt side, the micro-benchmarks), so both measure the same work.
#ifndef OPENFLE_CLI_BENCH_WORKLOAD_H_
#define OPENFLE_CLI_BENCH_WORKLOAD_H_

#include <cstdio>
#include <string>
#include <vector>

#include "openfle/algorithm.h"
#include "openfle/bson.h"
#include "openfle/uuid.h"

namespace openfle::bench {

inline constexpr const char* kNamespace = "db.coll";

// A BSON array of `items`.
inline Value array_of(const std::vector<Value>& items) {
  Document::Builder b;
  for (std::size_t i = 0; i < items.size(); ++i) b.append(std::to_string(i), items[i]);
  return *Value::from_bytes(BsonType::kArray, b.build().bytes());
}

inline Value document_value(const Document& d) { return *Value::from_bytes(BsonType::kDocument, d.bytes()); }

// {"bsonType": "object", "properties": {"key001": {"encrypt": {"bsonType": "string",
//   "algorithm": "...-Deterministic", "keyId": [<key>]}}, ... "key<fields>": ...}}
inline Document auto_schema(const Uuid& key, int fields) {
  const Value key_ids = array_of({Value::binary(4, ByteView(key.bytes()))});
  Document::Builder properties;
  for (int i = 1; i <= fields; ++i) {
    char name[16];
    (void)std::snprintf(name, sizeof(name), "key%03d", i);
    properties.append(name, Document::Builder()
                                .append("encrypt", Document::Builder()
                                                       .append("bsonType", Value::string("string"))
                                                       .append("algorithm", Value::string(algorithm_name(
                                                                                Algorithm::kDeterministic)))
                                                       .append("keyId", key_ids)
                                                       .build())
                                .build());
  }
  return Document::Builder()
      .append("bsonType", Value::string("object"))
      .append("properties", properties.build())
      .build();
}

// {"db.coll": <auto_schema>}: the schemaMap option.
inline Document auto_schema_map(const Uuid& key, int fields) {
  return Document::Builder().append(kNamespace, auto_schema(key, fields)).build();
}

// Document `n` of the workload: {"key001": "value 001 <n>", ...}.
inline Document auto_document(int fields, int n) {
  Document::Builder b;
  for (int i = 1; i <= fields; ++i) {
    char name[16];
    char value[32];
    (void)std::snprintf(name, sizeof(name), "key%03d", i);
    (void)std::snprintf(value, sizeof(value), "value %03d %03d", i, n);
    b.append(name, Value::string(value));
  }
  return b.build();
}

// {"insert": "coll", "documents": [documents 1..count]}.
inline Document insert_command(int fields, int count) {
  std::vector<Value> docs;
  for (int n = 1; n <= count; ++n) docs.push_back(document_value(auto_document(fields, n)));
  return Document::Builder().append("insert", Value::string("coll")).append("documents", array_of(docs)).build();
}

// {"cursor": {"firstBatch": <batch>, "id": NumberLong(0), "ns": "db.coll"}, "ok": 1}.
inline Document find_reply(const Value& batch) {
  return Document::Builder()
      .append("cursor", Document::Builder()
                            .append("firstBatch", batch)
                            .append("id", Value::int64(0))
                            .append("ns", Value::string(kNamespace))
                            .build())
      .append("ok", Value::int32(1))
      .build();
}

}  // namespace openfle::bench

#endif  // OPENFLE_CLI_BENCH_WORKLOAD_H_
