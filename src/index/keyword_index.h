// KeywordIndex: full-text ranking of the memories of one space by the words they share with a
// query. Bm25Index is the in-memory implementation.
//
// Documents are identified by a caller-chosen 64-bit label. The service uses the memory's store
// sequence number, which is also the vector index label, so hits from both indexes line up, and
// which grows in write order, which Bm25Index uses for neighbour context (below).
//
// Bm25Index ranks by Okapi BM25 over an inverted index (idf in the "plus one" form, so it is
// always positive), with three additions, each switchable in Bm25Options:
//  - Concepts: queries and documents also match on WordNet concept pseudo-terms
//    (text/semantic.h), so "automobile" reaches "car". A query word counts once per document:
//    by itself when the document has it, else through its best concept, at concept_weight times
//    the link weight. So a word WordNet knows weighs no more than a name it does not, and a
//    memory found only through concepts gets partial credit: concepts are not part of the
//    query's self-score.
//  - Pseudo-relevance feedback: the most telling words of the best few matches are added to the
//    query at a reduced weight, which finds paraphrases of what the first pass found.
//  - Neighbour context: a memory receives a share of the score of the memory written just before
//    it and just after it (adjacent labels among the live documents). Conversational memories
//    answer the memory before them ("How are your pets?" / "We got another cat"), and notes
//    written together tend to belong together. Set both weights to 0 for spaces of unrelated
//    facts or when labels do not follow write order.
//
// A search filter decides which documents are returned; documents it rejects still lend context
// and feedback words to the others, so remove deleted or expired memories from the index rather
// than relying on the filter alone.
//
// Thread-safety: every method may be called concurrently. Bm25Index takes a shared lock for
// Search and Size and an exclusive lock for Add and Remove; text analysis happens outside the
// lock. A search filter runs under the shared lock and must not call back into the same index.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/status.h"
#include "index/index_file.h"
#include "index/term_pool.h"
#include "text/analyzer.h"

namespace memoryd {

struct KeywordHit {
  uint64_t label = 0;
  // Raw score: only comparable within one query.
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
  // Returns up to k documents that match `query` and pass `filter`, best first (ties broken by
  // lower label). Empty for k == 0 or a query without terms. Never fails.
  virtual std::vector<KeywordHit> Search(std::string_view query, size_t k,
                                         const Filter& filter) const = 0;
  // Number of documents stored.
  virtual size_t Size() const = 0;
};

struct Bm25Options {
  // Term-frequency saturation: higher lets repeated words count for more.
  float k1 = 1.2f;
  // Length normalisation: 0 ignores document length, 1 fully normalises by it.
  float b = 0.5f;
  // Weight of a query's concept pseudo-terms (times their link weight) relative to its words;
  // 0 disables concepts at search.
  float concept_weight = 0.6f;
  // Pseudo-relevance feedback: how many top documents to mine (0 disables), how many words to
  // add, and their total weight relative to the query's own words.
  size_t feedback_documents = 3;
  size_t feedback_terms = 10;
  float feedback_weight = 0.3f;
  // Neighbour context: a memory receives previous_context_weight times the score of the memory
  // just before it and next_context_weight times the score of the memory just after it, scaled
  // by how much the write order means in this index (ContextStrength()).
  float previous_context_weight = 0.5f;
  float next_context_weight = 0.2f;
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
  // Whether a document is stored under `label`. Never fails.
  bool Contains(uint64_t label) const;

  // How much neighbour context applies, in [0, 1]. Write order carries meaning when documents
  // written one after the other share more of their terms than documents picked at random (a
  // conversation, a session's notes); in a space of unrelated facts it does not, and context
  // would only lend an unrelated memory part of its neighbour's score. The strength is 0 until
  // kContextMinPairs documents have been compared, 1 when adjacent documents overlap at least
  // 1.5 times as much as random pairs, and in between from 1.1 times.
  float ContextStrength() const;
  static constexpr uint64_t kContextMinPairs = 30;

