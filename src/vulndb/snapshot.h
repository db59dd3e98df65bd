// Signed advisory snapshots: `customs db publish DIR` on one feed host, `customs db update --from URL|DIR --key PUBKEY`
// on every scanner. Each scanner keeps its own local SQLite store; the snapshot is how one built store reaches them,
// verified before it replaces anything.
//
// A snapshot directory (served as is by any web server, or shared as a directory) holds:
//   customs-db-<16 hex of the store digest>.sqlite.zst   the store file, zstd-compressed
//   latest.json                                          the signed metadata, written last and atomically
// latest.json is one JSON object:
//   {"format":"customs.db-snapshot/v1", "schema_version":1, "built_at":"2026-11-28T16:20:00Z",
//    "published_at":"...", "file":"customs-db-0123456789abcdef.sqlite.zst", "size":123,
//    "digest":"sha256:<hex of the compressed file>", "store_size":456, "store_digest":"sha256:<hex of the store>",
//    "key_id":"<16 hex>", "signature":"<base64>"}
// `signature` is Ed25519 (RFC 8032) over the UTF-8 bytes of the same object without "signature", serialized with keys
// sorted and no whitespace (the RFC 8785 canonical form for a document of strings and integers). A verifier checks the
// signature over the object exactly as received (minus "signature"), so fields a newer publisher adds stay covered.
// `key_id` is the first 16 hex digits of SHA-256 over the raw 32-byte public key; it names the key, it proves nothing.
//
// A snapshot is identified by its store digest: the server keys scan results by (manifest digest, store digest).
//
// Keys are PEM files as OpenSSL writes them:
//   openssl genpkey -algorithm ed25519 -out snapshot.key
//   openssl pkey -in snapshot.key -pubout -out snapshot.pub
//
// Thread safety: free functions; PublishSnapshot and UpdateFromSnapshot take the store's writer lock where they write.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "vulndb/store.h"

namespace customs::vulndb {

inline constexpr std::string_view kSnapshotFormat = "customs.db-snapshot/v1";
inline constexpr std::string_view kSnapshotMetadataFile = "latest.json";
// The largest latest.json accepted: it is a few hundred bytes.
inline constexpr std::size_t kMaxSnapshotMetadataSize = std::size_t{64} * 1024;

struct SnapshotMetadata {
  std::string format;
  int schema_version = 0;
  std::string built_at;  // RFC 3339, when the store was built from the feeds
  std::string published_at;
  std::string file;  // a plain file name in the snapshot directory
  std::int64_t size = 0;
  std::string digest;  // "sha256:<hex>" of `file`
  std::int64_t store_size = 0;
  std::string store_digest;  // "sha256:<hex>" of the decompressed store
  std::string key_id;
  std::string signature;  // base64
};

// Parses latest.json and checks its shape: every field present with its type, `file` a plain name, digests
// "sha256:<64 hex>", sizes positive. Does not check the signature. kCorrupt otherwise.
[[nodiscard]] Result<SnapshotMetadata> ParseSnapshotMetadata(std::string_view json);

// Parses `json` and verifies its signature with the Ed25519 public key in `public_key_pem`. kPermission when the
// signature does not verify (a tampered document, or another key), kInvalidArgument when the key is not an Ed25519
// public key, kCorrupt when the document is malformed.
[[nodiscard]] Result<SnapshotMetadata> VerifySnapshotMetadata(std::string_view json, std::string_view public_key_pem);

// "sha256:<hex>" of a file's content. kIo/kNotFound.
[[nodiscard]] Result<std::string> FileDigest(const std::filesystem::path& path);

// The refusal message when a snapshot built at `built_at` is older than `max_age` at `now` (nullopt when it is not,
// or when max_age is zero: no limit). `what` names the snapshot ("the snapshot at URL", "the local store PATH");
// `remedy` says what to do about it. A build time that does not parse is refused too.
std::optional<std::string> SnapshotTooOld(std::string_view built_at, std::chrono::seconds max_age,
                                          std::string_view what, std::string_view remedy,
                                          std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

struct PublishOptions {
  std::filesystem::path db_path;      // the store to publish (empty: DefaultStorePath())
  std::filesystem::path out_dir;      // the snapshot directory; created when missing
  std::filesystem::path private_key;  // PEM Ed25519 private key
  int compression_level = 10;         // zstd
  std::chrono::milliseconds lock_timeout{std::chrono::seconds(60)};
};

// Writes the compressed store under its content name, then latest.json (atomically, last), then removes snapshot
// files older than the one latest.json named before (a reader that fetched the previous latest.json can still
// download its file). The store is read under its writer lock, so it cannot be swapped mid-read. Errors: kNotFound
// (no store), kInvalidArgument (not an Ed25519 private key), kIo.
[[nodiscard]] Result<SnapshotMetadata> PublishSnapshot(const PublishOptions& options);

struct SnapshotUpdateOptions {
  std::string from;                  // a directory, or an http(s):// or file:// URL of the snapshot directory
  std::filesystem::path public_key;  // PEM Ed25519 public key
  std::filesystem::path db_path;     // empty: DefaultStorePath()
  std::chrono::seconds max_age{0};   // refuse snapshots built longer ago than this; 0: no limit
  std::chrono::milliseconds lock_timeout{std::chrono::seconds(60)};
  std::chrono::milliseconds timeout{std::chrono::seconds(300)};  // per download
  std::string ca_bundle;
};

struct SnapshotUpdateResult {
  SnapshotMetadata metadata;
  bool replaced = false;  // false: the local store already was this snapshot
  StoreInfo store;
};

// Fetches latest.json, verifies its signature, its schema version and its age, then (unless the local store already
// has this store digest) downloads the file, checks its size and digest, decompresses it (never past store_size),
// checks the store digest, opens it as a store, and renames it over the local store under the writer lock. The
// verified latest.json is kept beside the store as "<db>.snapshot.json". Any failure leaves the previous store in
// place and no temporary behind. Errors: kPermission (bad signature or wrong key), kCorrupt (digest, size or
// decompression), kUnsupported (another schema version, or older than max_age; the message says what to do),
// kNetwork, kNotFound, kIo, kCancelled (writer lock).
[[nodiscard]] Result<SnapshotUpdateResult> UpdateFromSnapshot(const SnapshotUpdateOptions& options);

}  // namespace customs::vulndb
