// The layout of the compiled lexicon: the table tools/lexicon/compile_wordnet writes at build
// time from WordNet and text/lexicon.cc reads in place, from the bytes linked into the binary.
//
// All integers little-endian; records are byte-aligned and read with memcpy.
//   Header: kMagic, then the u32 fields of LexiconHeader.
//   Lemma table: lemma_slots u32 record offsets (kEmptySlot when unused), open addressing by
//     XXH3_64bits(key) & (slots - 1) with linear probing; slots is a power of two.
//   Lemma record: u8 key length, key bytes (lowercase; two words joined by one space), u8 group
//     count, then per part of speech present: u8 pos letter ('n', 'v', 'a', 'r'), u8 mass (the
//     share of the lemma's tagged uses in this part of speech, 0-255), u8 link count, then per
//     link: u8 LinkKind, u8 weight within the part of speech (0-255), u24 concept id.
//   Exception table: like the lemma table, for irregular forms.
//   Exception record: u8 key length, key bytes, u8 count, then per base form: u8 pos letter,
//     u8 base length, base bytes.
//   Names: concept_count u32 offsets of {u8 length, bytes}, a concept's headword.
#pragma once

#include <cstdint>

namespace memoryd::text {

// How a word reaches a concept. The values are part of the table format.
enum class LinkKind : uint8_t {
  kSynonym = 0,  // the concept is one of the word's own senses
  kBroader = 1,  // a broader term of one of its senses (hypernym, up to three steps)
  kPartOf = 2,   // a whole the sense is part of (part holonym: a city's country)
  kDerived = 3,  // a sense of a related form (pay -> payment, musical -> music)
  kSimilar = 4,  // an adjective's head of similar meaning (huge -> large)
  kGloss = 5,    // a word of the sense's definition (migraine -> headache)
};
inline constexpr int kLinkKindCount = 6;

inline constexpr uint32_t kLexiconMagic = 0x584c444d;  // "MDLX"
inline constexpr uint32_t kLexiconVersion = 2;
inline constexpr uint32_t kEmptySlot = 0xFFFFFFFFu;
inline constexpr uint32_t kMaxConceptId = 0xFFFFFF;

struct LexiconHeader {
  uint32_t magic;
  uint32_t version;
  uint32_t lemma_slots;
  uint32_t lemma_table;  // offset
  uint32_t exception_slots;
  uint32_t exception_table;  // offset
  uint32_t concept_count;
  uint32_t names;  // offset
};

}  // namespace memoryd::text
