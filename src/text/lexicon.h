// Lexicon: the lexical-semantic table compiled from WordNet 3.0 at build time and linked into the
// binary (layout: lexicon_format.h; compiler: tools/lexicon/compile_wordnet.cc), read in place.
//
// A word reaches concepts (WordNet synsets, numbered densely) through its senses, their broader
// terms, the wholes they are part of, related forms and similar adjectives; each link carries a
// weight in (0, 1] that already accounts for how common the sense is among the word's uses (an
// ambiguous word spreads its weight) and how far the link goes. Inflected words are reduced to
// their lemmas the way WordNet's morphy does (irregular forms first, then suffix rules per part
// of speech), and only the parts of speech a form can have are used: "booked" reaches the verb
// "book" (reserve), never the noun.
//
// Thread-safety: immutable; safe to share between threads.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "text/lexicon_format.h"

namespace memoryd::text {

struct ConceptLink {
  uint32_t concept_id = 0;
  float weight = 0;  // in (0, 1]
  LinkKind kind = LinkKind::kSynonym;
};

class Lexicon {
 public:
  // The table linked into the binary. Never fails: the build checks it.
  static const Lexicon& BuiltIn();
  // Reads a table from `bytes`, which must outlive the lexicon. kInvalidArgument when the header
  // or the table bounds are wrong.
  static Result<Lexicon> FromBytes(std::span<const uint8_t> bytes);

  // Appends the concepts `word` (lowercase, one word) reaches. Weights from several parts of
  // speech are renormalised over the ones the form can have. Appends nothing for unknown words.
  void Lookup(std::string_view word, std::vector<ConceptLink>* out) const;
  // Appends the concepts of a two-word lemma ("ice cream", "new york"); exact forms only.
  void LookupPhrase(std::string_view first, std::string_view second,
                    std::vector<ConceptLink>* out) const;

  // Appends the lemmas an irregular form reduces to ("lent" -> "lend", "children" -> "child"),
  // from WordNet's exception lists; nothing for regular words.
  void IrregularBases(std::string_view word, std::vector<std::string>* out) const;

  // A concept's headword ("musical instrument"); empty for an unknown id.
  std::string_view ConceptName(uint32_t concept_id) const;
  size_t ConceptCount() const { return header_.concept_count; }
  // Size of the table in bytes, and a digest of its contents (XXH3, hex): what analysis and
  // embeddings derived from it depend on.
  size_t SizeBytes() const { return bytes_.size(); }
  const std::string& Digest() const { return digest_; }
  // The table itself (for tests that damage a copy).
  std::string_view RawBytes() const {
    return {reinterpret_cast<const char*>(bytes_.data()), bytes_.size()};
  }

  static std::string_view LinkKindName(LinkKind kind);

 private:
  Lexicon(std::span<const uint8_t> bytes, const LexiconHeader& header, std::string digest)
      : bytes_(bytes), header_(header), digest_(std::move(digest)) {}

  struct Group {
    char pos;
    float mass;
    size_t links;  // offset of the first link
    uint8_t count;
    uint32_t record;  // the lemma it belongs to
  };
  // Offset of the record for `key` in a table, or kEmptySlot.
  uint32_t Find(uint32_t table, uint32_t slots, std::string_view key) const;
  std::vector<Group> GroupsOf(uint32_t record) const;
  void BaseGroups(std::string_view word, char pos, std::vector<Group>* out) const;
  // The base forms (with their part of speech) the exception lists give for `word`.
  std::vector<std::pair<char, std::string_view>> ExceptionBases(std::string_view word) const;
  void AppendGroups(const std::vector<Group>& groups, std::vector<ConceptLink>* out) const;

  std::span<const uint8_t> bytes_;
  LexiconHeader header_;
  std::string digest_;
};

}  // namespace memoryd::text
