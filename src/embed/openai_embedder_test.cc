#include "embed/openai_embedder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "embed/openai_embedder_fake_server.h"

namespace memoryd {
namespace {

using testing::FakeEmbeddingServer;
using Reply = FakeEmbeddingServer::Reply;

constexpr int kDim = 8;

Reply MakeReply(int status, std::string body, std::string retry_after = "",
                std::chrono::milliseconds delay = std::chrono::milliseconds(0)) {
  Reply reply;
  reply.status = status;
  reply.body = std::move(body);
  reply.retry_after = std::move(retry_after);
  reply.delay = delay;
  return reply;
}

OpenAiEmbedderOptions FastOptions(const FakeEmbeddingServer& server) {
  OpenAiEmbedderOptions o;
  o.url = server.BaseUrl() + "/v1";
  o.model = "fake-model";
  o.api_key = "sk-test";
  o.batch_size = 4;
  o.timeout = std::chrono::milliseconds(5000);
  o.max_retries = 3;
  o.initial_backoff = std::chrono::milliseconds(1);
  o.max_backoff = std::chrono::milliseconds(5);
  return o;
}

std::unique_ptr<OpenAiEmbedder> NewEmbedder(const OpenAiEmbedderOptions& options) {
  auto embedder = OpenAiEmbedder::Create(options);
  EXPECT_TRUE(embedder.ok()) << embedder.status().ToString();
  return std::move(embedder).value();
}

std::vector<std::string> Texts(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("text number " + std::to_string(i));
  return out;
}

// Checks that `got` holds the normalised fake embedding of each text, in order.
void ExpectFakeVectors(const std::vector<std::string>& texts, const std::vector<Vector>& got) {
  ASSERT_EQ(got.size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    Vector want = FakeEmbeddingServer::FakeEmbedding(texts[i], kDim);
    double norm = 0;
    for (float x : want) norm += x * x;
    ASSERT_EQ(got[i].size(), want.size());
    for (size_t j = 0; j < want.size(); ++j) {
      EXPECT_NEAR(got[i][j], want[j] / std::sqrt(norm), 1e-5) << "text " << i;
    }
  }
}

class OpenAiEmbedderTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.ok()); }
  FakeEmbeddingServer server_{kDim};
};

TEST(ResolveEmbeddingsUrlTest, AcceptsBaseAndFullUrls) {
  EXPECT_EQ(ResolveEmbeddingsUrl("http://h:1").value(), "http://h:1/v1/embeddings");
  EXPECT_EQ(ResolveEmbeddingsUrl("http://h:1/").value(), "http://h:1/v1/embeddings");
  EXPECT_EQ(ResolveEmbeddingsUrl("https://api.openai.com/v1").value(),
            "https://api.openai.com/v1/embeddings");
  EXPECT_EQ(ResolveEmbeddingsUrl(" http://h/v1/ ").value(), "http://h/v1/embeddings");
  EXPECT_EQ(ResolveEmbeddingsUrl("http://h/v1/embeddings").value(), "http://h/v1/embeddings");
  EXPECT_EQ(ResolveEmbeddingsUrl("http://h/x/embeddings?api-version=1").value(),
            "http://h/x/embeddings?api-version=1");
  EXPECT_EQ(ResolveEmbeddingsUrl("http://h/openai?k=v").value(), "http://h/openai/embeddings?k=v");
  EXPECT_FALSE(ResolveEmbeddingsUrl("ftp://h/v1").ok());
  EXPECT_FALSE(ResolveEmbeddingsUrl("localhost:11434").ok());
  EXPECT_FALSE(ResolveEmbeddingsUrl("http:///v1").ok());
}

