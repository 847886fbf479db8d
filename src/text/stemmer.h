// Stemming with the Snowball stemmers (libstemmer): "painting", "paints" -> "paint".
//
// SnowballStemmer owns one sb_stemmer. libstemmer keeps per-object scratch state, so a
// SnowballStemmer is NOT thread-safe: use it from one thread at a time.
//
// Stemmer is the thread-safe front: it keeps a pool of SnowballStemmers, checks one out per call
// (creating another when all are busy) and returns it afterwards, so concurrent callers never
// share one and the pool never grows beyond the peak concurrency.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

struct sb_stemmer;  // from <libstemmer.h>, kept out of this header

namespace memoryd::text {

class SnowballStemmer {
 public:
  // `language` is a Snowball algorithm name such as "english" or "porter". Returns
  // kInvalidArgument when libstemmer does not know it (or cannot allocate it).
  static Result<SnowballStemmer> Create(const std::string& language);

  // Returns the stem of a lowercase UTF-8 word; on an internal failure (out of memory) or a word
  // too long for the C API, returns the word unchanged.
  std::string Stem(std::string_view word);

 private:
  struct Deleter {
    void operator()(sb_stemmer* stemmer) const;
  };
  explicit SnowballStemmer(std::unique_ptr<sb_stemmer, Deleter> stemmer)
      : stemmer_(std::move(stemmer)) {}

  std::unique_ptr<sb_stemmer, Deleter> stemmer_;
};

class Stemmer {
 public:
  // Returns kInvalidArgument for an unknown language (see SnowballStemmer::Create).
  static Result<std::unique_ptr<Stemmer>> Create(const std::string& language = "english");

  // Prefer Create(); `first` seeds the pool and fixes the language.
  Stemmer(std::string language, SnowballStemmer first);
  Stemmer(const Stemmer&) = delete;
  Stemmer& operator=(const Stemmer&) = delete;

  // Stems one word. Never fails: on any internal failure the word comes back unchanged.
  std::string Stem(std::string_view word) const;
  // Replaces each word by its stem, with a single pool checkout.
  void StemAll(std::vector<std::string>* words) const;

 private:
  // Takes a stemmer from the pool, or makes one; null only if making one failed.
  std::unique_ptr<SnowballStemmer> Acquire() const;
  void Release(std::unique_ptr<SnowballStemmer> stemmer) const;

  const std::string language_;
  mutable std::mutex mu_;
  mutable std::vector<std::unique_ptr<SnowballStemmer>> idle_;  // guarded by mu_
};

}  // namespace memoryd::text
