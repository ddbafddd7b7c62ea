#include "cli/io.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "common/strings.h"
#include "bson/access.h"
#include "common/try.h"

namespace openfle::cli {
namespace {

constexpr std::size_t kSpillThreshold = 8u << 20;

std::string errno_text() { return errno_message(errno); }

Status write_fd(int fd, std::string_view data, const std::string& where) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(ErrorCode::kIoError, "cannot write " + where + ": " + errno_text());
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

}  // namespace

SecretDocument::~SecretDocument() { DocumentAccess::wipe(doc_); }

Result<SecretDocument> read_secret_json_file(const std::string& path, std::string_view what) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return fail(ErrorCode::kNotFound, "cannot open " + std::string(what) + " '" + path + "': " + errno_text());
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size > (16 << 20)) {
    ::close(fd);
    return fail(ErrorCode::kInvalidArgument, std::string(what) + " '" + path + "' is not a small regular file");
  }
  SecretBytes content(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::read(fd, content.expose_mutable().data() + done, content.size() - done);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (done != content.size()) {
    return fail(ErrorCode::kIoError, "cannot read " + std::string(what) + " '" + path + "'");
  }
  auto doc = Document::from_json(content.expose_text());
  if (!doc) {
    // libbson's message quotes the offending text; a secrets file must not be echoed.
    return fail(ErrorCode::kInvalidArgument,
                std::string(what) + " '" + path + "' is not a valid Extended JSON document");
  }
  return SecretDocument(std::move(*doc));
}

Result<std::string> read_input(const std::string& path) {
  if (path.empty() || path == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kNotFound, "cannot open '" + path + "': " + errno_text());
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

Status for_each_line(std::istream& in, const std::function<Status(std::size_t, std::string_view)>& each) {
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string_view text = line;
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (text.find_first_not_of(" \t") == std::string_view::npos) continue;
    if (auto ok = each(number, text); !ok) return fail(ok.error().with_context("line " + std::to_string(number)));
  }
  if (in.bad()) return fail(ErrorCode::kIoError, "cannot read input after line " + std::to_string(number));
  return {};
}

AllOrNothingOutput::AllOrNothingOutput(std::string path) : path_(std::move(path)) {
  if (path_ == "-") path_.clear();
}

AllOrNothingOutput::~AllOrNothingOutput() {
  OPENSSL_cleanse(buffer_.data(), buffer_.size());
  if (spool_ != nullptr) std::fclose(spool_);
}

Status AllOrNothingOutput::spill() {
  if (spool_ == nullptr) {
    spool_ = std::tmpfile();  // unlinked: it disappears with the process, whatever happens
    if (spool_ == nullptr) return fail(ErrorCode::kIoError, "cannot create a temporary file: " + errno_text());
  }
  if (std::fwrite(buffer_.data(), 1, buffer_.size(), spool_) != buffer_.size()) {
    return fail(ErrorCode::kIoError, "cannot write a temporary file: " + errno_text());
  }
  OPENSSL_cleanse(buffer_.data(), buffer_.size());
  buffer_.clear();
  return {};
}

Status AllOrNothingOutput::write_line(std::string_view line) {
  buffer_.append(line);
  buffer_.push_back('\n');
  if (buffer_.size() > kSpillThreshold) return spill();
  return {};
}

Status AllOrNothingOutput::commit() {
  std::string content;
  if (spool_ != nullptr) {
    OPENFLE_RETURN_IF_ERROR(spill());
    std::rewind(spool_);
    if (path_.empty()) {
      char chunk[1 << 16];
      std::size_t n = 0;
      while ((n = std::fread(chunk, 1, sizeof(chunk), spool_)) > 0) {
        OPENFLE_RETURN_IF_ERROR(write_fd(STDOUT_FILENO, std::string_view(chunk, n), "standard output"));
      }
      return {};
    }
    char chunk[1 << 16];
    std::size_t n = 0;
    while ((n = std::fread(chunk, 1, sizeof(chunk), spool_)) > 0) content.append(chunk, n);
  } else {
    content.swap(buffer_);
  }
  Status status = path_.empty() ? write_fd(STDOUT_FILENO, content, "standard output")
                                : write_private_file(path_, content);
  OPENSSL_cleanse(content.data(), content.size());
  return status;
}

Status write_private_file(const std::string& path, std::string_view content) {
  std::filesystem::path target(path);
  std::filesystem::path dir = target.has_parent_path() ? target.parent_path() : ".";
  std::string temp = (dir / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
  int fd = ::mkstemp(temp.data());  // created with mode 0600
  if (fd < 0) return fail(ErrorCode::kIoError, "cannot create a file in '" + dir.string() + "': " + errno_text());
  Status status = write_fd(fd, content, "'" + temp + "'");
  if (status && ::fsync(fd) != 0) status = fail(ErrorCode::kIoError, "cannot sync '" + temp + "': " + errno_text());
  ::close(fd);
  if (status && ::rename(temp.c_str(), path.c_str()) != 0) {
    status = fail(ErrorCode::kIoError, "cannot move the new file into place at '" + path + "': " + errno_text());
  }
  if (!status) {
    ::unlink(temp.c_str());
    return status;
  }
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return {};
}

}  // namespace openfle::cli

namespace openfle::cli {

Status create_private_file(const std::string& path, std::string_view content) {
  std::filesystem::path target(path);
  if (target.has_parent_path()) {
    std::error_code ec;
    if (!std::filesystem::exists(target.parent_path(), ec)) {
      std::filesystem::create_directories(target.parent_path(), ec);
      if (ec) return fail(ErrorCode::kIoError, "cannot create '" + target.parent_path().string() + "': " + ec.message());
      ::chmod(target.parent_path().c_str(), 0700);
    }
  }
  int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return fail(ErrorCode::kAlreadyExists, "'" + path + "' already exists; it was left untouched");
    return fail(ErrorCode::kIoError, "cannot create '" + path + "': " + errno_text());
  }
  Status status = write_fd(fd, content, "'" + path + "'");
  if (status && ::fsync(fd) != 0) status = fail(ErrorCode::kIoError, "cannot sync '" + path + "': " + errno_text());
  ::close(fd);
  if (!status) ::unlink(path.c_str());
  return status;
}

}  // namespace openfle::cli