TEST_F(OpenAiEmbedderTest, SendsBatchesAndReturnsVectorsInOrder) {
  auto embedder = NewEmbedder(FastOptions(server_));
  const auto texts = Texts(10);
  auto vectors = embedder->Embed(texts);
  ASSERT_TRUE(vectors.ok()) << vectors.status().ToString();
  ExpectFakeVectors(texts, *vectors);
  const auto requests = server_.Requests();
  ASSERT_EQ(requests.size(), 3u);  // ceil(10 / 4)
  EXPECT_EQ(requests[0].inputs.size(), 4u);
  EXPECT_EQ(requests[1].inputs.size(), 4u);
  EXPECT_EQ(requests[2].inputs, (std::vector<std::string>{texts[8], texts[9]}));
  EXPECT_EQ(requests[0].target, "/v1/embeddings");
  EXPECT_EQ(requests[0].authorization, "Bearer sk-test");
  EXPECT_EQ(requests[0].model, "fake-model");
  EXPECT_EQ(requests[0].dimensions, 0);
  EXPECT_EQ(embedder->Dimension(), kDim);  // learned
  EXPECT_EQ(embedder->Name(), "openai:fake-model");
}

TEST_F(OpenAiEmbedderTest, EmptyInputSendsNothing) {
  auto embedder = NewEmbedder(FastOptions(server_));
  auto vectors = embedder->Embed({});
  ASSERT_TRUE(vectors.ok());
  EXPECT_TRUE(vectors->empty());
  EXPECT_TRUE(server_.Requests().empty());
}

TEST_F(OpenAiEmbedderTest, HonoursIndexOrdering) {
  server_.SetReverseOrder(true);
  auto embedder = NewEmbedder(FastOptions(server_));
  const auto texts = Texts(7);
  auto vectors = embedder->Embed(texts);
  ASSERT_TRUE(vectors.ok()) << vectors.status().ToString();
  ExpectFakeVectors(texts, *vectors);
}

TEST_F(OpenAiEmbedderTest, RetriesAfter500And429ThenSucceeds) {
  server_.Enqueue(MakeReply(500, R"({"error":{"message":"overloaded"}})"));
  server_.Enqueue(MakeReply(429, "slow down", "0"));
  auto embedder = NewEmbedder(FastOptions(server_));
  const auto texts = Texts(3);
  auto vectors = embedder->Embed(texts);
  ASSERT_TRUE(vectors.ok()) << vectors.status().ToString();
  ExpectFakeVectors(texts, *vectors);
  EXPECT_EQ(server_.Requests().size(), 3u);
}

TEST_F(OpenAiEmbedderTest, GivesUpAfterMaxRetries) {
  for (int i = 0; i < 3; ++i) server_.Enqueue(MakeReply(503, R"({"error":"warming up"})"));
  auto options = FastOptions(server_);
  options.max_retries = 2;
  auto result = NewEmbedder(options)->Embed(Texts(1));
  EXPECT_EQ(result.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(result.status().message().find("answered 503: warming up"), std::string::npos)
      << result.status().message();
  EXPECT_EQ(server_.Requests().size(), 3u);
}

TEST_F(OpenAiEmbedderTest, DoesNotRetry400AndCallsItARefusedInput) {
  server_.Enqueue(MakeReply(400, R"({"error":{"message":"input too long","type":"invalid"}})"));
  auto result = NewEmbedder(FastOptions(server_))->Embed(Texts(2));
  EXPECT_EQ(result.status().code(), StatusCode::kTooLarge);
  EXPECT_NE(result.status().message().find("answered 400: input too long"), std::string::npos)
      << result.status().message();
  EXPECT_EQ(server_.Requests().size(), 1u);
}

TEST_F(OpenAiEmbedderTest, Unauthorized401NamesTheEndpoint) {
  server_.Enqueue(MakeReply(401, R"({"error":{"message":"Incorrect API key provided"}})"));
  auto result = NewEmbedder(FastOptions(server_))->Embed(Texts(1));
  EXPECT_EQ(result.status().code(), StatusCode::kInternal);
  EXPECT_EQ(result.status().message(), "embedding endpoint " + server_.BaseUrl() +
                                           "/v1/embeddings answered 401: Incorrect API key "
                                           "provided");
  EXPECT_EQ(server_.Requests().size(), 1u);
}

TEST_F(OpenAiEmbedderTest, ConfiguredDimensionIsEnforced) {
  server_.SetDimension(16);
  auto options = FastOptions(server_);
  options.dimension = kDim;
  auto embedder = NewEmbedder(options);
  EXPECT_EQ(embedder->Dimension(), kDim);
  auto result = embedder->Embed(Texts(1));
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("dimension 16, expected 8"), std::string::npos);
}

