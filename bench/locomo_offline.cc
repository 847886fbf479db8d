// bench_locomo_offline: offline retrieval-quality evaluation on LoCoMo-format data.
//
//   bench_locomo_offline [path.json] [--variant=fused|bm25|bm25-plain|embed] [--all]
//       [--no-context] [--no-feedback] [--no-concepts] [--k1=F] [--b=F] [--keyword-weight=F]
//       [--cosine-floor=F] [--dim=N] [--candidates=N] [--latency[=N]]
//
// Each conversation becomes one space: one Bm25Index plus builtin-embedder vectors searched by
// exact (brute-force) cosine, one document per turn ("<speaker>: <text> [image: <caption>]"),
// labelled in turn order. Every question with evidence is run against its own conversation, and
// recall@k and hit@k (k = 5, 10, 25) are printed overall and per category, as
// ../shared/eval/README.md specifies. Malformed evidence ids are repaired where the intent is
// clear ("D8:6; D9:17", "D30:05", "D:11:26") and dropped when they name no turn.
//
// Variants: "fused" (the default service configuration: BM25 + builtin embedder, FuseScores with
// default options), "bm25" (keyword index alone, default options), "bm25-plain" (the README's
// reference: k1 1.2, b 0.75, no concepts, feedback or context), "embed" (builtin embedder alone).
// --all prints one summary line per variant. --latency times Bm25Index searches over N documents
// (default 100000) made by cycling through every turn of the file, with the questions as queries,
// in CPU time (the minimum of 5 rounds per query), so that a busy machine does not distort it.
//
// The data is CC BY-NC 4.0 (Maharana et al., ACL 2024); it is read at run time, never copied.
#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/result.h"
#include "embed/builtin_embedder.h"
#include "index/keyword_index.h"
#include "search/fusion.h"
#include "text/analyzer.h"

