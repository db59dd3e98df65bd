// Signed snapshots: publish, verify, refuse what was altered, and never lose the store in use.
#include "vulndb/snapshot.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sqlite3.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/file_util.h"
#include "vulndb/importer.h"

namespace customs::vulndb {
namespace {

namespace fs = std::filesystem;

const fs::path kFeeds = fs::path(CUSTOMS_SOURCE_DIR) / "data" / "advisories";

// Writes an Ed25519 (or RSA) key pair as PEM files, as `openssl genpkey` + `openssl pkey -pubout` would.
void WriteKeyPair(const fs::path& private_path, const fs::path& public_path, const char* type = "ED25519") {
  EVP_PKEY* key = std::string(type) == "RSA" ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048})
                                             : EVP_PKEY_Q_keygen(nullptr, nullptr, type);
  ASSERT_NE(key, nullptr);
  BIO* out = BIO_new_file(private_path.c_str(), "w");
  ASSERT_EQ(PEM_write_bio_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr), 1);
  BIO_free(out);
  out = BIO_new_file(public_path.c_str(), "w");
  ASSERT_EQ(PEM_write_bio_PUBKEY(out, key), 1);
  BIO_free(out);
  EVP_PKEY_free(key);
}

std::vector<std::string> Names(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

class SnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create("snapshot-test");
    ASSERT_TRUE(dir);
    dir_ = std::make_unique<TempDir>(std::move(*dir));
    WriteKeyPair(root() / "signing.key", root() / "signing.pub");
    WriteKeyPair(root() / "other.key", root() / "other.pub");
    // The feed host's store: every sample feed. The scanner's store: only the KEV list (another store digest).
    DiagnosticsCollector diagnostics;
    ASSERT_TRUE(ImportFeeds({kFeeds}, {feed_db(), std::chrono::seconds(5)}, diagnostics));
    ASSERT_TRUE(ImportFeeds({kFeeds / "known_exploited_vulnerabilities.json.gz"}, {local_db(), std::chrono::seconds(5)},
                            diagnostics));
  }

  fs::path root() const { return dir_->path(); }
  fs::path feed_db() const { return root() / "feed" / "customs.db"; }
  fs::path local_db() const { return root() / "local" / "customs.db"; }
  fs::path published() const { return root() / "published"; }

  Result<SnapshotMetadata> Publish(const fs::path& db) {
    PublishOptions options;
    options.db_path = db;
    options.out_dir = published();
    options.private_key = root() / "signing.key";
    options.compression_level = 3;
    return PublishSnapshot(options);
  }

  Result<SnapshotUpdateResult> Update(std::string from, const fs::path& key, std::chrono::seconds max_age = {}) {
    SnapshotUpdateOptions options;
    options.from = std::move(from);
    options.public_key = key;
    options.db_path = local_db();
    options.max_age = max_age;
    return UpdateFromSnapshot(options);
  }

  // The local store is still the KEV-only one, and nothing else was left beside it.
  void ExpectLocalStoreUnchanged(const std::string& digest_before) {
    auto digest = FileDigest(local_db());
    ASSERT_TRUE(digest);
    EXPECT_EQ(*digest, digest_before);
    EXPECT_EQ(Names(local_db().parent_path()), (std::vector<std::string>{"customs.db", "customs.db.lock"}));
    auto store = Store::Open(local_db());
    ASSERT_TRUE(store);
  }

  std::unique_ptr<TempDir> dir_;
};

TEST_F(SnapshotTest, PublishThenUpdateReplacesTheStoreAndKeepsTheMetadata) {
  auto m = Publish(feed_db());
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->format, kSnapshotFormat);
  EXPECT_EQ(m->schema_version, kSchemaVersion);
  EXPECT_EQ(m->store_digest, *FileDigest(feed_db()));
  EXPECT_EQ(m->digest, *FileDigest(published() / m->file));
  EXPECT_LT(m->size, m->store_size);
  EXPECT_EQ(Names(published()), (std::vector<std::string>{m->file, "latest.json"}));

  auto result = Update(published().string(), root() / "signing.pub");
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_TRUE(result->replaced);
  EXPECT_EQ(*FileDigest(local_db()), m->store_digest);
  EXPECT_GT(result->store.vulnerabilities, 1000);
  auto kept = ReadFile(local_db().string() + ".snapshot.json");
  ASSERT_TRUE(kept);
  auto reverified = VerifySnapshotMetadata(*kept, *ReadFile(root() / "signing.pub"));
  ASSERT_TRUE(reverified) << reverified.error().message();
  EXPECT_EQ(reverified->store_digest, m->store_digest);

  // The same snapshot again: nothing to download, nothing replaced.
  auto again = Update("file://" + published().string(), root() / "signing.pub");
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_FALSE(again->replaced);
}

