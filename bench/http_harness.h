// The loopback HTTP harness of the HTTP benchmarks (bench_semantic_http, bench_bulk_load,
// bench_pg_nodes): memoryd child processes, keep-alive connections, flags, and the figures read
// from /proc.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

extern char** environ;

namespace bench_http {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr auto kPollInterval = std::chrono::milliseconds(2);
constexpr auto kStartTimeout = std::chrono::seconds(120);

struct Args {
  std::string mode;
  std::map<std::string, std::string> flags;
  std::string Get(const std::string& key, const std::string& fallback) const {
    auto it = flags.find(key);
    return it == flags.end() ? fallback : it->second;
  }
  long Int(const std::string& key, long fallback) const {
    auto it = flags.find(key);
    return it == flags.end() ? fallback : std::stol(it->second);
  }
};

inline bool ParseArgs(int argc, char** argv, Args* args) {
  if (argc < 2) return false;
  args->mode = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string_view a = argv[i];
    const size_t eq = a.find('=');
    if (!a.starts_with("--") || eq == std::string_view::npos) return false;
    args->flags[std::string(a.substr(2, eq - 2))] = std::string(a.substr(eq + 1));
  }
  return true;
}

inline std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

inline double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5)];
}

// One keep-alive HTTP/1.1 connection to 127.0.0.1.
class Connection {
 public:
  Connection(int port, std::string key) : port_(port), auth_("Bearer " + std::move(key)) {}

  bool Connect() {
    beast::error_code ec;
    socket_.close(ec);
    socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port_)),
                    ec);
    if (!ec) socket_.set_option(tcp::no_delay(true), ec);
    return !ec;
  }

  // The status code, or 0 when the connection failed.
  int Post(const std::string& target, std::string body, std::string* answer = nullptr) {
    return Send(http::verb::post, target, std::move(body), answer);
  }
  int Put(const std::string& target, std::string body, std::string* answer = nullptr) {
    return Send(http::verb::put, target, std::move(body), answer);
  }
  int Get(const std::string& target, std::string* answer = nullptr) {
    return Send(http::verb::get, target, "", answer);
  }

 private:
  int Send(http::verb verb, const std::string& target, std::string body, std::string* answer) {
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::authorization, auth_);
    if (verb != http::verb::get) req.set(http::field::content_type, "application/json");
    req.body() = std::move(body);
    req.prepare_payload();
    beast::error_code ec;
    http::write(socket_, req, ec);
    if (ec) return 0;
    http::response<http::string_body> res;
    http::read(socket_, buffer_, res, ec);
    if (ec) return 0;
    if (answer != nullptr) *answer = std::move(res.body());
    return res.result_int();
  }

  int port_;
  std::string auth_;
  net::io_context ioc_;
  tcp::socket socket_{ioc_};
  beast::flat_buffer buffer_;
};

inline int FreePort() {
  net::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

inline long RssKb(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/status";
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return -1;
  char line[256];
  long kb = -1;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::sscanf(line, "VmRSS: %ld kB", &kb) == 1) break;
  }
  std::fclose(f);
  return kb;
}

// CPU seconds (user + system) the process has used so far, from /proc/<pid>/stat.
inline double CpuSeconds(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return -1;
  char buf[1024];
  const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  const char* p = std::strrchr(buf, ')');  // the command name may hold spaces
  unsigned long utime = 0, stime = 0;
  if (p == nullptr || std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
                                  &utime, &stime) != 2) {
    return -1;
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// A memoryd child process, stopped with SIGTERM (graceful) when destroyed.
class Server {
 public:
  Server(const Args& args, const std::string& log)
      : Server(args.Get("memoryd", "build/memoryd"), args.Get("data-dir", ""), {}, log,
               static_cast<int>(args.Int("port", 0))) {}
  // `extra` goes after the harness's own flags (e.g. {"--database", url}); port 0 picks one.
  Server(const std::string& bin, const std::string& dir, const std::vector<std::string>& extra,
         const std::string& log, int port = 0) {
    port_ = port != 0 ? port : FreePort();
    key_ = "bench-" + std::to_string(::getpid());
    const std::string listen = "127.0.0.1:" + std::to_string(port_);
    std::vector<std::string> argv_s = {bin,    "serve",     "--data-dir", dir,      "--listen",
                                       listen, "--api-key", key_,         "--quiet"};
    argv_s.insert(argv_s.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& s : argv_s) argv.push_back(s.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    started_ = Clock::now();
    if (posix_spawn(&pid_, bin.c_str(), &actions, nullptr, argv.data(), environ) != 0) {
      std::perror("posix_spawn");
      std::exit(1);
    }
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Server() {
    if (exited_) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    const auto start = Clock::now();
    ::waitpid(pid_, &status, 0);
    std::printf("SHUTDOWN_MS=%.0f\n",
                std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  // Polls until `probe` answers 200 on a fresh connection; milliseconds since spawn.
  double WaitFor(const std::string& target, const std::string& probe) {
    Connection c(port_, key_);
    while (Clock::now() - started_ < kStartTimeout) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        std::fprintf(stderr, "memoryd exited early (status %d)\n", status);
        std::exit(1);
      }
      if (c.Connect() && c.Post(target, probe) == 200) {
        return std::chrono::duration<double, std::milli>(Clock::now() - started_).count();
      }
      std::this_thread::sleep_for(kPollInterval);
    }
    std::fprintf(stderr, "memoryd did not answer within %lld s\n",
                 static_cast<long long>(kStartTimeout.count()));
    std::exit(1);
  }
  // True once the process has ended (it is reaped here).
  bool Exited() {
    int status = 0;
    if (!exited_ && ::waitpid(pid_, &status, WNOHANG) == pid_) exited_ = true;
    return exited_;
  }
  Clock::time_point started() const { return started_; }
  int port() const { return port_; }
  const std::string& key() const { return key_; }
  pid_t pid() const { return pid_; }

 private:
  int port_ = 0;
  std::string key_;
  pid_t pid_ = 0;
  bool exited_ = false;
  Clock::time_point started_;
};

// A gauge of /metrics, or -1 when it is absent.
inline double Gauge(Connection& c, const std::string& name) {
  std::string text;
  if (c.Get("/metrics", &text) != 200) return -1;
  const std::string prefix = "\n" + name + " ";
  const size_t at = text.find(prefix);
  return at == std::string::npos ? -1 : std::atof(text.c_str() + at + prefix.size());
}

// Polls the metrics until the gauge reads 0; seconds since `start`, or -1 at the timeout.
inline double WaitForZero(Connection& c, const std::string& gauge, Clock::time_point start,
                          Clock::time_point deadline) {
  while (Clock::now() < deadline) {
    if (Gauge(c, gauge) == 0) return std::chrono::duration<double>(Clock::now() - start).count();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

}  // namespace bench_http
