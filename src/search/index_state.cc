#include "search/index_state.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace memoryd {
namespace {

constexpr const char* kMagic = "memoryd-index-state 3";
// Format 2 had one version for both halves.
constexpr const char* kMagicOneVersion = "memoryd-index-state 2";

Status WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::Internal(std::string("writing index state: ") + strerror(errno));
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

// Reads "<name> <count> <id>...".
Status ReadIdList(std::istream& in, const std::string& name, const std::string& path,
                  std::vector<int64_t>* ids) {
  std::string label;
  size_t count = 0;
  if (!(in >> label >> count) || label != name) {
    return Status::Internal(path + ": malformed " + name + " list");
  }
  for (size_t i = 0; i < count; ++i) {
    int64_t id = 0;
    if (!(in >> id)) return Status::Internal(path + ": truncated " + name + " list");
    ids->push_back(id);
  }
  return Status::Ok();
}

void WriteIdList(std::ostream& out, const std::string& name, const std::vector<int64_t>& ids) {
  out << '\n' << name << ' ' << ids.size();
  for (int64_t id : ids) out << ' ' << id;
}

}  // namespace

Result<IndexState> ReadIndexState(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return Status::NotFound("no index state at " + path);
    return Status::Internal("cannot read " + path);
  }
  std::string magic;
  std::getline(in, magic);
  if (magic != kMagic && magic != kMagicOneVersion) {
    return Status::Internal(path + ": not an index state file");
  }
  IndexState state;
  std::string label;
  if (!(in >> label >> state.version) || label != "version") {
    return Status::Internal(path + ": malformed version");
  }
  state.graph_version = state.version;
  if (magic == kMagic && (!(in >> label >> state.graph_version) || label != "graph_version" ||
                          state.graph_version < 0)) {
    return Status::Internal(path + ": malformed graph version");
  }
  in >> std::ws;
  if (!std::getline(in, label) || label.rfind("embedder ", 0) != 0) {
    return Status::Internal(path + ": malformed embedder");
  }
  state.embedder = label.substr(9);
  MEMORYD_RETURN_IF_ERROR(ReadIdList(in, "spaces", path, &state.spaces));
  MEMORYD_RETURN_IF_ERROR(ReadIdList(in, "texts", path, &state.texts));
  if (!(in >> label) || label != "end") return Status::Internal(path + ": truncated");
  return state;
}

Status WriteIndexState(const std::string& path, const IndexState& state) {
  std::ostringstream out;
  out << kMagic << "\nversion " << state.version << "\ngraph_version " << state.graph_version
      << "\nembedder " << state.embedder;
  WriteIdList(out, "spaces", state.spaces);
  WriteIdList(out, "texts", state.texts);
  out << "\nend\n";
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Internal("cannot create " + tmp + ": " + strerror(errno));
  Status s = WriteAll(fd, out.str());
  if (s.ok() && ::fsync(fd) != 0) s = Status::Internal("fsync " + tmp + ": " + strerror(errno));
  ::close(fd);
  if (s.ok() && std::rename(tmp.c_str(), path.c_str()) != 0) {
    s = Status::Internal("rename " + tmp + ": " + strerror(errno));
  }
  if (!s.ok()) std::remove(tmp.c_str());
  return s;
}

Result<IndexDirLock> IndexDirLock::Acquire(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Internal("cannot open " + path + ": " + strerror(errno));
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    const int error = errno;
    ::close(fd);
    return Status::Internal("cannot lock " + path + ": " + strerror(error));
  }
  return IndexDirLock(fd);
}

IndexDirLock::~IndexDirLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

}  // namespace memoryd