  // As Search, for a query that is already analysed.
  std::vector<KeywordHit> SearchAnalyzed(const text::Analysis& query, size_t k,
                                         const Filter& filter) const;

  // Persistence (keyword_index_file.cc). SaveTo appends the term dictionary, every slot's
  // document (label, length, term counts; removed ones as empty slots) and the context
  // statistics; postings, document frequencies and neighbour links are derived again on load, so
  // the loaded index is an exact replica and the file stays compact and self-consistent.
  // SaveTo may throw std::bad_alloc (PayloadBuffer). LoadFrom reads what SaveTo wrote, for the
  // same analyzer; kInternal when the payload is truncated or inconsistent.
  void SaveTo(PayloadBuffer* out) const;
  static Result<std::unique_ptr<Bm25Index>> LoadFrom(
      IndexFileReader* in, std::shared_ptr<const text::TextAnalyzer> analyzer,
      Bm25Options options = {});

 private:
  static constexpr uint32_t kNone = 0xFFFFFFFF;

  struct Posting {
    uint32_t slot;
    uint16_t tf;      // clamped to 65535
    uint16_t length;  // document length in words, clamped to 65535
  };
  struct TermCount {
    uint32_t id;
    uint16_t tf;
  };
  // Cold per-document data, read only by feedback and removal.
  struct Document {
    uint32_t length = 0;  // terms (irregular forms count their lemma too), not concepts
    uint32_t count = 0;   // distinct terms, at `offset` in terms_; 0 once removed
    uint64_t offset = 0;
  };
  // Live neighbours in label order, kNone at either end.
  struct Links {
    uint32_t previous = kNone;
    uint32_t next = kNone;
  };
  struct QueryTerm {
    uint32_t id;  // kNone when the index has never seen the term
    float weight;
    float count;            // occurrences in the query
    bool expansion;         // a concept or feedback term: not part of the query's self-score
    uint32_t word = kNone;  // a concept: the index (in the resolved query) of its word
  };
  // Per-search scratch: scores by slot, and the slots that have one (in first-hit order).
  // Each thread keeps one and reuses it (Lease), so a search neither allocates nor zeroes an
  // array the size of the index: only the slots it touched are reset afterwards.
  struct Scores {
    explicit Scores(size_t slots);
    std::span<const uint32_t> Hits() const { return {hits.get(), hit_count}; }

    std::vector<float> by_slot;        // 0 for documents without a match
    std::unique_ptr<uint32_t[]> hits;  // room for every slot; the first hit_count are valid
    size_t hit_count = 0;
    std::vector<uint8_t> seen;  // Candidates' marks, all 0 between uses
    // AccumulateWord's marks of the documents that have the word: the slot holds the word's
    // stamp (NextStamp), so marks never need clearing.
    std::vector<uint32_t> has_word;
    uint32_t stamp = 0;
    uint32_t NextStamp();
    // AccumulateWord's best concept score per slot, and the slots that have one; all 0 and
    // empty between uses.
    std::vector<float> best;
    std::vector<uint32_t> best_slots;
  };
  // This thread's scratch with room for `slots`, all scores 0; cleaned when the lease ends.
  class ScoresLease {
   public:
    explicit ScoresLease(size_t slots);
    ~ScoresLease();
    ScoresLease(const ScoresLease&) = delete;
    ScoresLease& operator=(const ScoresLease&) = delete;
    Scores& get() { return *scores_; }

   private:
    Scores* scores_;
    int exceptions_ = 0;  // std::uncaught_exceptions() when the lease began
  };

  // Occurrences of each distinct string, in sorted order.
  static std::vector<std::pair<std::string, size_t>> CountStrings(std::vector<std::string> items);

  std::span<const TermCount> TermsOf(uint32_t slot) const {
    return terms_.Range(docs_[slot].offset, docs_[slot].count);
  }

