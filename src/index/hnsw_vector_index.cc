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
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <limits>
#include <mutex>
#include <queue>
#include <unordered_map>

#include "core/zeroed_memory.h"
#include "index/vector_index_math.h"

// ThreadSanitizer builds: hnswlib creates 65,536 std::mutex per index plus one per slot, and
// takes its `global` mutex and per-node mutexes in an order that the deadlock detector flags
// between two concurrent inserts (which AddBatch runs), and with that many short-lived mutexes
// GCC 12's detector also emits reports with empty stacks that no suppression can match. So TSan
// builds turn off its deadlock detection (data-race detection stays on). One race is suppressed:
// concurrent inserts draw their random level from one generator without a lock (hnswlib 0.6.2's
// getRandomLevel, as its own parallel add_items does); the worst a torn update does is repeat a
// draw. The suppression names that function only, so a race between a search (GraphWalk) and an
// insert is still reported. Only this file defines the hooks.
#if defined(__SANITIZE_THREAD__)
#define MEMORYD_HNSW_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MEMORYD_HNSW_UNDER_TSAN 1
#endif
#endif
#if defined(MEMORYD_HNSW_UNDER_TSAN)
extern "C" const char* __tsan_default_options() { return "detect_deadlocks=0"; }
extern "C" const char* __tsan_default_suppressions() { return "race:getRandomLevel\n"; }
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
        exact(capacity * dim),
        ready(new std::atomic<uint8_t>[capacity]()) {
    hnsw.setEf(o.ef_search);
    // hnswlib mallocs the bottom layer without touching it: huge pages make filling it (inserts,
    // or a load's copy of a gigabyte) cost far fewer page faults.
    AdviseHugePages(hnsw.data_level0_memory_, capacity * hnsw.size_data_per_element_);
  }
  const float* ExactVector(tableint slot) const { return exact.data() + slot * dim; }
  // Whether the slot's exact vector is in place (a search may reach a slot that a concurrent
  // batch has linked into the graph before its exact vector was copied: it then keeps the
  // similarity of the codes).
  bool Ready(tableint slot) const { return ready[slot].load(std::memory_order_acquire) != 0; }
  void MarkReady(tableint slot) { ready[slot].store(1, std::memory_order_release); }
  // The arrays of a larger graph, filled from the current ones while searches still read those
  // (nothing writes them meanwhile: the one writer is the one growing the graph), then swapped in
  // (Adopt) under the exclusive lock, so a search waits microseconds, not for a copy of the
  // whole graph. Frees what it still owns.
  struct Grown {
    size_t capacity = 0;
    char* level0 = nullptr;
    char** links = nullptr;
    std::vector<int> levels;
    ZeroedArray<float> exact;
    std::unique_ptr<std::atomic<uint8_t>[]> ready;
    std::unique_ptr<hnswlib::VisitedListPool> visited;
    std::vector<std::mutex> locks;
    ~Grown() {
      std::free(level0);
      std::free(links);
    }
  };
  // Throws std::bad_alloc when memory runs out (nothing changed then).
  std::unique_ptr<Grown> Prepare(size_t capacity) const {
    auto grown = std::make_unique<Grown>();
    const size_t used = hnsw.cur_element_count;
    grown->capacity = capacity;
    grown->level0 = static_cast<char*>(std::malloc(capacity * hnsw.size_data_per_element_));
    grown->links = static_cast<char**>(std::malloc(capacity * sizeof(char*)));
    if (grown->level0 == nullptr || grown->links == nullptr) throw std::bad_alloc();
    AdviseHugePages(grown->level0, capacity * hnsw.size_data_per_element_);
    std::memcpy(grown->level0, hnsw.data_level0_memory_, used * hnsw.size_data_per_element_);
    std::memcpy(grown->links, hnsw.linkLists_, used * sizeof(char*));
    grown->levels.assign(hnsw.element_levels_.begin(), hnsw.element_levels_.begin() + used);
    grown->levels.resize(capacity, 0);
    grown->exact = ZeroedArray<float>(capacity * dim);
    std::copy(exact.begin(), exact.begin() + used * dim, grown->exact.begin());
    grown->ready.reset(new std::atomic<uint8_t>[capacity]());
    for (size_t i = 0; i < used; ++i) grown->ready[i].store(ready[i].load());
    grown->visited = std::make_unique<hnswlib::VisitedListPool>(1, capacity);
    std::vector<std::mutex>(capacity).swap(grown->locks);
    return grown;
  }
  // Swaps `grown` in (pointer swaps only). REQUIRES: the exclusive lock. Never throws.
  void Adopt(std::unique_ptr<Grown> grown) {
    std::swap(hnsw.data_level0_memory_, grown->level0);
    std::swap(hnsw.linkLists_, grown->links);
    hnsw.element_levels_.swap(grown->levels);
    hnsw.link_list_locks_.swap(grown->locks);
    delete hnsw.visited_list_pool_;
    hnsw.visited_list_pool_ = grown->visited.release();
    hnsw.max_elements_ = grown->capacity;
    exact.swap(grown->exact);
    ready.swap(grown->ready);
  }  // `grown` now owns the old arrays and frees them
  void Resize(size_t capacity) { Adopt(Prepare(capacity)); }

  size_t dim;
  QuantizedInnerProductSpace space;  // declared before hnsw, which points into it
  HnswGraph hnsw;
  ZeroedArray<float> exact;  // the unit vector of each slot, dim floats per slot
  std::unique_ptr<std::atomic<uint8_t>[]> ready;  // per slot: `exact` holds its vector
  // Slots whose data a scan may read (every slot below it was fully inserted); hnswlib's own
  // count moves under concurrent inserts.
  std::atomic<size_t> published{0};
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
  std::lock_guard writer(insert_mu_);
  std::unique_lock lock(mu_);
  try {
    return AddLocked(label, unit);
  } catch (const std::exception& e) {
    return Failed("add", e);
  }
}

