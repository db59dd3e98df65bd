#include "vulndb/importer.h"

#include <zlib.h>

#include <algorithm>

#include "core/file_util.h"

namespace customs::vulndb {

Result<std::string> Gunzip(std::string_view data, std::size_t max_size) {
  z_stream stream{};
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) {
    return MakeError(ErrorCode::kInternal, "zlib init failed");
  }
  std::string out;
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  char buffer[1 << 16];
  int rc = Z_OK;
  while (true) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof(buffer);
    rc = inflate(&stream, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      break;
    }
    out.append(buffer, sizeof(buffer) - stream.avail_out);
    if (out.size() > max_size) {
      inflateEnd(&stream);
      return MakeError(ErrorCode::kCorrupt, "gzip data expands beyond {} bytes", max_size);
    }
    if (rc == Z_STREAM_END) {
      // Concatenated gzip members are legal; continue with the next one.
      if (stream.avail_in == 0) {
        break;
      }
      if (inflateReset(&stream) != Z_OK) {
        break;
      }
      continue;
    }
    if (stream.avail_in == 0 && stream.avail_out != 0) {
      rc = Z_BUF_ERROR;  // input ended before the stream did
      break;
    }
  }
  inflateEnd(&stream);
  if (rc != Z_STREAM_END) {
    return MakeError(ErrorCode::kCorrupt, "gzip data is truncated or damaged");
  }
  return out;
}

namespace {

Status ReadOneFile(const std::filesystem::path& path, FeedBatch& batch, Diagnostics& diagnostics, bool explicit_file) {
  CUSTOMS_ASSIGN_OR_RETURN(std::string content, ReadFile(path, std::size_t{2} << 30));
  std::string name = path.filename().string();
  if (content.size() >= 2 && static_cast<unsigned char>(content[0]) == 0x1f &&
      static_cast<unsigned char>(content[1]) == 0x8b) {
    auto inflated = Gunzip(content);
    if (!inflated) {
      return tl::unexpected(inflated.error().WithContext(path.string()));
    }
    content = std::move(*inflated);
    if (name.ends_with(".gz")) {
      name.resize(name.size() - 3);
    }
  }
  FeedFormat format = DetectFormat(name, std::string_view(content).substr(0, 4096));
  if (format == FeedFormat::kUnknown) {
    if (explicit_file) {
      return MakeError(ErrorCode::kUnsupported, "{}: not a feed format customs knows", path.string());
    }
    diagnostics.Info("vulndb/import", path.string(), "not a feed; skipped");
    return Ok();
  }
  return ParseFeed(format, content, path.string(), batch, diagnostics);
}

}  // namespace

Result<FeedBatch> ReadFeedInput(const std::filesystem::path& input, Diagnostics& diagnostics) {
  FeedBatch batch;
  std::error_code ec;
  auto status = std::filesystem::status(input, ec);
  if (ec || !std::filesystem::exists(status)) {
    return MakeError(ErrorCode::kNotFound, "{}: no such file or directory", input.string());
  }
  if (std::filesystem::is_directory(status)) {
    std::vector<std::filesystem::path> files;
    // Symbolic links inside a feed directory are not followed (a cloned repository could point one at /proc/kcore
    // or outside itself); directory links are never descended into.
    for (auto it = std::filesystem::recursive_directory_iterator(input, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      std::error_code type_error;
      auto type = it->symlink_status(type_error).type();
      if (type == std::filesystem::file_type::symlink) {
        diagnostics.Info("vulndb/import", it->path().string(), "symbolic link not followed");
      } else if (type == std::filesystem::file_type::regular) {
        files.push_back(it->path());
      }
    }
    if (ec) {
      return MakeError(ErrorCode::kIo, "walking {}: {}", input.string(), ec.message());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      CUSTOMS_RETURN_IF_ERROR(ReadOneFile(file, batch, diagnostics, false));
    }
  } else {
    CUSTOMS_RETURN_IF_ERROR(ReadOneFile(input, batch, diagnostics, true));
  }
  return batch;
}

Result<StoreInfo> ImportFeeds(const std::vector<std::filesystem::path>& inputs, const ImportOptions& options,
                              Diagnostics& diagnostics) {
  std::filesystem::path db_path = options.db_path.empty() ? DefaultStorePath() : options.db_path;
  if (inputs.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "nothing to import");
  }
  std::error_code ec;
  std::filesystem::create_directories(db_path.parent_path().empty() ? "." : db_path.parent_path(), ec);
  if (ec) {
    return MakeError(ErrorCode::kIo, "creating {}: {}", db_path.parent_path().string(), ec.message());
  }
  CUSTOMS_ASSIGN_OR_RETURN(WriterLock lock, WriterLock::Acquire(db_path, options.lock_timeout));
  StoreBuilder builder;
  for (const auto& input : inputs) {
    CUSTOMS_ASSIGN_OR_RETURN(FeedBatch batch, ReadFeedInput(input, diagnostics));
    builder.Add(std::move(batch), input.string());
  }
  CUSTOMS_RETURN_IF_ERROR(PublishStore(builder, db_path));
  CUSTOMS_ASSIGN_OR_RETURN(auto store, Store::Open(db_path));
  return store->Info();
}

}  // namespace customs::vulndb
