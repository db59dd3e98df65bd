// A real PostgreSQL 15 for tests: initdb and pg_ctl from Debian's postgresql-15, run as the `postgres` user (the
// server refuses root) with runuser, on a Unix socket in a fresh temporary directory (no TCP listener), fsync off.
// One cluster per test binary; one database per test (CreateDatabase).
#pragma once

#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace customs::testing {

class PostgresCluster {
 public:
  static constexpr const char* kBin = "/usr/lib/postgresql/15/bin";

  // Why a cluster cannot be started here, or "" when it can.
  static std::string Unavailable() {
    if (::geteuid() != 0) return "needs root (PostgreSQL runs as the postgres user through runuser)";
    if (::getpwnam("postgres") == nullptr) return "no postgres user (apt-get install postgresql-15)";
    if (!std::filesystem::exists(std::string(kBin) + "/initdb")) return "postgresql-15 is not installed";
    return "";
  }

  // Starts a cluster; nullptr (with `error` set) on failure.
  static std::unique_ptr<PostgresCluster> Start(std::string* error) {
    char dir_template[] = "/tmp/customs-pg-XXXXXX";
    if (::mkdtemp(dir_template) == nullptr) {
      *error = "mkdtemp failed";
      return nullptr;
    }
    auto cluster = std::unique_ptr<PostgresCluster>(new PostgresCluster(dir_template));
    struct passwd* pw = ::getpwnam("postgres");
    if (pw == nullptr || ::chown(dir_template, pw->pw_uid, pw->pw_gid) != 0 || ::chmod(dir_template, 0700) != 0) {
      *error = "cannot hand the directory to the postgres user";
      return nullptr;
    }
    if (!cluster->AsPostgres(std::string(kBin) + "/initdb -D " + cluster->data() +
                             " -U postgres -A trust -E UTF8 --no-sync --no-instructions")) {
      *error = "initdb failed";
      return nullptr;
    }
    if (!cluster->StartServer()) {
      *error = "pg_ctl start failed: " + cluster->LogTail();
      return nullptr;
    }
    return cluster;
  }

  ~PostgresCluster() {
    AsPostgres(std::string(kBin) + "/pg_ctl -D " + data() + " -m immediate -w stop");
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // A fresh database; returns its libpq DSN.
  std::string CreateDatabase() {
    std::string name = "test_" + std::to_string(::getpid()) + "_" + std::to_string(++databases_);
    Psql("postgres", "CREATE DATABASE " + name);
    return Dsn(name);
  }

  std::string Dsn(const std::string& database) const { return "host=" + dir_ + " user=postgres dbname=" + database; }

  // Runs SQL with psql; returns its unaligned, tuples-only output.
  std::string Psql(const std::string& database, const std::string& sql) {
    std::string out = Capture("psql -X -A -t -v ON_ERROR_STOP=1 -h " + dir_ + " -U postgres -d " + database + " -c " +
                              Quote(sql) + " 2>&1");
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }

  bool Stop() { return AsPostgres(std::string(kBin) + "/pg_ctl -D " + data() + " -m fast -w stop"); }
  bool StartServer() {
    std::string options = "-k " + dir_ + " -c listen_addresses='' -c fsync=off -c max_connections=200";
    return AsPostgres(std::string(kBin) + "/pg_ctl -D " + data() + " -o " + Quote(options) + " -l " + dir_ +
                      "/postgres.log -w -t 60 start");
  }

  const std::string& socket_dir() const { return dir_; }

 private:
  explicit PostgresCluster(std::string dir) : dir_(std::move(dir)) {}
  std::string data() const { return dir_ + "/data"; }

  static std::string Quote(const std::string& text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
  }

  bool AsPostgres(const std::string& command) {
    std::string full = "runuser -u postgres -- sh -c " + Quote(command) + " >/dev/null 2>&1";
    int status = std::system(full.c_str());
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }

  std::string LogTail() { return Capture("tail -5 " + dir_ + "/postgres.log 2>&1"); }

  // A shell command's standard output.
  static std::string Capture(const std::string& command) {
    std::string out;
    if (FILE* pipe = ::popen(command.c_str(), "r")) {
      char buffer[4096];
      std::size_t n;
      while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) out.append(buffer, n);
      ::pclose(pipe);
    }
    return out;
  }

  std::string dir_;
  int databases_ = 0;
};

}  // namespace customs::testing
