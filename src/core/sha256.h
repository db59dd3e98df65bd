// Streaming SHA-256 (OpenSSL EVP) for blob digest verification.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace customs {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  void Update(const void* data, std::size_t size);
  void Update(std::string_view data) { Update(data.data(), data.size()); }
  // Lowercase hex of the digest. Finishes the hash; call once.
  std::string FinishHex();

  static std::string HexOf(std::string_view data);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace customs