  // Mutators; REQUIRE mu_ held exclusively (keyword_index.cc).
  uint32_t InternTerm(const std::string& term);
  void LinkNeighbours(uint32_t slot, std::map<uint64_t, uint32_t>::iterator position);
  void NoteOverlap(uint32_t slot);
  float Overlap(uint32_t a, uint32_t b) const;
  float ContextStrengthLocked() const;
  void UnlinkNeighbours(uint32_t slot);
  void RemoveSlot(uint32_t slot);
  void MaybeCompact();
  std::vector<uint32_t> CompactDocuments();
  void CompactTerms();
  // Loading steps (keyword_index_file.cc); the index is not shared yet.
  struct LoadScratch {
    std::vector<uint32_t> last_slot;  // by term id: the last slot listing it (a term twice)
    std::vector<uint32_t> ids;        // the document being read
    std::vector<uint16_t> tfs;
  };
  Status ReadTerms(IndexFileReader* in, std::vector<std::string>* terms);
  Status InternLoadedTerms(std::vector<std::string> terms);
  Status ReadDocuments(IndexFileReader* in);
  Status ReadDocument(IndexFileReader* in, uint32_t slot, LoadScratch* scratch);
  void FillPostings(uint32_t first, uint32_t end);
  void LinkAllInLabelOrder();

  // Search steps; REQUIRE mu_ held at least shared (keyword_index_search.cc).
  std::vector<QueryTerm> ResolveQuery(const text::Analysis& query) const;
  float Idf(uint32_t id) const;
  bool IsTooCommon(uint32_t id, float max_fraction) const;
  float TfNorm(float tf, float length, float avg_length) const;
  // Adds the term's BM25 contributions; lists the slots in `touched` when given, and sets
  // has_word[slot] = `stamp` when non-zero.
  void Accumulate(const QueryTerm& term, float avg_length, Scores* scores,
                  std::vector<uint32_t>* touched, uint32_t stamp = 0) const;
  void AccumulateWord(const QueryTerm& word, std::span<const QueryTerm> concepts, float avg_length,
                      Scores* scores) const;
  float SelfScore(const std::vector<QueryTerm>& query, float query_length, float avg_length) const;
  std::vector<uint32_t> BestSlots(const Scores& scores, size_t m) const;
  std::vector<QueryTerm> FeedbackTerms(const std::vector<QueryTerm>& query, const Scores& scores,
                                       const std::vector<uint32_t>& leaders,
                                       float query_length) const;
  bool UsesContext() const;
  float FinalScore(const Scores& scores, uint32_t slot) const;
  std::vector<uint32_t> Candidates(const std::vector<uint32_t>& leaders,
                                   const std::vector<uint32_t>& boosted,
                                   std::vector<uint8_t>* seen) const;
  std::vector<KeywordHit> Rank(Scores& scores, std::vector<uint32_t> leaders,
                               const std::vector<uint32_t>& boosted, size_t k, const Filter& filter,
                               float self_score) const;

  const std::shared_ptr<const text::TextAnalyzer> analyzer_;
  const Bm25Options options_;

  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, uint32_t> term_ids_;
  std::vector<std::vector<Posting>> postings_;  // by term id; may name dead slots
  std::vector<uint32_t> live_df_;               // by term id: live documents containing it
  std::vector<uint8_t> is_concept_;             // by term id: a "#<concept>" pseudo-term
  // Per slot (in insertion order). The hot fields used for every hit of a search sit in their
  // own dense arrays; the cold ones in docs_.
  std::vector<uint64_t> labels_;
  std::vector<Links> links_;
  std::vector<uint8_t> live_;
  std::vector<Document> docs_;
  TermPool<TermCount> terms_;  // every document's distinct terms, in docs_ order of writing
  std::map<uint64_t, uint32_t> slot_of_;  // live labels, ordered for neighbour links
  uint64_t total_length_ = 0;             // over live documents
  // Term overlap of documents appended after their predecessor, and of the same documents with
  // an earlier one picked at random (for ContextStrength).
  double adjacent_overlap_ = 0;
  double random_overlap_ = 0;
  uint64_t overlap_pairs_ = 0;
  size_t dead_slots_ = 0;
};

}  // namespace memoryd
