#include "runtime/storage/scratch_dir.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace runtime::storage {

ScratchDir::ScratchDir(std::string_view name) {
  const char* root = std::getenv("TEST_TMPDIR");
  const std::filesystem::path base =
      root != nullptr && *root != '\0' ? std::filesystem::path(root)
                                       : std::filesystem::temp_directory_path();
  path_ =
      (base / (std::string(name) + "_" + std::to_string(::getpid()))).string();
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  // Best effort: a leftover directory under the temp dir harms nothing.
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace runtime::storage
