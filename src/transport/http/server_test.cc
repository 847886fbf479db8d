// HttpServer over real loopback sockets: answers inline and from another thread, keep-alive and
// pipelining, the idle deadline against silent and slow clients, the body limit, and shutdown
// that closes idle connections at once but lets a busy one answer.
#include "transport/http/server.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <future>
#include <string>
#include <thread>

namespace memoryd::http {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

// Echoes the path; "/slow" answers from another thread after 300 ms.
class EchoHandler final : public RequestHandler {
 public:
  void Handle(HttpRequest request, std::function<void(HttpResponse)> done) override {
    ++calls;
    HttpResponse response{200, R"({"path":")" + request.path + R"("})", "application/json", {}};
    if (request.path != "/slow") return done(std::move(response));
    std::thread([done = std::move(done), response = std::move(response)]() mutable {
      std::this_thread::sleep_for(milliseconds(300));
      done(std::move(response));
    }).detach();
  }
  std::atomic<int> calls{0};
};

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(std::chrono::seconds idle = std::chrono::seconds(60)) {
    HttpServerOptions options;
    options.port = 0;
    options.idle_timeout = idle;
    options.max_body_bytes = 1024;
    options.shutdown_grace = std::chrono::seconds(5);
    server_ = std::make_unique<HttpServer>(options, handler_, log_);
    ASSERT_TRUE(server_->Start().ok());
  }

  // A blocking client socket whose reads give up after two seconds.
  tcp::socket Connect() {
    tcp::socket socket(client_ioc_);
    socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server_->port()));
    timeval timeout{2, 0};
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    return socket;
  }

  static void Send(tcp::socket& socket, const std::string& bytes) {
    net::write(socket, net::buffer(bytes));
  }

  // Everything until the server closes the connection (or the read times out).
  static std::string ReadToClose(tcp::socket& socket) {
    std::string out;
    char buf[4096];
    boost::system::error_code ec;
    for (;;) {
      const size_t n = socket.read_some(net::buffer(buf), ec);
      if (ec) return ec == net::error::eof ? out : out + "<" + ec.message() + ">";
      out.append(buf, n);
    }
  }

  static std::string Get(const std::string& path, bool close) {
    return "GET " + path + " HTTP/1.1\r\nHost: x\r\n" + (close ? "Connection: close\r\n" : "") +
           "\r\n";
  }

  EchoHandler handler_;
  AccessLog log_{false};
  net::io_context client_ioc_;
  std::unique_ptr<HttpServer> server_;
};

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

TEST_F(ServerTest, AnswersPipelinedRequestsInOrderOnOneConnection) {
  StartServer();
  tcp::socket socket = Connect();
  Send(socket, Get("/a", false) + Get("/slow", false) + Get("/c", true));
  const std::string answer = ReadToClose(socket);
  EXPECT_EQ(Count(answer, "HTTP/1.1 200 OK\r\n"), 3u) << answer;
  const size_t a = answer.find(R"({"path":"/a"})");
  const size_t slow = answer.find(R"({"path":"/slow"})");
  const size_t c = answer.find(R"({"path":"/c"})");
  EXPECT_TRUE(a < slow && slow < c) << answer;
  EXPECT_EQ(Count(answer, "Connection: close\r\n"), 1u) << answer;
}

TEST_F(ServerTest, RefusesABodyOverTheLimitWith413AndCloses) {
  StartServer();
  tcp::socket socket = Connect();
  Send(socket, "PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n");
  const std::string answer = ReadToClose(socket);
  EXPECT_EQ(answer.rfind("HTTP/1.1 413 Payload Too Large\r\n", 0), 0u) << answer;
  EXPECT_NE(answer.find("larger than 1024 bytes"), std::string::npos) << answer;
  EXPECT_EQ(handler_.calls, 0);
}

TEST_F(ServerTest, AnswersMalformedRequestsWith400) {
  StartServer();
  tcp::socket socket = Connect();
  Send(socket, "NOT HTTP AT ALL\r\n\r\n");
  const std::string answer = ReadToClose(socket);
  EXPECT_EQ(answer.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << answer;
}

TEST_F(ServerTest, ClosesASilentConnectionAfterTheIdleTimeout) {
  StartServer(std::chrono::seconds(1));
  tcp::socket socket = Connect();
  const auto start = steady_clock::now();
  EXPECT_EQ(ReadToClose(socket), "");
  const auto waited = steady_clock::now() - start;
  EXPECT_GE(waited, milliseconds(900));
  EXPECT_LT(waited, milliseconds(1900));
}

TEST_F(ServerTest, ClosesAClientThatNeverFinishesItsHeaders) {
  StartServer(std::chrono::seconds(1));
  tcp::socket socket = Connect();
  Send(socket, "GET /a HTTP/1.1\r\nHost: x\r\n");
  EXPECT_EQ(ReadToClose(socket), "");
  EXPECT_EQ(handler_.calls, 0);
}

TEST_F(ServerTest, TheIdleTimeoutCountsFromTheLastAnswer) {
  StartServer(std::chrono::seconds(1));
  tcp::socket socket = Connect();
  for (int i = 0; i < 4;
       ++i) {  // 4 x 400 ms: longer than the timeout in total, never idle that long
    Send(socket, Get("/a", false));
    char buf[512];
    boost::system::error_code ec;
    socket.read_some(net::buffer(buf), ec);
    ASSERT_FALSE(ec) << "request " << i << ": " << ec.message();
    std::this_thread::sleep_for(milliseconds(400));
  }
  Send(socket, Get("/last", true));
  EXPECT_NE(ReadToClose(socket).find(R"({"path":"/last"})"), std::string::npos);
}

TEST_F(ServerTest, StopClosesIdleConnectionsAndLetsABusyOneAnswer) {
  StartServer();
  tcp::socket idle = Connect();
  tcp::socket busy = Connect();
  Send(busy, Get("/slow", false));
  std::this_thread::sleep_for(milliseconds(100));  // the slow request is in the handler
  const auto start = steady_clock::now();
  server_->Stop();
  EXPECT_LT(steady_clock::now() - start, milliseconds(2000));
  EXPECT_EQ(ReadToClose(idle), "");
  const std::string answer = ReadToClose(busy);
  EXPECT_NE(answer.find(R"({"path":"/slow"})"), std::string::npos) << answer;
  EXPECT_NE(answer.find("Connection: close\r\n"), std::string::npos) << answer;
}

}  // namespace
}  // namespace memoryd::http
