#include "gateway/store/at_rest.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <fstream>
#include <system_error>
#include <vector>

namespace paygham::store {

namespace {

std::string first_line(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

// The kernel's name of the device ("dm-0"), from its uevent.
std::string device_name(const std::filesystem::path& dir, const std::string& dev) {
  std::ifstream in(dir / "uevent");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("DEVNAME=", 0) == 0) return line.substr(8);
  }
  return dev;
}

// A device-mapper target that encrypts: cryptsetup names them CRYPT-<type>-…. Its
// CRYPT-INTEGRITY, CRYPT-VERITY and CRYPT-SUBDEV devices check or carry data, and encrypt none.
bool encrypting_uuid(const std::string& uuid) {
  for (const char* type : {"CRYPT-LUKS", "CRYPT-PLAIN", "CRYPT-TCRYPT", "CRYPT-BITLK",
                           "CRYPT-LOOPAES", "CRYPT-FVAULT2"}) {
    if (uuid.rfind(type, 0) == 0) return true;
  }
  return false;
}

// Device-mapper tables nest a few deep at most (LUKS under LVM under RAID); the bound keeps a
// strange sysfs from looping.
constexpr int deepest = 8;

at_rest walk(const std::filesystem::path& sysfs, const std::string& dev, int depth) {
  const auto dir = sysfs / "dev" / "block" / dev;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    return {false, "device " + dev + " is not in " + sysfs.string()};
  const std::string name = device_name(dir, dev);
  const std::string uuid = first_line(dir / "dm" / "uuid");
  if (encrypting_uuid(uuid)) {
    return {true, std::string("dm-crypt") + (uuid.rfind("CRYPT-LUKS", 0) == 0 ? " (LUKS)" : "") +
                      " on " + name};
  }
  if (depth >= deepest) return {false, name + " (" + dev + ") is not encrypted"};
  // A partition is as encrypted as the device it divides (a RAID or a loop device on LUKS).
  if (std::filesystem::exists(dir / "partition", ec)) {
    const auto whole = std::filesystem::canonical(dir, ec).parent_path();
    const std::string parent = ec ? std::string() : first_line(whole / "dev");
    if (parent.empty()) return {false, name + " (" + dev + ") is not encrypted"};
    at_rest below = walk(sysfs, parent, depth + 1);
    return {below.encrypted, below.how + ", divided into " + name};
  }
  std::vector<std::string> beneath;
  for (std::filesystem::directory_iterator it(dir / "slaves", ec), end; !ec && it != end;
       it.increment(ec)) {
    beneath.push_back(first_line(it->path() / "dev"));
  }
  if (beneath.empty()) return {false, name + " (" + dev + ") is not encrypted"};
  // Every device beneath must be: an LVM volume spread over a plain disk and a LUKS one is not.
  std::string how;
  for (const auto& d : beneath) {
    at_rest below = walk(sysfs, d, depth + 1);
    if (!below.encrypted) return {false, below.how + ", beneath " + name};
    how = below.how;
  }
  return {true, how + ", beneath " + name};
}

}  // namespace

at_rest device_at_rest(unsigned major, unsigned minor, const std::filesystem::path& sysfs) {
  try {
    return walk(sysfs, std::to_string(major) + ":" + std::to_string(minor), 0);
  } catch (const std::exception& e) {
    return {false, std::string("cannot read ") + sysfs.string() + ": " + e.what()};
  }
}

at_rest check_at_rest(const std::filesystem::path& database, const std::filesystem::path& sysfs) {
  std::error_code ec;
  // Before the store is made, the nearest folder there is (the store's own is made with it).
  std::filesystem::path where = database;
  while (!where.empty() && !std::filesystem::exists(where, ec)) where = where.parent_path();
  if (where.empty()) where = ".";
  struct statx sx {};
  if (statx(AT_FDCWD, where.c_str(), 0, STATX_BASIC_STATS, &sx) != 0) {
    return {false, "cannot read " + where.string() + ": " + std::generic_category().message(errno)};
  }
  if ((sx.stx_attributes_mask & STATX_ATTR_ENCRYPTED) != 0 &&
      (sx.stx_attributes & STATX_ATTR_ENCRYPTED) != 0) {
    return {true, "fscrypt on " + where.string()};
  }
  if (sx.stx_dev_major == 0) {
    return {false,
            where.string() +
                " is on a filesystem with no block device of its own (overlay, tmpfs, btrfs or "
                "network): its disk cannot be seen from here"};
  }
  return device_at_rest(sx.stx_dev_major, sx.stx_dev_minor, sysfs);
}

}  // namespace paygham::store
