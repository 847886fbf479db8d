#include "text/stemmer.h"

#include <libstemmer.h>

#include <limits>
#include <utility>

namespace memoryd::text {

void SnowballStemmer::Deleter::operator()(sb_stemmer* stemmer) const { sb_stemmer_delete(stemmer); }

Result<SnowballStemmer> SnowballStemmer::Create(const std::string& language) {
  std::unique_ptr<sb_stemmer, Deleter> stemmer(sb_stemmer_new(language.c_str(), "UTF_8"));
  if (stemmer == nullptr) {
    return Status::InvalidArgument("no Snowball stemmer for language '" + language + "'");
  }
  return SnowballStemmer(std::move(stemmer));
}

std::string SnowballStemmer::Stem(std::string_view word) {
  if (word.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return std::string(word);
  }
  const sb_symbol* stem =
      sb_stemmer_stem(stemmer_.get(), reinterpret_cast<const sb_symbol*>(word.data()),
                      static_cast<int>(word.size()));
  if (stem == nullptr) return std::string(word);
  const int length = sb_stemmer_length(stemmer_.get());
  return std::string(reinterpret_cast<const char*>(stem), static_cast<size_t>(length));
}

Result<std::unique_ptr<Stemmer>> Stemmer::Create(const std::string& language) {
  MEMORYD_ASSIGN_OR_RETURN(SnowballStemmer first, SnowballStemmer::Create(language));
  return std::make_unique<Stemmer>(language, std::move(first));
}

Stemmer::Stemmer(std::string language, SnowballStemmer first) : language_(std::move(language)) {
  idle_.push_back(std::make_unique<SnowballStemmer>(std::move(first)));
}

std::unique_ptr<SnowballStemmer> Stemmer::Acquire() const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      std::unique_ptr<SnowballStemmer> stemmer = std::move(idle_.back());
      idle_.pop_back();
      return stemmer;
    }
  }
  Result<SnowballStemmer> made = SnowballStemmer::Create(language_);
  if (!made.ok()) return nullptr;
  return std::make_unique<SnowballStemmer>(std::move(made).value());
}

void Stemmer::Release(std::unique_ptr<SnowballStemmer> stemmer) const {
  if (stemmer == nullptr) return;
  std::lock_guard<std::mutex> lock(mu_);
  idle_.push_back(std::move(stemmer));
}

std::string Stemmer::Stem(std::string_view word) const {
  std::unique_ptr<SnowballStemmer> stemmer = Acquire();
  if (stemmer == nullptr) return std::string(word);
  std::string stem = stemmer->Stem(word);
  Release(std::move(stemmer));
  return stem;
}

void Stemmer::StemAll(std::vector<std::string>* words) const {
  std::unique_ptr<SnowballStemmer> stemmer = Acquire();
  if (stemmer == nullptr) return;
  for (std::string& word : *words) word = stemmer->Stem(word);
  Release(std::move(stemmer));
}

}  // namespace memoryd::text
