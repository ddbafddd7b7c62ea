// libFuzzer target: arbitrary bytes into the KMIP TTLV reader and every KMIP reply parser.
//
// Besides "no crash, no sanitizer report", it checks two properties of whatever parses:
// - every accessor on every node returns a value or an error (never reads out of bounds);
// - re-encoding the parsed tree with TtlvWriter gives a message of the same size that parses
//   to the same re-encoding (writer and reader agree; only padding bytes may differ from the
//   input, since the reader tolerates non-zero padding).
//
// Build and run (from the repository root):
//   clang++-16 -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc \
//     fuzz/kmip_ttlv_fuzz.cc src/kms/kmip/ttlv.cc src/kms/kmip/messages.cc \
//     src/common/encoding.cc src/common/status.cc src/crypto/secret_bytes.cc -lcrypto \
//     -o kmip_ttlv_fuzz
//   ./kmip_ttlv_fuzz -max_total_time=120 fuzz/corpus/kmip_ttlv
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "kms/kmip/messages.h"
#include "kms/kmip/ttlv.h"

namespace {

using openfle::ByteView;
using namespace openfle::kms::kmip;

void check(bool ok) {
  if (!ok) std::abort();
}

// Reads every value of `node` and its descendants; nesting is bounded by kMaxDepth, so the
// recursion is too.
void touch(const TtlvNode& node, std::size_t depth) {
  check(depth <= kMaxDepth);
  (void)tag_name(node.tag());
  (void)node.integer();
  (void)node.long_integer();
  (void)node.enumeration();
  (void)node.boolean();
  (void)node.text();
  (void)node.byte_string();
  (void)node.big_integer();
  (void)node.date_time();
  (void)node.interval();
  (void)node.require_path({Tag::kBatchItem, Tag::kResponsePayload});
  for (const TtlvNode& child : node.children()) touch(child, depth + 1);
}

// Writes `node` back with TtlvWriter. BigInteger has no writer method (openfle never sends
// one) and a TextString that is not UTF-8 has no text, so trees holding either are skipped.
bool encode(const TtlvNode& node, TtlvWriter& w) {
  Tag tag = node.tag();
  switch (node.type()) {
    case ItemType::kStructure:
      w.begin_structure(tag);
      for (const TtlvNode& child : node.children()) {
        if (!encode(child, w)) return false;
      }
      w.end_structure();
      return true;
    case ItemType::kInteger: w.write_integer(tag, *node.integer()); return true;
    case ItemType::kLongInteger: w.write_long_integer(tag, *node.long_integer()); return true;
    case ItemType::kEnumeration: w.write_enumeration(tag, *node.enumeration()); return true;
    case ItemType::kBoolean: w.write_boolean(tag, *node.boolean()); return true;
    case ItemType::kTextString: {
      auto text = node.text();
      if (!text) return false;  // not UTF-8: refused by the reader's accessor, nothing to write
      w.write_text_string(tag, *text);
      return true;
    }
    case ItemType::kByteString: w.write_byte_string(tag, *node.byte_string()); return true;
    case ItemType::kDateTime: w.write_date_time(tag, *node.date_time()); return true;
    case ItemType::kInterval: w.write_interval(tag, *node.interval()); return true;
    case ItemType::kBigInteger: return false;
  }
  return false;
}

std::vector<std::uint8_t> reencode(const TtlvTree& tree) {
  TtlvWriter w;
  if (!encode(tree.root(), w)) return {};
  auto out = std::move(w).finish();
  check(out.has_value());
  return std::vector<std::uint8_t>(out->expose().begin(), out->expose().end());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView in(data, size);
  if (size >= kHeaderSize) {
    auto length = kmip_message_length(in.first(kHeaderSize));
    check(!length || (*length >= kHeaderSize && *length <= kMaxMessageSize));
  }

  (void)parse_register_response(in);
  (void)parse_create_response(in);
  (void)parse_activate_response(in, "1");
  (void)parse_get_response(in);
  (void)parse_encrypt_response(in);
  (void)parse_decrypt_response(in);

  auto tree = TtlvTree::parse(in);
  if (!tree) return 0;
  check(tree->size() >= 1 && tree->root().offset() == 0);
  check(tree->root().length() + kHeaderSize <= size);
  touch(tree->root(), 0);

  std::vector<std::uint8_t> once = reencode(*tree);
  if (once.empty()) return 0;  // held a BigInteger or non-UTF-8 text
  check(once.size() == size);
  auto again = TtlvTree::parse(once);
  check(again.has_value());
  check(reencode(*again) == once);
  return 0;
}