namespace memoryd {
namespace {

namespace json = boost::json;

// Relative to the repository root, where the tool is meant to be run from.
constexpr const char* kDefaultPath = "../shared/eval/locomo-dev.json";
constexpr size_t kCutoffs[] = {5, 10, 25};
constexpr size_t kNumCutoffs = std::size(kCutoffs);
constexpr size_t kDeepest = 25;
constexpr int kNumCategories = 5;
constexpr const char* kCategoryNames[] = {"multi-hop", "temporal", "open-domain", "single-hop",
                                          "adversarial"};
constexpr size_t kDefaultLatencyDocs = 100000;
constexpr size_t kLatencyK = 10;
constexpr int kLatencyRounds = 5;

struct Turn {
  std::string dia_id;
  std::string text;
};

struct Question {
  std::string text;
  int category = 0;
  std::vector<std::string> evidence;  // repaired, deduplicated, all naming existing turns
};

struct Conversation {
  std::string id;
  std::vector<Turn> turns;
  std::vector<Question> questions;
};

struct EvalConfig {
  std::string variant = "fused";
  Bm25Options bm25;
  BuiltinEmbedderOptions embed;
  FusionOptions fusion;
  size_t candidates = 100;  // hits taken from each retriever before fusion
  size_t latency_docs = 0;  // 0: evaluate quality instead
};

std::string StringField(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
}

bool IsSmallNumber(const std::string& s) {
  return !s.empty() && s.size() < 6 && std::all_of(s.begin(), s.end(), ::isdigit);
}

// Canonical "D<session>:<turn>" for one piece such as "D30:05" or "D:11:26"; empty if none.
std::string CanonicalDiaId(const std::string& piece) {
  const size_t colon = piece.rfind(':');
  if (piece.size() < 3 || piece[0] != 'D' || colon == std::string::npos) return "";
  std::string session = piece.substr(1, colon - 1);
  std::erase(session, ':');
  const std::string turn = piece.substr(colon + 1);
  if (!IsSmallNumber(session) || !IsSmallNumber(turn)) return "";
  return "D" + std::to_string(std::stoi(session)) + ":" + std::to_string(std::stoi(turn));
}

std::vector<std::string> RepairEvidence(const json::value* evidence,
                                        const std::unordered_set<std::string>& turn_ids) {
  std::vector<std::string> repaired;
  if (evidence == nullptr || !evidence->is_array()) return repaired;
  for (const json::value& item : evidence->get_array()) {
    if (!item.is_string()) continue;
    std::string raw(item.get_string());
    std::replace_if(
        raw.begin(), raw.end(), [](char c) { return c == ';' || c == ','; }, ' ');
    std::istringstream pieces(raw);
    for (std::string piece; pieces >> piece;) {
      const std::string id = CanonicalDiaId(piece);
      if (turn_ids.contains(id) &&
          std::find(repaired.begin(), repaired.end(), id) == repaired.end()) {
        repaired.push_back(id);
      }
    }
  }
  return repaired;
}

std::vector<Turn> ParseTurns(const json::object& conversation) {
  std::map<int, const json::array*> sessions;
  for (const auto& [key, value] : conversation) {
    const std::string_view name = key;
    if (!name.starts_with("session_") || !value.is_array()) continue;
    const std::string number(name.substr(8));
    if (IsSmallNumber(number)) sessions[std::stoi(number)] = &value.get_array();
  }
  std::vector<Turn> turns;
  for (const auto& [number, session] : sessions) {
    for (const json::value& item : *session) {
      if (!item.is_object()) continue;
      const json::object& turn = item.get_object();
      std::string text = StringField(turn, "speaker") + ": " + StringField(turn, "text");
      const std::string caption = StringField(turn, "blip_caption");
      if (!caption.empty()) text += " [image: " + caption + "]";
      turns.push_back({StringField(turn, "dia_id"), std::move(text)});
    }
  }
  return turns;
}

Result<Conversation> ParseConversation(const json::value& value) {
  const json::object* sample = value.if_object();
  const json::value* conversation = sample ? sample->if_contains("conversation") : nullptr;
  if (conversation == nullptr || !conversation->is_object()) {
    return Status::InvalidArgument("sample without a conversation object");
  }
  Conversation result{
      StringField(*sample, "sample_id"), ParseTurns(conversation->get_object()), {}};
  std::unordered_set<std::string> ids;
  for (const Turn& turn : result.turns) ids.insert(turn.dia_id);
  const json::value* qa = sample->if_contains("qa");
  if (qa == nullptr || !qa->is_array()) return result;
  for (const json::value& item : qa->get_array()) {
    const json::object* q = item.if_object();
    if (q == nullptr) continue;
    Question question{StringField(*q, "question"), 0,
                      RepairEvidence(q->if_contains("evidence"), ids)};
    const json::value* category = q->if_contains("category");
    if (category != nullptr && category->is_int64()) {
      question.category = static_cast<int>(category->get_int64());
    }
    if (!question.evidence.empty()) result.questions.push_back(std::move(question));
  }
  return result;
}

Result<std::vector<Conversation>> LoadLocomo(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  boost::system::error_code error;
  const json::value root = json::parse(buffer.str(), error);
  if (error) return Status::InvalidArgument(path + ": " + error.message());
  if (!root.is_array()) return Status::InvalidArgument(path + ": top level is not a list");
  std::vector<Conversation> conversations;
  for (const json::value& sample : root.get_array()) {
    MEMORYD_ASSIGN_OR_RETURN(Conversation conversation, ParseConversation(sample));
    conversations.push_back(std::move(conversation));
  }
  return conversations;
}

// The BM25 options a variant runs with.
Bm25Options KeywordOptions(const EvalConfig& config) {
  if (config.variant != "bm25-plain") return config.bm25;
  Bm25Options plain;
  plain.k1 = 1.2f;
  plain.b = 0.75f;
  plain.concept_weight = 0;
  plain.feedback_documents = 0;
  plain.previous_context_weight = plain.next_context_weight = 0;
  return plain;
}

// One conversation's "space": a keyword index and the turn vectors, labelled by turn index.
struct Space {
  std::unique_ptr<Bm25Index> keywords;
  std::vector<Vector> vectors;
};

Space BuildSpace(const Conversation& conversation,
                 const std::shared_ptr<const text::TextAnalyzer>& analyzer,
                 const BuiltinEmbedder& embedder, const EvalConfig& config) {
  Space space{std::make_unique<Bm25Index>(analyzer, KeywordOptions(config)), {}};
  for (size_t i = 0; i < conversation.turns.size(); ++i) {
    (void)space.keywords->Add(i, conversation.turns[i].text);  // never fails in memory
    space.vectors.push_back(embedder.EmbedOne(conversation.turns[i].text));
  }
  return space;
}

std::vector<VectorHit> VectorSearch(const Space& space, const Vector& query, size_t k) {
  std::vector<VectorHit> hits;
  for (size_t i = 0; i < space.vectors.size(); ++i) {
    float dot = 0;
    for (size_t d = 0; d < query.size(); ++d) dot += query[d] * space.vectors[i][d];
    hits.push_back({i, dot});
  }
  const auto better = [](const VectorHit& a, const VectorHit& b) {
    return a.similarity != b.similarity ? a.similarity > b.similarity : a.label < b.label;
  };
  const size_t keep = std::min(k, hits.size());
  std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(keep), hits.end(),
                    better);
  hits.resize(keep);
  return hits;
}

// Labels of the best kDeepest turns for `query`, best first.
std::vector<uint64_t> Rank(const Space& space, const BuiltinEmbedder& embedder,
                           const std::string& query, const EvalConfig& config) {
  std::vector<uint64_t> ranked;
  if (config.variant == "bm25" || config.variant == "bm25-plain") {
    for (const KeywordHit& hit : space.keywords->Search(query, kDeepest, nullptr)) {
      ranked.push_back(hit.label);
    }
    return ranked;
  }
  const std::vector<VectorHit> vector_hits =
      VectorSearch(space, embedder.EmbedOne(query), config.candidates);
  if (config.variant == "embed") {
    for (size_t i = 0; i < vector_hits.size() && i < kDeepest; ++i) {
      ranked.push_back(vector_hits[i].label);
    }
    return ranked;
  }
  FusionOptions fusion = config.fusion;
  fusion.limit = kDeepest;
  const std::vector<KeywordHit> keyword_hits =
      space.keywords->Search(query, config.candidates, nullptr);
  for (const ScoredHit& hit : FuseScores(keyword_hits, vector_hits, fusion)) {
    ranked.push_back(hit.label);
  }
  return ranked;
}

// Sums of recall and hit indicators at each cutoff, for one group of questions.
struct Tally {
  int questions = 0;
  double recall[kNumCutoffs] = {};
  double hit[kNumCutoffs] = {};