TEST_F(OpenAiEmbedderTest, LearnedDimensionIsEnforcedAfterwards) {
  auto embedder = NewEmbedder(FastOptions(server_));
  EXPECT_EQ(embedder->Dimension(), 0);
  ASSERT_TRUE(embedder->Embed(Texts(1)).ok());
  EXPECT_EQ(embedder->Dimension(), kDim);
  server_.SetDimension(12);
  EXPECT_EQ(embedder->Embed(Texts(1)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(embedder->Dimension(), kDim);
}

TEST_F(OpenAiEmbedderTest, SendsDimensionsWhenAsked) {
  auto options = FastOptions(server_);
  options.dimension = kDim;
  options.send_dimensions = true;
  auto embedder = NewEmbedder(options);
  ASSERT_TRUE(embedder->Embed(Texts(1)).ok());
  EXPECT_EQ(server_.Requests().at(0).dimensions, kDim);
  EXPECT_EQ(embedder->Name(), "openai:fake-model:8");
}

TEST_F(OpenAiEmbedderTest, TimeoutIsDeadlineExceeded) {
  server_.Enqueue(
      MakeReply(200, "{}", "", std::chrono::milliseconds(20000)));  // cut short at teardown
  auto options = FastOptions(server_);
  options.timeout = std::chrono::milliseconds(200);
  options.max_retries = 0;
  auto result = NewEmbedder(options)->Embed(Texts(1));
  EXPECT_EQ(result.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_NE(result.status().message().find("did not answer within 200 ms"), std::string::npos)
      << result.status().message();
}

TEST_F(OpenAiEmbedderTest, BudgetDeadlineCutsTheRequestShortAndSkipsRetries) {
  server_.Enqueue(MakeReply(200, "{}", "", std::chrono::milliseconds(20000)));
  auto options = FastOptions(server_);
  options.timeout = std::chrono::milliseconds(30000);
  options.max_retries = 4;
  auto embedder = NewEmbedder(options);
  EmbedBudget budget;
  budget.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  const auto start = std::chrono::steady_clock::now();
  auto result = embedder->EmbedWithin(Texts(1), budget);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(result.status().code(), StatusCode::kDeadlineExceeded);
  // The request's own timeout (30 s) and its 4 retries were cut to the budget: one request.
  EXPECT_EQ(server_.Requests().size(), 1u);
  EXPECT_LT(took, std::chrono::seconds(15)) << "the 20 s answer was waited for";
}

TEST_F(OpenAiEmbedderTest, BudgetRetriesOverrideTheEmbeddersOwn) {
  for (int i = 0; i < 3; ++i) server_.Enqueue(MakeReply(503, R"({"error":"busy"})"));
  auto options = FastOptions(server_);
  options.max_retries = 4;
  auto embedder = NewEmbedder(options);
  EmbedBudget budget;
  budget.max_retries = 0;
  auto result = embedder->EmbedWithin(Texts(1), budget);
  EXPECT_EQ(result.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(server_.Requests().size(), 1u);
}

TEST_F(OpenAiEmbedderTest, CancelEndsACallInFlightAndEveryLaterOne) {
  server_.Enqueue(MakeReply(200, "{}", "", std::chrono::milliseconds(20000)));
  auto options = FastOptions(server_);
  options.timeout = std::chrono::milliseconds(30000);
  auto embedder = NewEmbedder(options);
  Result<std::vector<Vector>> result = Status::Internal("not run");
  const auto start = std::chrono::steady_clock::now();
  std::thread call([&] { result = embedder->Embed(Texts(1)); });
  while (server_.Requests().empty() &&
         std::chrono::steady_clock::now() - start < std::chrono::seconds(10)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  embedder->Cancel();
  call.join();
  EXPECT_EQ(result.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(result.status().message().find("cancelled"), std::string::npos)
      << result.status().message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(15));
  EXPECT_EQ(embedder->Embed(Texts(1)).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(server_.Requests().size(), 1u) << "a cancelled embedder sends nothing more";
}

TEST_F(OpenAiEmbedderTest, MalformedAnswersAreInternalErrors) {
  const std::vector<std::string> bodies = {
      "{not json",
      R"({"object":"list"})",
      R"({"data":[{"index":0,"embedding":[1,2,3,4,5,6,7,8]}]})",  // 1 vector for 2 texts
      R"({"data":[{"index":0,"embedding":[1,2,3,4,5,6,7,8]},{"index":0,"embedding":[1,2,3,4,5,6,7,8]}]})",
      R"({"data":[{"index":0,"embedding":[1,2,3,4,5,6,7,8]},{"index":5,"embedding":[1,2,3,4,5,6,7,8]}]})",
      R"({"data":[{"index":0,"embedding":"AAAA"},{"index":1,"embedding":[1,2,3,4,5,6,7,8]}]})",
      R"({"data":[{"index":0,"embedding":[1,2,3,"x",5,6,7,8]},{"index":1,"embedding":[1,2,3,4,5,6,7,8]}]})",
      R"({"data":[{"index":0,"embedding":[0,0,0,0,0,0,0,0]},{"index":1,"embedding":[1,2,3,4,5,6,7,8]}]})",
  };
  auto options = FastOptions(server_);
  options.dimension = kDim;
  auto embedder = NewEmbedder(options);
  for (const std::string& body : bodies) {
    server_.Enqueue(MakeReply(200, body));
    auto result = embedder->Embed(Texts(2));
    EXPECT_EQ(result.status().code(), StatusCode::kInternal) << body;
  }
  EXPECT_EQ(server_.Requests().size(), bodies.size());  // never retried
}

TEST_F(OpenAiEmbedderTest, ConnectionRefusedIsUnavailable) {
  std::string url;
  {
    FakeEmbeddingServer gone(kDim);
    url = gone.BaseUrl();
  }  // its port is closed now
  OpenAiEmbedderOptions options = FastOptions(server_);
  options.url = url;
  options.max_retries = 1;
  auto result = NewEmbedder(options)->Embed(Texts(1));
  EXPECT_EQ(result.status().code(), StatusCode::kUnavailable);
}

TEST_F(OpenAiEmbedderTest, ConcurrentCallsShareOneEmbedder) {
  auto embedder = NewEmbedder(FastOptions(server_));
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        const std::vector<std::string> texts = {"t" + std::to_string(t) + "-" + std::to_string(i)};
        auto result = embedder->Embed(texts);
        if (!result.ok() || result->size() != 1) failures.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(server_.Requests().size(), 20u);
}

TEST(OpenAiEmbedderCreateTest, RejectsBadOptions) {
  OpenAiEmbedderOptions good;
  good.url = "http://127.0.0.1:1";
  EXPECT_TRUE(OpenAiEmbedder::Create(good).ok());
  auto bad = good;
  bad.url = "127.0.0.1:1";
  EXPECT_EQ(OpenAiEmbedder::Create(bad).status().code(), StatusCode::kInvalidArgument);
  bad = good;
  bad.batch_size = 0;
  EXPECT_EQ(OpenAiEmbedder::Create(bad).status().code(), StatusCode::kInvalidArgument);
  bad = good;
  bad.send_dimensions = true;
  EXPECT_EQ(OpenAiEmbedder::Create(bad).status().code(), StatusCode::kInvalidArgument);
  bad = good;
  bad.max_retries = -1;
  EXPECT_EQ(OpenAiEmbedder::Create(bad).status().code(), StatusCode::kInvalidArgument);
  bad = good;
  bad.timeout = std::chrono::milliseconds(0);
  EXPECT_EQ(OpenAiEmbedder::Create(bad).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace memoryd
