// Whether the database lies encrypted on its disk (R-D4). Debian's SQLCipher (3.4.1, built on
// SQLite 3.15) is too old for the store's SQL, so encryption at rest is the volume's: LUKS
// (dm-crypt, also beneath LVM or RAID) or fscrypt. The gateway checks at start what it can see.
#pragma once

#include <filesystem>
#include <string>

namespace paygham::store {

struct at_rest {
  bool encrypted = false;
  std::string
      how;  // "dm-crypt (LUKS) on dm-0, beneath dm-1", or why it is not known to be encrypted
};

// What the kernel says of the SQLite file's volume (or its folder, before the file exists).
// `sysfs` is /sys but for tests.
at_rest check_at_rest(const std::filesystem::path& database,
                      const std::filesystem::path& sysfs = "/sys");

// The block device major:minor: encrypted when it, or every device it is built on (LVM, RAID),
// is dm-crypt.
at_rest device_at_rest(unsigned major, unsigned minor, const std::filesystem::path& sysfs);

}  // namespace paygham::store