Status HnswVectorIndex::AddLocked(uint64_t label, const Vector& unit) {
  HnswGraph& g = graph_->hnsw;
  const bool fresh = g.label_lookup_.count(label) == 0;
  if (fresh) {
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
  graph_->MarkReady(slot);
  graph_->published.store(g.cur_element_count, std::memory_order_release);
  if (fresh) ++live_;
  return Status::Ok();
}

Status HnswVectorIndex::AddBatch(std::span<const LabeledVector> items, const ParallelRun& run) {
  // The last vector of each label, normalised, before taking the lock.
  std::unordered_map<uint64_t, size_t> last;
  for (size_t i = 0; i < items.size(); ++i) last[items[i].label] = i;
  std::vector<Vector> units;
  std::vector<uint64_t> labels;
  units.reserve(last.size());
  labels.reserve(last.size());
  for (size_t i = 0; i < items.size(); ++i) {
    if (last.at(items[i].label) != i) continue;
    MEMORYD_ASSIGN_OR_RETURN(Vector unit, NormalizedForIndex(*items[i].vector, dimension_));
    units.push_back(std::move(unit));
    labels.push_back(items[i].label);
  }
  std::lock_guard writer(insert_mu_);
  std::vector<const Vector*> fresh_units;
  std::vector<uint64_t> fresh_labels;
  std::unique_ptr<Graph::Grown> grown;
  try {
    // Room for every label of the batch, copied beside searches (see Graph::Prepare).
    const HnswGraph& g = graph_->hnsw;
    if (g.cur_element_count + labels.size() > g.max_elements_) {
      std::shared_lock lock(mu_);
      grown = graph_->Prepare(
          std::max({g.max_elements_ * 2, g.cur_element_count + labels.size(), kMinCapacity}));
    }
  } catch (const std::exception& e) {
    return Failed("add", e);
  }
  try {
    // With searches held off: room for the new labels, and the labels that replace a vector or
    // take a removed label's slot (they rewrite slots a search may be reading).
    std::unique_lock lock(mu_);
    if (grown) graph_->Adopt(std::move(grown));
    HnswGraph& g = graph_->hnsw;
    std::vector<size_t> serial;
    size_t free_left = free_slots_.size();
    for (size_t i = 0; i < labels.size(); ++i) {
      if (g.label_lookup_.count(labels[i]) == 0 && free_left == 0) {
        fresh_units.push_back(&units[i]);
        fresh_labels.push_back(labels[i]);
      } else {
        if (g.label_lookup_.count(labels[i]) == 0) --free_left;
        serial.push_back(i);
      }
    }
    for (size_t i : serial) MEMORYD_RETURN_IF_ERROR(AddLocked(labels[i], units[i]));
  } catch (const std::exception& e) {
    return Failed("add", e);
  }
  try {
    // Beside searches: hnswlib links a new slot into its neighbours' lists under their locks,
    // and GraphWalk reads every list under the same locks.
    std::shared_lock lock(mu_);
    InsertInParallel(fresh_units, fresh_labels, run);
    return Status::Ok();
  } catch (const std::exception& e) {
    return Failed("add", e);
  }
}

// Inserts labels new to the graph, with room for all of them already made, on every thread of
// `run`; then stores their exact vectors. Throws what hnswlib throws (the first of them).
// REQUIRES: insert_mu_ held, and mu_ at least shared.
void HnswVectorIndex::InsertInParallel(const std::vector<const Vector*>& units,
                                       const std::vector<uint64_t>& labels,
                                       const ParallelRun& run) {
  const size_t code_size = QuantizedSize(static_cast<size_t>(dimension_));
  std::vector<char> codes(units.size() * code_size);
  for (size_t i = 0; i < units.size(); ++i) {
    Quantize(units[i]->data(), units[i]->size(), codes.data() + i * code_size);
  }
  HnswGraph& g = graph_->hnsw;
  std::atomic<size_t> next{0};
  const auto insert = [&] {
    for (size_t i; (i = next.fetch_add(1)) < labels.size();) {
      g.addPoint(codes.data() + i * code_size, labels[i]);
    }
  };
  std::exception_ptr error;
  try {
    if (run && labels.size() > 1) {
      run(insert);
    } else {
      insert();
    }
  } catch (...) {
    error = std::current_exception();  // what was inserted still gets its exact vector
  }
  // Searches never read label_lookup_ (they map slots to labels), and no other writer runs.
  for (size_t i = 0; i < labels.size(); ++i) {
    auto it = g.label_lookup_.find(labels[i]);
    if (it == g.label_lookup_.end()) continue;
    std::copy(units[i]->begin(), units[i]->end(), graph_->exact.begin() + it->second * graph_->dim);
    graph_->MarkReady(it->second);
    ++live_;
  }
  graph_->published.store(g.cur_element_count, std::memory_order_release);
  if (error) std::rethrow_exception(error);
}

Status HnswVectorIndex::Remove(uint64_t label) {
  std::lock_guard writer(insert_mu_);
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
  --live_;
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

namespace {

// A visited list of hnswlib's pool, returned to it on every path.
class VisitedLease {
 public:
  explicit VisitedLease(hnswlib::VisitedListPool* pool)
      : pool_(pool), list_(pool->getFreeVisitedList()) {}
  ~VisitedLease() { pool_->releaseVisitedList(list_); }
  VisitedLease(const VisitedLease&) = delete;
  VisitedLease& operator=(const VisitedLease&) = delete;
  // Marks `slot` visited; false when it already was.
  bool Visit(tableint slot) {
    if (list_->mass[slot] == list_->curV) return false;
    list_->mass[slot] = list_->curV;
    return true;
  }

 private:
  hnswlib::VisitedListPool* pool_;
  hnswlib::VisitedList* list_;
};

using Candidate = std::pair<float, tableint>;  // distance, slot

}  // namespace

// Copies the links of `slot` on `level` into `out`, under the slot's lock (hnswlib's inserts
// change a list only under that lock, so a concurrent batch never shows a half-written list).
void HnswVectorIndex::ReadLinks(tableint slot, int level, std::vector<tableint>* out) const {
  HnswGraph& g = graph_->hnsw;
  std::lock_guard lock(g.link_list_locks_[slot]);
  hnswlib::linklistsizeint* list = level == 0 ? g.get_linklist0(slot) : g.get_linklist(slot, level);
  const auto* links = reinterpret_cast<const tableint*>(list + 1);
  out->assign(links, links + g.getListCount(list));
}

// hnswlib's search (greedy descent through the upper layers, then a best-first walk of the
// bottom layer keeping the `ef` nearest live slots), written here so that it can run beside
// AddBatch's inserts: the entry point is read under hnswlib's `global` mutex and every link list
// under its slot's lock, as hnswlib's own inserts do; a slot reachable through a link has its
// code and label in place. Returns up to `ef` (distance, slot), nearest first.
std::vector<Candidate> HnswVectorIndex::GraphWalk(const char* code, size_t ef) const {
  HnswGraph& g = graph_->hnsw;
  tableint current = 0;
  int top = -1;
  {
    std::lock_guard lock(g.global);
    current = g.enterpoint_node_;
    top = g.maxlevel_;
  }
  if (top < 0) return {};
  const auto distance = [&](tableint slot) {
    return g.fstdistfunc_(code, g.getDataByInternalId(slot), g.dist_func_param_);
  };
  std::vector<tableint> links;
  float current_distance = distance(current);
  for (int level = top; level > 0; --level) {
    for (bool moved = true; moved;) {
      moved = false;
      ReadLinks(current, level, &links);
      for (tableint next : links) {
        const float d = distance(next);
        if (d < current_distance) {
          current_distance = d;
          current = next;
          moved = true;
        }
      }
    }
  }
  VisitedLease visited(g.visited_list_pool_);
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>>
      frontier;                         // nearest on top
  std::priority_queue<Candidate> best;  // the farthest kept on top
  const auto keep = [&](tableint slot, float d) {
    if (g.isMarkedDeleted(slot)) return;
    best.emplace(d, slot);
    if (best.size() > ef) best.pop();
  };
  const auto bound = [&] {
    return best.size() < ef ? std::numeric_limits<float>::max() : best.top().first;
  };
  visited.Visit(current);
  frontier.emplace(current_distance, current);
  keep(current, current_distance);
  while (!frontier.empty()) {
    const auto [d, slot] = frontier.top();
    if (d > bound()) break;
    frontier.pop();
    ReadLinks(slot, 0, &links);
    for (size_t i = 0; i < links.size(); ++i) {
      // The walk is bound by memory latency: fetch the next neighbour's code while this one's
      // distance is computed, as hnswlib's own search does.
      if (i + 1 < links.size()) __builtin_prefetch(g.getDataByInternalId(links[i + 1]));
      const tableint next = links[i];
      if (!visited.Visit(next)) continue;
      const float dn = distance(next);
      if (dn < bound()) {
        frontier.emplace(dn, next);
        keep(next, dn);
      }
    }
  }
  std::vector<Candidate> out(best.size());
  for (size_t i = out.size(); i > 0; --i, best.pop()) out[i - 1] = best.top();
  return out;
}

size_t HnswVectorIndex::EffectiveEf(size_t ef_search, size_t vectors) {
  if (vectors <= kEfScaleFrom) return ef_search;
  const double doublings = std::log2(static_cast<double>(vectors) / kEfScaleFrom);
  const double scaled = std::ceil(static_cast<double>(ef_search) * (1.0 + doublings / 2));
  return static_cast<size_t>(std::min(scaled, static_cast<double>(kMaxEf)));
}

// Walks the graph with the query's code, keeping the EffectiveEf best candidates (at least
// `fetch`), then ranks the best of them by exact similarity: every candidate the codes place
// near the cut-off is re-scored, since their order there is what the codes' small error can swap.
// A slot a concurrent batch has not finished keeps the similarity of its code.
std::vector<VectorHit> HnswVectorIndex::GraphSearch(const Vector& unit, size_t fetch,
                                                    const LabelFilter& filter) const {
  const HnswGraph& g = graph_->hnsw;
  std::vector<char> code(QuantizedSize(unit.size()));
  Quantize(unit.data(), unit.size(), code.data());
  std::vector<std::pair<VectorHit, tableint>> found;
  const size_t ef = std::max(fetch, EffectiveEf(options_.ef_search, live_.load()));
  for (const auto& [distance, slot] : GraphWalk(code.data(), ef)) {
    const uint64_t label = g.getExternalLabel(slot);
    if (filter && !filter(label)) continue;
    found.push_back({{label, ClampSimilarity(1.0f - distance)}, slot});
  }
  const auto better = [](const auto& a, const auto& b) { return BetterHit(a.first, b.first); };
  std::sort(found.begin(), found.end(), better);  // by approximate similarity
  found.resize(std::min(found.size(), fetch + fetch / 4 + kRescoreMargin));
  for (auto& [hit, slot] : found) {
    if (!graph_->Ready(slot)) continue;
    hit.similarity =
        ClampSimilarity(InnerProduct(unit.data(), graph_->ExactVector(slot), dimension_));
  }
  std::sort(found.begin(), found.end(), better);
  std::vector<VectorHit> hits;
  hits.reserve(std::min(found.size(), fetch));
  for (size_t i = 0; i < found.size() && i < fetch; ++i) hits.push_back(found[i].first);
  return hits;
}

std::vector<VectorHit> HnswVectorIndex::FilteredSearch(const Vector& unit, size_t k,
                                                       const LabelFilter& filter) const {
  const size_t live = graph_->published.load(std::memory_order_acquire) - free_slots_.size();
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
  const size_t slots = graph_->published.load(std::memory_order_acquire);
  for (tableint slot = 0; slot < slots; ++slot) {
    if (g.isMarkedDeleted(slot) || !graph_->Ready(slot)) continue;
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
  const size_t slots = graph_->published.load(std::memory_order_acquire);
  const size_t picks = std::min(n, slots);
  for (size_t i = 0; i < picks; ++i) {
    const auto slot = static_cast<tableint>(i * slots / picks);  // spread over every slot
    if (g.isMarkedDeleted(slot) || !graph_->Ready(slot)) continue;
    out.push_back(
        ClampSimilarity(InnerProduct(unit->data(), graph_->ExactVector(slot), dimension_)));
  }
  return out;
}

// label_lookup_ changes under concurrent inserts: read it with the writers held off. (Size()
// keeps its own count, so a metrics scrape never waits for a batch.)
bool HnswVectorIndex::Contains(uint64_t label) const {
  std::lock_guard writer(insert_mu_);
  std::shared_lock lock(mu_);
  return graph_->hnsw.label_lookup_.count(label) > 0;
}

size_t HnswVectorIndex::Size() const { return live_.load(); }

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
    std::lock_guard writer(insert_mu_);  // a batch in progress changes the graph beside searches
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
  g.label_lookup_.reserve(g.cur_element_count);
  for (tableint slot = 0; slot < g.cur_element_count; ++slot) {
    MEMORYD_RETURN_IF_ERROR(ValidateLinks(g, slot));
    graph_->MarkReady(slot);
    if (g.isMarkedDeleted(slot)) {
      free_slots_.push_back(slot);
      ++g.num_deleted_;
    } else if (!g.label_lookup_.emplace(g.getExternalLabel(slot), slot).second) {
      return Corrupt("duplicate label");
    }
  }
  if (g.label_lookup_.size() != expected_live) return Corrupt("vector count differs from header");
  graph_->published.store(g.cur_element_count, std::memory_order_release);
  live_ = g.label_lookup_.size();
  return Status::Ok();
}

}  // namespace memoryd