TEST_F(SnapshotTest, RepublishingKeepsThePreviousFileForReadersMidDownload) {
  auto first = Publish(local_db());
  ASSERT_TRUE(first);
  auto second = Publish(feed_db());
  ASSERT_TRUE(second);
  EXPECT_EQ(Names(published()).size(), 3u);
  auto third = Publish(local_db());
  ASSERT_TRUE(third);
  // latest.json, the current file (== the first) and the one latest.json named before (the second).
  std::vector<std::string> expected = {"latest.json", first->file, second->file};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(Names(published()), expected);
}

TEST_F(SnapshotTest, TamperedFileIsRefusedAndTheOldStoreStays) {
  std::string before = *FileDigest(local_db());
  auto m = Publish(feed_db());
  ASSERT_TRUE(m);
  fs::path file = published() / m->file;
  std::string content = *ReadFile(file);
  content[content.size() / 2] ^= 0x01;
  ASSERT_TRUE(WriteFileAtomic(file, content));
  auto result = Update(published().string(), root() / "signing.pub");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(result.error().message().find("altered or truncated"), std::string::npos) << result.error().message();
  ExpectLocalStoreUnchanged(before);

  // Truncated to half: refused the same way.
  ASSERT_TRUE(WriteFileAtomic(file, content.substr(0, content.size() / 2)));
  result = Update(published().string(), root() / "signing.pub");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kCorrupt);
  ExpectLocalStoreUnchanged(before);
}

TEST_F(SnapshotTest, TamperedMetadataOrWrongKeyIsRefused) {
  std::string before = *FileDigest(local_db());
  auto m = Publish(feed_db());
  ASSERT_TRUE(m);
  fs::path latest = published() / "latest.json";
  std::string original = *ReadFile(latest);

  auto wrong_key = Update(published().string(), root() / "other.pub");
  ASSERT_FALSE(wrong_key);
  EXPECT_EQ(wrong_key.error().code(), ErrorCode::kPermission);
  EXPECT_NE(wrong_key.error().message().find("signed with another key"), std::string::npos);
  EXPECT_NE(wrong_key.error().message().find("(it names key " + m->key_id + ")"), std::string::npos)
      << wrong_key.error().message();
  ExpectLocalStoreUnchanged(before);

  // A newer build time, a field added after signing, a removed signature: all refused.
  auto edit = [&](auto change) {
    nlohmann::json j = nlohmann::json::parse(original);
    change(j);
    ASSERT_TRUE(WriteFileAtomic(latest, j.dump()));
    auto result = Update(published().string(), root() / "signing.pub");
    ASSERT_FALSE(result) << j.dump();
    EXPECT_TRUE(result.error().code() == ErrorCode::kPermission || result.error().code() == ErrorCode::kCorrupt)
        << result.error().ToString();
    ExpectLocalStoreUnchanged(before);
  };
  edit([](nlohmann::json& j) { j["built_at"] = "2099-01-01T00:00:00Z"; });
  edit([](nlohmann::json& j) { j["mirror"] = "http://evil.example"; });
  edit([](nlohmann::json& j) { j.erase("signature"); });
  edit([](nlohmann::json& j) { j["signature"] = "AAAA"; });
  edit([](nlohmann::json& j) { j["file"] = "../customs.db"; });

  // Reformatting (whitespace, key order) is not tampering: the signature covers the canonical form.
  nlohmann::json j = nlohmann::json::parse(original);
  ASSERT_TRUE(WriteFileAtomic(latest, j.dump(7)));
  auto reformatted = Update(published().string(), root() / "signing.pub");
  EXPECT_TRUE(reformatted) << reformatted.error().message();
}

TEST_F(SnapshotTest, OldSnapshotIsRefusedWithWhatToDo) {
  std::string before = *FileDigest(local_db());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(feed_db().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE meta SET value = '2020-01-01T00:00:00Z' WHERE key = 'built_at'", nullptr, nullptr,
                         nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  ASSERT_TRUE(Publish(feed_db()));
  auto result = Update(published().string(), root() / "signing.pub", std::chrono::hours(72));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kUnsupported);
  const std::string& message = result.error().message();
  EXPECT_NE(message.find("was built at 2020-01-01T00:00:00Z"), std::string::npos) << message;
  EXPECT_NE(message.find("older than the maximum age of 3.0 days"), std::string::npos) << message;
  EXPECT_NE(message.find("customs db publish"), std::string::npos) << message;
  EXPECT_NE(message.find("--max-db-age"), std::string::npos) << message;
  ExpectLocalStoreUnchanged(before);
  // Without a limit it is accepted.
  EXPECT_TRUE(Update(published().string(), root() / "signing.pub"));
}

