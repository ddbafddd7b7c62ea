#include "net/tls_options.h"

#include <array>
#include <cctype>
#include <vector>

#include "common/strings.h"
#include "bson/raw.h"

namespace openfle::net {
namespace {

// The options a driver could use to weaken verification. The CSFLE spec asks for an error that
// contains "Insecure TLS options prohibited" whatever their value.
constexpr std::array<std::string_view, 4> kInsecureOptions = {
    "tlsInsecure", "tlsAllowInvalidCertificates", "tlsAllowInvalidHostnames",
    "tlsDisableCertificateRevocationCheck"};

enum class Field { kCaFile, kCertificateKeyFile, kPassword, kDisableOcsp, kTls };
struct FieldName {
  std::string_view name;
  Field field;
};
constexpr std::array<FieldName, 5> kFields = {{
    {"tlsCAFile", Field::kCaFile},
    {"tlsCertificateKeyFile", Field::kCertificateKeyFile},
    {"tlsCertificateKeyFilePassword", Field::kPassword},
    {"tlsDisableOCSPEndpointCheck", Field::kDisableOcsp},
    {"tls", Field::kTls},
}};

// Shows a user-supplied field name in a message without letting it run on or carry control bytes.
std::string shown_name(std::string_view key) {
  std::string out;
  for (char c : key.substr(0, 64)) {
    out += std::isprint(static_cast<unsigned char>(c)) != 0 ? c : '?';
  }
  if (key.size() > 64) out += "...";
  return out;
}

std::string_view string_of(const bson::Element& e) {
  // Value bytes of a BSON string: int32 length (with NUL), bytes, NUL; validated by Document.
  return {reinterpret_cast<const char*>(e.value.data()) + 4, e.value.size() - 5};
}

}  // namespace

TlsOptions TlsOptions::clone() const {
  TlsOptions copy;
  copy.ca_file = ca_file;
  copy.certificate_key_file = certificate_key_file;
  if (certificate_key_password) copy.certificate_key_password = certificate_key_password->clone();
  return copy;
}

Result<TlsOptions> parse_tls_options(const Document& options, std::string_view provider) {
  const std::string where = "tlsOptions for KMS provider '" + std::string(provider) + "'";
  TlsOptions out;
  std::vector<std::string> unknown;
  std::array<bool, kFields.size()> seen{};

  bson::ElementReader reader(options.bytes());
  while (auto e = reader.next()) {
    for (std::string_view insecure : kInsecureOptions) {
      if (ascii_iequals(e->key, insecure)) {
        return fail(ErrorCode::kInvalidArgument,
                    where + ": " + std::string(insecure) +
                        " is set. Insecure TLS options prohibited: KMS connections are always "
                        "verified");
      }
    }
    const FieldName* match = nullptr;
    std::size_t index = 0;
    for (; index < kFields.size(); ++index) {
      if (ascii_iequals(e->key, kFields[index].name)) {
        match = &kFields[index];
        break;
      }
    }
    if (match == nullptr) {
      unknown.push_back("'" + shown_name(e->key) + "'");
      continue;
    }
    const std::string field = where + ": " + std::string(match->name);
    if (seen[index]) return fail(ErrorCode::kInvalidArgument, field + " is given twice");
    seen[index] = true;

    const bool is_bool = e->type == BsonType::kBool;
    const bool is_string = e->type == BsonType::kString;
    switch (match->field) {
      case Field::kTls:
        if (!is_bool) return fail(ErrorCode::kInvalidArgument, field + " must be a boolean");
        if (e->value[0] == 0) {
          return fail(ErrorCode::kInvalidArgument,
                      where + ": tls is false, but TLS is required for KMS connections");
        }
        break;
      case Field::kDisableOcsp:
        // Accepted for compatibility (the spec requires it); openfle does no OCSP checking, so
        // there is nothing to disable.
        if (!is_bool) return fail(ErrorCode::kInvalidArgument, field + " must be a boolean");
        break;
      case Field::kCaFile:
      case Field::kCertificateKeyFile: {
        if (!is_string) return fail(ErrorCode::kInvalidArgument, field + " must be a string path");
        std::string_view path = string_of(*e);
        if (path.empty()) return fail(ErrorCode::kInvalidArgument, field + " is an empty path");
        if (path.find('\0') != std::string_view::npos) {
          return fail(ErrorCode::kInvalidArgument, field + " contains a NUL byte");
        }
        (match->field == Field::kCaFile ? out.ca_file : out.certificate_key_file) =
            std::string(path);
        break;
      }
      case Field::kPassword:
        if (!is_string) return fail(ErrorCode::kInvalidArgument, field + " must be a string");
        out.certificate_key_password = SecretBytes::copy_of(string_of(*e));
        break;
    }
  }
  if (reader.malformed()) {
    return fail(ErrorCode::kMalformedData, where + " is not a well-formed BSON document");
  }
  if (!unknown.empty()) {
    std::string list;
    for (const auto& name : unknown) list += (list.empty() ? "" : ", ") + name;
    return fail(ErrorCode::kInvalidArgument,
                where + " has unknown field" + (unknown.size() > 1 ? "s " : " ") + list +
                    "; expected tlsCAFile, tlsCertificateKeyFile, tlsCertificateKeyFilePassword, "
                    "tlsDisableOCSPEndpointCheck");
  }
  if (out.certificate_key_password && !out.certificate_key_file) {
    return fail(ErrorCode::kInvalidArgument,
                where + ": tlsCertificateKeyFilePassword is given without tlsCertificateKeyFile");
  }
  return out;
}

}  // namespace openfle::net