  void Add(const std::vector<std::string>& ranked_ids, const std::vector<std::string>& evidence) {
    ++questions;
    for (size_t c = 0; c < kNumCutoffs; ++c) {
      const auto end = ranked_ids.begin() +
                       static_cast<std::ptrdiff_t>(std::min(kCutoffs[c], ranked_ids.size()));
      const auto found = std::count_if(evidence.begin(), evidence.end(), [&](const auto& id) {
        return std::find(ranked_ids.begin(), end, id) != end;
      });
      recall[c] += static_cast<double>(found) / static_cast<double>(evidence.size());
      hit[c] += found > 0 ? 1.0 : 0.0;
    }
  }
};

struct Report {
  Tally overall;
  Tally by_category[kNumCategories + 1];  // index 0 collects unknown categories
};

void PrintTally(const std::string& name, const Tally& tally) {
  if (tally.questions == 0) return;
  const double n = tally.questions;
  std::printf("%-12s %5d   %.3f  %.3f  %.3f    %.3f  %.3f  %.3f\n", name.c_str(), tally.questions,
              tally.recall[0] / n, tally.recall[1] / n, tally.recall[2] / n, tally.hit[0] / n,
              tally.hit[1] / n, tally.hit[2] / n);
}

Report Evaluate(const std::vector<Conversation>& conversations,
                const std::shared_ptr<const text::TextAnalyzer>& analyzer,
                const BuiltinEmbedder& embedder, const EvalConfig& config) {
  Report report;
  for (const Conversation& conversation : conversations) {
    const Space space = BuildSpace(conversation, analyzer, embedder, config);
    for (const Question& question : conversation.questions) {
      std::vector<std::string> ranked_ids;
      for (const uint64_t label : Rank(space, embedder, question.text, config)) {
        ranked_ids.push_back(conversation.turns[label].dia_id);
      }
      const int category =
          question.category >= 1 && question.category <= kNumCategories ? question.category : 0;
      report.overall.Add(ranked_ids, question.evidence);
      report.by_category[category].Add(ranked_ids, question.evidence);
    }
  }
  return report;
}

double ThreadCpuMicros() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) * 1e6 + static_cast<double>(now.tv_nsec) / 1e3;
}

// Per-query CPU time, the minimum over kLatencyRounds rounds: on a shared machine the minimum is
// the work a search needs, the rest is other processes' interference.
std::vector<double> TimeQueries(const Bm25Index& index,
                                const std::shared_ptr<const text::TextAnalyzer>& analyzer,
                                const std::vector<const std::string*>& queries) {
  std::vector<double> best(queries.size(), std::numeric_limits<double>::max());
  for (int round = 0; round < kLatencyRounds; ++round) {
    for (size_t i = 0; i < queries.size(); ++i) {
      const double start = ThreadCpuMicros();
      // Analysis included: this is the whole of KeywordIndex::Search.
      const text::Analysis query = analyzer->AnalyzeQuery(*queries[i]);
      const std::vector<KeywordHit> hits = index.SearchAnalyzed(query, kLatencyK, nullptr);
      best[i] = std::min(best[i], ThreadCpuMicros() - start);
    }
  }
  std::sort(best.begin(), best.end());
  return best;
}

