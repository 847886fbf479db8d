#include "index/hnsw_vector_index.h"

// The one library file that includes hnswlib (see the header). Everything hnswlib throws is
// caught in this file and turned into a Status.
//
// hnswlib 0.6.2's SSE prefetch hints read up to 4 bytes past the end of an upper-layer link list.
// That is harmless (the bytes always lie inside the malloc chunk and only steer a prefetch), but
// AddressSanitizer reports it, so sanitizer builds compile hnswlib without its manual
// vectorisation. Our distance function does not depend on it.
#if defined(__SANITIZE_ADDRESS__)
#define NO_MANUAL_VECTORIZATION
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NO_MANUAL_VECTORIZATION
#endif
#endif
#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <limits>
#include <mutex>

#include "index/vector_index_math.h"

// ThreadSanitizer builds: hnswlib creates 65,536 std::mutex per index plus one per slot, and
// takes its `global` mutex and per-node mutexes in an order that the deadlock detector flags
// between two concurrent inserts. Inserts never run concurrently here (Add holds the index lock
// exclusively), and with that many short-lived mutexes GCC 12's detector also emits reports with
// empty stacks that no suppression can match. So TSan builds turn off its deadlock detection
// (data-race detection stays on). Only this file defines the hook.
#if defined(__SANITIZE_THREAD__)
#define MEMORYD_HNSW_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MEMORYD_HNSW_UNDER_TSAN 1
#endif
#endif
#if defined(MEMORYD_HNSW_UNDER_TSAN)
extern "C" const char* __tsan_default_options() { return "detect_deadlocks=0"; }
#endif

namespace memoryd {
namespace {

using HnswGraph = hnswlib::HierarchicalNSW<float>;
using hnswlib::tableint;

constexpr int kMaxDimension = 65536;
constexpr size_t kMaxM = 1024;  // hnswlib keeps link counts in 16 bits (2*m on layer 0)
constexpr size_t kMaxEf = size_t{1} << 20;
constexpr uint32_t kMaxLevel = 64;  // levels are ~log_m(n); 64 is far beyond any real graph
constexpr size_t kMinCapacity = 16;
constexpr size_t kFetchGrowth = 4;     // filtered search: over-fetch factor per round
constexpr size_t kExactScanRatio = 8;  // ...until it would fetch 1/8 of the index: scan instead
constexpr size_t kRescoreMargin = 4;   // candidates re-scored exactly beyond fetch * 5/4

// The fixed part of the HNSW payload; every field is 8 bytes, so the struct has no padding.
struct PayloadParams {
  uint64_t m;
  uint64_t ef_construction;
  uint64_t ef_search;
  uint64_t random_seed;
  uint64_t slots;           // used slots, live and removed
  uint64_t bytes_per_slot;  // hnswlib's size_data_per_element_, re-derived and compared on load
  int64_t max_level;
  uint64_t entry_point;
};
static_assert(sizeof(PayloadParams) == 8 * sizeof(uint64_t));

Status CheckOptions(int dimension, const HnswOptions& o) {
  if (dimension <= 0 || dimension > kMaxDimension) {
    return Status::InvalidArgument("dimension must be in [1, 65536]");
  }
  if (o.m < 2 || o.m > kMaxM) return Status::InvalidArgument("hnsw m must be in [2, 1024]");
  if (o.ef_construction == 0 || o.ef_construction > kMaxEf || o.ef_search == 0 ||
      o.ef_search > kMaxEf) {
    return Status::InvalidArgument("hnsw ef_construction and ef_search must be in [1, 2^20]");
  }
  return Status::Ok();
}

Status Corrupt(const std::string& why) {
  return Status::Internal("hnsw index payload is inconsistent: " + why);
}

Status Failed(const char* what, const std::exception& e) {
  return Status::Internal(std::string("hnsw ") + what + " failed: " + e.what());
}

// The graph's metric: inner-product distance (1 - cosine on unit vectors) over int8 codes
// (vector_index_math.h), picked for this CPU at run time. The codes are a quarter of the size of
// the floats, so the graph walk, which is bound by memory traffic, runs several times faster; the
// candidates it finds are then ranked by their exact float vectors, kept beside the graph.
// (Not hnswlib::InnerProductSpace: in hnswlib 0.6.2 its constructor rewrites global function
// pointers, a data race when two spaces are created at once.)
class QuantizedInnerProductSpace final : public hnswlib::SpaceInterface<float> {
 public:
  explicit QuantizedInnerProductSpace(size_t dimension)
      : dimension_(dimension), distance_(BestQuantizedDistance()) {}
  size_t get_data_size() override { return QuantizedSize(dimension_); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return distance_; }
  void* get_dist_func_param() override { return &dimension_; }