TEST_F(SnapshotTest, ForgedSizesCannotInflateOrSwapTheStore) {
  // A publisher key that signs a wrong store_size (smaller than the real store): decompression stops at the limit.
  std::string before = *FileDigest(local_db());
  auto m = Publish(feed_db());
  ASSERT_TRUE(m);
  nlohmann::json j = nlohmann::json::parse(*ReadFile(published() / "latest.json"));
  j.erase("signature");
  j["store_size"] = 4096;
  EVP_PKEY* key = nullptr;
  BIO* in = BIO_new_file((root() / "signing.key").c_str(), "r");
  key = PEM_read_bio_PrivateKey(in, nullptr, nullptr, nullptr);
  BIO_free(in);
  ASSERT_NE(key, nullptr);
  std::string message = j.dump();
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned char signature[64];
  std::size_t size = sizeof(signature);
  ASSERT_EQ(EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key), 1);
  ASSERT_EQ(
      EVP_DigestSign(ctx, signature, &size, reinterpret_cast<const unsigned char*>(message.data()), message.size()), 1);
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  unsigned char encoded[128];
  int n = EVP_EncodeBlock(encoded, signature, static_cast<int>(size));
  j["signature"] = std::string(reinterpret_cast<char*>(encoded), static_cast<std::size_t>(n));
  ASSERT_TRUE(WriteFileAtomic(published() / "latest.json", j.dump()));
  auto result = Update(published().string(), root() / "signing.pub");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(result.error().message().find("inflates past its declared 4096 bytes"), std::string::npos)
      << result.error().message();
  ExpectLocalStoreUnchanged(before);
}

TEST_F(SnapshotTest, KeysMustBeEd25519AndMissingSourcesAreClear) {
  WriteKeyPair(root() / "rsa.key", root() / "rsa.pub", "RSA");
  PublishOptions options;
  options.db_path = feed_db();
  options.out_dir = published();
  options.private_key = root() / "rsa.key";
  auto published_rsa = PublishSnapshot(options);
  ASSERT_FALSE(published_rsa);
  EXPECT_EQ(published_rsa.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(published_rsa.error().message().find("not an Ed25519 private key"), std::string::npos);
  options.private_key = root() / "signing.pub";  // a public key where the private one belongs
  EXPECT_FALSE(PublishSnapshot(options));

  ASSERT_TRUE(Publish(feed_db()));
  auto rsa = Update(published().string(), root() / "rsa.pub");
  ASSERT_FALSE(rsa);
  EXPECT_EQ(rsa.error().code(), ErrorCode::kInvalidArgument);

  auto missing = Update((root() / "nowhere").string(), root() / "signing.pub");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  auto dead = Update("http://127.0.0.1:9/snapshots", root() / "signing.pub");
  ASSERT_FALSE(dead);
  EXPECT_EQ(dead.error().code(), ErrorCode::kNetwork);
}

TEST(SnapshotMetadataTest, ShapeIsChecked) {
  const char* valid =
      R"({"format":"customs.db-snapshot/v1","schema_version":1,"built_at":"b","published_at":"p",)"
      R"("file":"customs-db-0123456789abcdef.sqlite.zst","size":1,)"
      R"("digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","store_size":2,)"
      R"("store_digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111",)"
      R"("key_id":"k","signature":"s"})";
  EXPECT_TRUE(ParseSnapshotMetadata(valid));
  nlohmann::json base = nlohmann::json::parse(valid);
  std::vector<std::pair<std::string, nlohmann::json>> bad = {
      {"format", "other/v1"},  {"schema_version", "1"}, {"size", -1},        {"size", 0},
      {"digest", "sha256:00"}, {"file", "../x"},        {"file", "a/b.zst"}, {"store_digest", "md5:x"},
      {"signature", nullptr},  {"built_at", 5},
  };
  for (const auto& [key, value] : bad) {
    nlohmann::json j = base;
    if (value.is_null()) {
      j.erase(key);
    } else {
      j[key] = value;
    }
    auto parsed = ParseSnapshotMetadata(j.dump());
    EXPECT_FALSE(parsed) << j.dump();
    if (!parsed) {
      EXPECT_EQ(parsed.error().code(), ErrorCode::kCorrupt);
    }
  }
  EXPECT_FALSE(ParseSnapshotMetadata("[1]"));
  EXPECT_FALSE(ParseSnapshotMetadata(std::string(kMaxSnapshotMetadataSize + 1, ' ')));
}

TEST(SnapshotTooOldTest, AgeAndUnreadableTimes) {
  auto now = std::chrono::system_clock::from_time_t(1'800'000'000);
  EXPECT_FALSE(SnapshotTooOld("2027-01-15T08:00:00Z", std::chrono::hours(72), "s", "r", now));
  EXPECT_FALSE(SnapshotTooOld("1999-01-01T00:00:00Z", std::chrono::seconds(0), "s", "r", now));
  auto old = SnapshotTooOld("2027-01-01T00:00:00Z", std::chrono::hours(72), "the store X", "update it", now);
  ASSERT_TRUE(old);
  EXPECT_NE(old->find("the store X was built at 2027-01-01T00:00:00Z"), std::string::npos) << *old;
  EXPECT_NE(old->find(": update it"), std::string::npos);
  EXPECT_TRUE(SnapshotTooOld("yesterday", std::chrono::hours(1), "s", "r", now));
}

}  // namespace
}  // namespace customs::vulndb
