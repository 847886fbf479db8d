// KeywordIndex: full-text ranking of the memories of one space by the words they share with a
// query. Bm25Index is the in-memory implementation (Okapi BM25 over an inverted index).
//
// Documents are identified by a caller-chosen 64-bit label (the service uses the memory's store
// sequence number, the same label the vector index uses), so hits from both indexes line up.
//
// Thread-safety: every method may be called concurrently. Bm25Index takes a shared lock for
// Search and Size and an exclusive lock for Add and Remove; text analysis happens outside the
// lock. A search filter runs under the shared lock and must not call back into the same index.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "text/analyzer.h"

namespace memoryd {

struct KeywordHit {
  uint64_t label = 0;
  // Raw BM25 score: only comparable within one query.
  float score = 0;
  // score divided by the query's self-score (what a document identical to the query would get
  // against the same statistics), clamped to [0, 1]. Comparable across queries; this is what
  // the fusion step (search/fusion.h) consumes.
  float relative = 0;
};

class KeywordIndex {
 public:
  // Returns true to keep a label in the results. Empty means "keep everything".
  using Filter = std::function<bool(uint64_t label)>;

  virtual ~KeywordIndex() = default;

  // Indexes `text` under `label`, replacing any document already stored under it. Returns a
  // non-OK status only on an implementation failure (never for the in-memory index).
  virtual Status Add(uint64_t label, std::string_view text) = 0;
  // Removes the document stored under `label`; kNotFound when there is none.
  virtual Status Remove(uint64_t label) = 0;
  // Returns up to k documents that share at least one term with `query` and pass `filter`,
  // best first (ties broken by lower label). Empty for k == 0 or a query without terms.
  virtual std::vector<KeywordHit> Search(std::string_view query, size_t k,
                                         const Filter& filter) const = 0;
  // Number of documents stored.
  virtual size_t Size() const = 0;
};

struct Bm25Options {
  // Term-frequency saturation: higher lets repeated words count for more.
  float k1 = 1.2f;
  // Length normalisation: 0 ignores document length, 1 fully normalises by it.
  float b = 0.75f;
};

class Bm25Index final : public KeywordIndex {
 public:
  // REQUIRES: analyzer != nullptr. Documents and queries go through the same analyzer.
  explicit Bm25Index(std::shared_ptr<const text::TextAnalyzer> analyzer, Bm25Options options = {});

  Status Add(uint64_t label, std::string_view text) override;
  Status Remove(uint64_t label) override;
  std::vector<KeywordHit> Search(std::string_view query, size_t k,
                                 const Filter& filter) const override;
  size_t Size() const override;

  // As Search, for query terms that are already analysed (stemmed); a repeated term weighs more.
  std::vector<KeywordHit> SearchTerms(const std::vector<std::string>& terms, size_t k,
                                      const Filter& filter) const;

 private:
  struct Posting {
    uint32_t slot;
    uint16_t tf;      // clamped to 65535
    uint16_t length;  // document length in terms, clamped to 65535
  };
  struct Document {
    uint64_t label = 0;
    uint32_t length = 0;
    std::vector<uint32_t> term_ids;  // distinct terms; emptied on removal
  };
  struct QueryTerm {
    std::string term;
    uint32_t count;
  };
  struct Candidate {
    float score;
    uint64_t label;
  };

  // All below REQUIRE mu_ held (exclusively for the mutators).
  uint32_t InternTerm(const std::string& term);
  void RemoveSlot(uint32_t slot);
  void MaybeCompact();
  std::vector<uint32_t> CompactDocuments();
  void CompactTerms();
  float Idf(uint32_t df) const;
  float TfNorm(float tf, float length, float avg_length) const;
  std::vector<Candidate> TopK(const std::vector<float>& scores, const std::vector<uint32_t>& hits,
                              size_t k, const Filter& filter) const;

  const std::shared_ptr<const text::TextAnalyzer> analyzer_;
  const Bm25Options options_;

  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, uint32_t> term_ids_;
  std::vector<std::vector<Posting>> postings_;  // by term id; may name dead slots
  std::vector<uint32_t> live_df_;               // by term id: live documents containing it
  std::vector<Document> docs_;                  // by slot
  std::vector<uint8_t> live_;                   // by slot
  std::unordered_map<uint64_t, uint32_t> slot_of_;
  uint64_t total_length_ = 0;  // over live documents
  size_t dead_slots_ = 0;
};

}  // namespace memoryd