 private:
  size_t dimension_;
  InnerProductDistanceFn distance_;
};

}  // namespace

struct HnswVectorIndex::Graph {
  Graph(int dimension, const HnswOptions& o, size_t capacity)
      : dim(static_cast<size_t>(dimension)),
        space(dim),
        hnsw(&space, capacity, o.m, o.ef_construction, o.random_seed),
        exact(capacity * dim) {
    hnsw.setEf(o.ef_search);
  }
  const float* ExactVector(tableint slot) const { return exact.data() + slot * dim; }
  // Grows the graph and the exact vectors together; the vectors first, so that if either
  // throws, the graph never has more slots than `exact` has room for.
  void Resize(size_t capacity) {
    exact.resize(capacity * dim);
    hnsw.resizeIndex(capacity);
  }

  size_t dim;
  QuantizedInnerProductSpace space;  // declared before hnsw, which points into it
  HnswGraph hnsw;
  std::vector<float> exact;  // the unit vector of each slot, dim floats per slot
};

HnswVectorIndex::HnswVectorIndex(int dimension, const HnswOptions& options,
                                 std::unique_ptr<Graph> graph)
    : dimension_(dimension), options_(options), graph_(std::move(graph)) {}

HnswVectorIndex::~HnswVectorIndex() = default;

Result<std::unique_ptr<HnswVectorIndex>> HnswVectorIndex::Create(int dimension,
                                                                 const HnswOptions& options) {
  MEMORYD_RETURN_IF_ERROR(CheckOptions(dimension, options));
  try {
    auto graph = std::make_unique<Graph>(dimension, options,
                                         std::max(options.initial_capacity, kMinCapacity));
    return std::make_unique<HnswVectorIndex>(dimension, options, std::move(graph));
  } catch (const std::exception& e) {
    return Failed("create", e);
  }
}

Status HnswVectorIndex::Add(uint64_t label, const Vector& vector) {
  MEMORYD_ASSIGN_OR_RETURN(Vector unit, NormalizedForIndex(vector, dimension_));
  std::unique_lock lock(mu_);
  try {
    return AddLocked(label, unit);
  } catch (const std::exception& e) {
    return Failed("add", e);
  }
}

Status HnswVectorIndex::AddLocked(uint64_t label, const Vector& unit) {
  HnswGraph& g = graph_->hnsw;
  if (g.label_lookup_.count(label) == 0) {
    if (!free_slots_.empty()) {
      // Give a removed label's slot to this one: addPoint() then finds the label on a deleted
      // slot, unmarks it and re-links the slot for the new vector.
      const tableint slot = free_slots_.back();
      g.label_lookup_[label] = slot;
      g.setExternalLabel(slot, label);
      free_slots_.pop_back();
    } else if (g.cur_element_count >= g.max_elements_) {
      graph_->Resize(std::max(g.max_elements_ * 2, kMinCapacity));
    }
  }
  std::vector<char> code(QuantizedSize(unit.size()));
  Quantize(unit.data(), unit.size(), code.data());
  g.addPoint(code.data(), label);
  const tableint slot = g.label_lookup_.at(label);
  std::copy(unit.begin(), unit.end(), graph_->exact.begin() + slot * graph_->dim);
  return Status::Ok();
}

Status HnswVectorIndex::Remove(uint64_t label) {
  std::unique_lock lock(mu_);
  HnswGraph& g = graph_->hnsw;
  auto it = g.label_lookup_.find(label);
  if (it == g.label_lookup_.end()) return Status::NotFound("label not in the index");
  try {
    free_slots_.reserve(free_slots_.size() + 1);  // so the push_back below cannot throw
    g.markDeletedInternal(it->second);
  } catch (const std::exception& e) {
    return Failed("remove", e);
  }
  free_slots_.push_back(it->second);
  g.label_lookup_.erase(it);
  return Status::Ok();
}

Result<std::vector<VectorHit>> HnswVectorIndex::Search(const Vector& query, size_t k,
                                                       const LabelFilter& filter) const {
  MEMORYD_ASSIGN_OR_RETURN(Vector unit, NormalizedForIndex(query, dimension_));
  if (k == 0) return std::vector<VectorHit>();
  std::shared_lock lock(mu_);
  try {
    if (filter) return FilteredSearch(unit, k, filter);
    std::vector<VectorHit> hits = GraphSearch(unit, k, filter);
    if (hits.size() > k) hits.resize(k);
    return hits;
  } catch (const std::exception& e) {
    return Failed("search", e);
  }
}

// Walks the graph with the query's code, keeping the ef_search best candidates (at least
// `fetch`), then ranks the best of them by exact similarity: every candidate the codes place
// near the cut-off is re-scored, since their order there is what the codes' small error can swap.
std::vector<VectorHit> HnswVectorIndex::GraphSearch(const Vector& unit, size_t fetch,
                                                    const LabelFilter& filter) const {
  const HnswGraph& g = graph_->hnsw;
  std::vector<char> code(QuantizedSize(unit.size()));
  Quantize(unit.data(), unit.size(), code.data());
  auto queue = g.searchKnn(code.data(), std::max(fetch, options_.ef_search));  // farthest on top
  std::vector<VectorHit> hits;
  hits.reserve(queue.size());
  for (; !queue.empty(); queue.pop()) {
    const auto& [distance, label] = queue.top();
    if (filter && !filter(label)) continue;
    hits.push_back({label, 1.0f - distance});
  }
  SortHits(&hits);  // by approximate similarity
  hits.resize(std::min(hits.size(), fetch + fetch / 4 + kRescoreMargin));
  for (VectorHit& hit : hits) {
    const float* exact = graph_->ExactVector(g.label_lookup_.at(hit.label));
    hit.similarity = ClampSimilarity(InnerProduct(unit.data(), exact, dimension_));
  }
  SortHits(&hits);
  if (hits.size() > fetch) hits.resize(fetch);
  return hits;
}

std::vector<VectorHit> HnswVectorIndex::FilteredSearch(const Vector& unit, size_t k,
                                                       const LabelFilter& filter) const {
  const size_t live = graph_->hnsw.cur_element_count - free_slots_.size();
  for (size_t fetch = k;; fetch *= kFetchGrowth) {
    if (fetch >= live || fetch * kExactScanRatio > live) return ExactSearch(unit, k, filter);
    std::vector<VectorHit> hits = GraphSearch(unit, fetch, filter);
    if (hits.size() >= k) {
      hits.resize(k);
      return hits;
    }
  }
}

std::vector<VectorHit> HnswVectorIndex::ExactSearch(const Vector& unit, size_t k,
                                                    const LabelFilter& filter) const {
  const HnswGraph& g = graph_->hnsw;
  TopHits best(k);
  for (tableint slot = 0; slot < g.cur_element_count; ++slot) {
    if (g.isMarkedDeleted(slot)) continue;
    const uint64_t label = g.getExternalLabel(slot);
    if (filter && !filter(label)) continue;
    const float* v = graph_->ExactVector(slot);
    best.Offer({label, ClampSimilarity(InnerProduct(unit.data(), v, dimension_))});
  }
  return best.TakeSorted();
}

std::vector<float> HnswVectorIndex::SampleSimilarities(const Vector& query, size_t n) const {
  std::vector<float> out;
  Result<Vector> unit = NormalizedForIndex(query, dimension_);
  if (!unit.ok() || n == 0) return out;
  std::shared_lock lock(mu_);
  const HnswGraph& g = graph_->hnsw;
  const size_t slots = g.cur_element_count;
  const size_t picks = std::min(n, slots);
  for (size_t i = 0; i < picks; ++i) {
    const auto slot = static_cast<tableint>(i * slots / picks);  // spread over every slot
    if (g.isMarkedDeleted(slot)) continue;
    out.push_back(
        ClampSimilarity(InnerProduct(unit->data(), graph_->ExactVector(slot), dimension_)));
  }
  return out;
}

bool HnswVectorIndex::Contains(uint64_t label) const {
  std::shared_lock lock(mu_);
  return graph_->hnsw.label_lookup_.count(label) > 0;
}

size_t HnswVectorIndex::Size() const {
  std::shared_lock lock(mu_);
  return graph_->hnsw.cur_element_count - free_slots_.size();
}

void HnswVectorIndex::SetEfSearch(size_t ef_search) {
  std::unique_lock lock(mu_);
  options_.ef_search = std::clamp<size_t>(ef_search, 1, kMaxEf);
  graph_->hnsw.setEf(options_.ef_search);
}

HnswOptions HnswVectorIndex::options() const {
  std::shared_lock lock(mu_);
  return options_;
}

// ---------------------------------------------------------------------------------------------
// Persistence. Payload: PayloadParams | slots x bytes_per_slot (hnswlib's bottom layer: links,
// int8 code, label, deleted mark) | per slot: u32 level, then level x upper-layer link lists |
// slots x dimension floats (the exact unit vectors).

// The payload is copied under the read lock (a memcpy of the graph) and written after releasing
// it: with a writer-preferring lock, holding it through disk I/O would stall searches behind any
// waiting writer.
Status HnswVectorIndex::Save(const std::string& path, std::string_view embedder_name) const {
  IndexFileHeader header{IndexKind::kHnsw, static_cast<uint32_t>(dimension_), 0,
                         std::string(embedder_name)};
  PayloadBuffer payload;
  try {
    std::shared_lock lock(mu_);
    header.count = graph_->hnsw.cur_element_count - free_slots_.size();
    WritePayload(&payload);
  } catch (const std::exception& e) {  // std::bad_alloc from the copy
    return Failed("save", e);
  }
  return WriteIndexFile(path, header, payload);
}

void HnswVectorIndex::WritePayload(PayloadBuffer* payload) const {
  const HnswGraph& g = graph_->hnsw;
  PayloadParams params{options_.m,           options_.ef_construction, options_.ef_search,
                       options_.random_seed, g.cur_element_count,      g.size_data_per_element_,
                       g.maxlevel_,          g.enterpoint_node_};
  payload->Reserve(sizeof(params) +
                   g.cur_element_count * (g.size_data_per_element_ + 4 + graph_->dim * 4) +
                   g.cur_element_count / g.M_ * g.size_links_per_element_ * 2);
  payload->AppendPod(params);
  payload->Append(g.data_level0_memory_, g.cur_element_count * g.size_data_per_element_);
  for (size_t slot = 0; slot < g.cur_element_count; ++slot) {
    const uint32_t level = static_cast<uint32_t>(g.element_levels_[slot]);
    payload->AppendPod(level);
    if (level > 0) payload->Append(g.linkLists_[slot], level * g.size_links_per_element_);
  }
  payload->Append(graph_->exact.data(), g.cur_element_count * graph_->dim * sizeof(float));
}

Result<std::unique_ptr<HnswVectorIndex>> HnswVectorIndex::Load(
    const std::string& path, std::string_view expected_embedder_name, int expected_dimension,
    size_t ef_search) {
  MEMORYD_ASSIGN_OR_RETURN(auto reader, IndexFileReader::Open(path));
  MEMORYD_RETURN_IF_ERROR(CheckIndexFileHeader(reader->header(), path, expected_embedder_name,
                                               expected_dimension, IndexKind::kHnsw));
  MEMORYD_ASSIGN_OR_RETURN(auto index, ReadFrom(reader.get()));
  if (ef_search != 0) index->SetEfSearch(ef_search);
  return index;
}

Result<std::unique_ptr<HnswVectorIndex>> HnswVectorIndex::ReadFrom(IndexFileReader* reader) {
  try {
    return ReadFromUnguarded(reader);
  } catch (const std::exception& e) {  // std::bad_alloc from hnswlib or the label map
    return Failed("load", e);
  }
}

Result<std::unique_ptr<HnswVectorIndex>> HnswVectorIndex::ReadFromUnguarded(
    IndexFileReader* reader) {
  const int dimension = static_cast<int>(reader->header().dimension);
  PayloadParams params;
  MEMORYD_RETURN_IF_ERROR(reader->ReadPod(&params));
  HnswOptions options;
  options.m = params.m;
  options.ef_construction = params.ef_construction;
  options.ef_search = params.ef_search;
  options.random_seed = params.random_seed;
  if (!CheckOptions(dimension, options).ok()) return Corrupt("bad graph parameters");
  // Bound the slot count by the bytes present before allocating for it.
  if (params.bytes_per_slot == 0 || params.slots > reader->remaining() / params.bytes_per_slot ||
      params.slots > std::numeric_limits<tableint>::max() / 2) {
    return Corrupt("slot count does not fit the file");
  }
  auto graph =
      std::make_unique<Graph>(dimension, options, std::max<size_t>(params.slots, kMinCapacity));
  if (graph->hnsw.size_data_per_element_ != params.bytes_per_slot) {
    return Corrupt("slot size differs from this build's");
  }
  auto index = std::make_unique<HnswVectorIndex>(dimension, options, std::move(graph));
  MEMORYD_RETURN_IF_ERROR(index->ReadPayload(reader, params.slots));
  MEMORYD_RETURN_IF_ERROR(reader->ExpectEnd());
  if (params.max_level < -1 || params.max_level > static_cast<int64_t>(kMaxLevel) ||
      params.entry_point > std::numeric_limits<tableint>::max()) {
    return Corrupt("bad entry point");
  }
  index->graph_->hnsw.maxlevel_ = static_cast<int>(params.max_level);
  index->graph_->hnsw.enterpoint_node_ = static_cast<tableint>(params.entry_point);
  MEMORYD_RETURN_IF_ERROR(index->ValidateAndIndexLabels(reader->header().count));
  return index;
}

// Reads `slots` slots into a freshly built graph with room for them.
Status HnswVectorIndex::ReadPayload(IndexFileReader* reader, size_t slots) {
  HnswGraph& g = graph_->hnsw;
  MEMORYD_RETURN_IF_ERROR(reader->Read(g.data_level0_memory_, slots * g.size_data_per_element_));
  // hnswlib's destructor frees the upper-layer lists of every slot below cur_element_count whose
  // level is non-zero, so a level is recorded only once its list is allocated.
  g.cur_element_count = slots;
  for (size_t slot = 0; slot < slots; ++slot) {
    uint32_t level = 0;
    MEMORYD_RETURN_IF_ERROR(reader->ReadPod(&level));
    if (level > kMaxLevel) return Corrupt("slot level out of range");
    if (level == 0) continue;
    const size_t bytes = level * g.size_links_per_element_;
    // hnswlib releases these lists with free(), so they come from malloc, as in its addPoint().
    char* links = static_cast<char*>(std::malloc(bytes + 1));
    if (links == nullptr) return Status::Internal("out of memory loading an hnsw index");
    g.linkLists_[slot] = links;
    g.element_levels_[slot] = static_cast<int>(level);
    MEMORYD_RETURN_IF_ERROR(reader->Read(links, bytes));
  }
  return reader->Read(graph_->exact.data(), slots * graph_->dim * sizeof(float));
}

namespace {

// Checks that every link of `slot` points at an existing slot that lives on that layer, so a
// search can never read outside the graph.
Status ValidateLinks(const HnswGraph& g, tableint slot) {
  const int level = g.element_levels_[slot];
  if (level > g.maxlevel_) return Corrupt("slot above the top level");
  for (int layer = 0; layer <= level; ++layer) {
    hnswlib::linklistsizeint* list = g.get_linklist_at_level(slot, layer);
    const size_t count = g.getListCount(list);
    if (count > (layer == 0 ? g.maxM0_ : g.maxM_)) return Corrupt("too many links");
    const auto* links = reinterpret_cast<const tableint*>(list + 1);
    for (size_t i = 0; i < count; ++i) {
      if (links[i] >= g.cur_element_count || g.element_levels_[links[i]] < layer) {
        return Corrupt("link to a missing slot");
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Status HnswVectorIndex::ValidateAndIndexLabels(uint64_t expected_live) {
  HnswGraph& g = graph_->hnsw;
  if (g.cur_element_count == 0) {
    if (g.maxlevel_ != -1) return Corrupt("empty graph with levels");
  } else if (g.enterpoint_node_ >= g.cur_element_count ||
             g.element_levels_[g.enterpoint_node_] != g.maxlevel_) {
    return Corrupt("bad entry point");
  }
  for (tableint slot = 0; slot < g.cur_element_count; ++slot) {
    MEMORYD_RETURN_IF_ERROR(ValidateLinks(g, slot));
    if (g.isMarkedDeleted(slot)) {
      free_slots_.push_back(slot);
      ++g.num_deleted_;
    } else if (!g.label_lookup_.emplace(g.getExternalLabel(slot), slot).second) {
      return Corrupt("duplicate label");
    }
  }
  if (g.label_lookup_.size() != expected_live) return Corrupt("vector count differs from header");
  return Status::Ok();
}

}  // namespace memoryd