void PrintLatency(const std::vector<Conversation>& conversations,
                  const std::shared_ptr<const text::TextAnalyzer>& analyzer,
                  const EvalConfig& config) {
  std::vector<const std::string*> texts;
  std::vector<const std::string*> queries;
  for (const Conversation& conversation : conversations) {
    for (const Turn& turn : conversation.turns) texts.push_back(&turn.text);
    for (const Question& question : conversation.questions) queries.push_back(&question.text);
  }
  if (texts.empty() || queries.empty()) return;
  Bm25Index index(analyzer, KeywordOptions(config));
  const double build_start = ThreadCpuMicros();
  for (size_t i = 0; i < config.latency_docs; ++i) (void)index.Add(i, *texts[i % texts.size()]);
  const double build_us = ThreadCpuMicros() - build_start;
  const std::vector<double> micros = TimeQueries(index, analyzer, queries);
  double total = 0;
  for (const double m : micros) total += m;
  std::printf(
      "bm25 (%s options) over %zu docs: %.1f us CPU per Add; %zu queries, k=%zu, "
      "CPU per search: mean %.0f us, p50 %.0f, p90 %.0f, p99 %.0f\n",
      config.variant.c_str(), index.Size(), build_us / static_cast<double>(index.Size()),
      micros.size(), kLatencyK, total / static_cast<double>(micros.size()),
      micros[micros.size() / 2], micros[micros.size() * 9 / 10], micros[micros.size() * 99 / 100]);
}

bool ParseFlag(const std::string& arg, EvalConfig* config, bool* all) {
  const size_t eq = arg.find('=');
  const std::string name = arg.substr(0, eq);
  const std::string value = eq == std::string::npos ? "" : arg.substr(eq + 1);
  if (name == "--all") return *all = true;
  if (name == "--no-context") {
    config->bm25.previous_context_weight = config->bm25.next_context_weight = 0;
    return true;
  }
  if (name == "--no-feedback") return config->bm25.feedback_documents = 0, true;
  if (name == "--no-concepts") {
    config->bm25.concept_weight = config->embed.concept_weight = 0;
    return true;
  }
  if (name == "--latency") {
    config->latency_docs = value.empty() ? kDefaultLatencyDocs : std::stoul(value);
    return true;
  }
  if (value.empty()) return false;
  if (name == "--variant") return config->variant = value, true;
  if (name == "--k1") return config->bm25.k1 = std::stof(value), true;
  if (name == "--b") return config->bm25.b = std::stof(value), true;
  if (name == "--keyword-weight") return config->fusion.keyword_weight = std::stof(value), true;
  if (name == "--cosine-floor") return config->fusion.cosine_floor = std::stof(value), true;
  if (name == "--dim") return config->embed.dimension = std::stoi(value), true;
  if (name == "--candidates") return config->candidates = std::stoul(value), true;
  if (name == "--prev-context")
    return config->bm25.previous_context_weight = std::stof(value), true;
  if (name == "--next-context") return config->bm25.next_context_weight = std::stof(value), true;
  return false;
}

int Run(int argc, char** argv) {
  std::string path = kDefaultPath;
  EvalConfig config;
  bool all = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (!arg.starts_with("--")) {
      path = arg;
    } else if (!ParseFlag(arg, &config, &all)) {
      std::fprintf(stderr, "unknown or malformed flag: %s\n", arg.c_str());
      return 2;
    }
  }
  Result<std::vector<Conversation>> conversations = LoadLocomo(path);
  auto analyzer = text::TextAnalyzer::Create();
  auto embedder = BuiltinEmbedder::Create(config.embed);
  for (const Status& s : {conversations.status(), analyzer.status(), embedder.status()}) {
    if (!s.ok()) {
      std::fprintf(stderr, "error: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  if (config.latency_docs > 0) {
    PrintLatency(*conversations, *analyzer, config);
    return 0;
  }
  const std::vector<std::string> variants =
      all ? std::vector<std::string>{"bm25-plain", "bm25", "embed", "fused"}
          : std::vector{config.variant};
  std::printf("%-12s %5s   %-5s  %-5s  %-5s    %-5s  %-5s  %-5s\n", "", "n", "R@5", "R@10", "R@25",
              "H@5", "H@10", "H@25");
  for (const std::string& variant : variants) {
    config.variant = variant;
    const Report report = Evaluate(*conversations, *analyzer, **embedder, config);
    PrintTally(all ? variant : "overall", report.overall);
    for (int c = 1; c <= kNumCategories && !all; ++c) {
      PrintTally(kCategoryNames[c - 1], report.by_category[c]);
    }
  }
  return 0;
}

}  // namespace
}  // namespace memoryd

int main(int argc, char** argv) {
  try {
    return memoryd::Run(argc, argv);
  } catch (const std::exception& e) {  // a malformed flag value (std::stof) ends up here
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
}
