// Whether the database's volume is encrypted (R-D4), read from sysfs trees laid out as the
// kernel lays them out (tests/fixtures/sysfs/: one folder a layout, written by hand from the
// sysfs ABI) and from this machine's /dev/shm.
#include "gateway/store/at_rest.hpp"

#include <catch2/catch.hpp>

#include "tests/support/support.hpp"

using namespace paygham;

namespace {
store::at_rest device(unsigned major, unsigned minor, const std::string& layout) {
  return store::device_at_rest(major, minor, test::fixture_path("sysfs/" + layout));
}
}  // namespace

TEST_CASE("at rest: a filesystem on a LUKS mapping is encrypted", "[store][sqlite]") {
  const auto r = device(253, 0, "luks");
  CHECK(r.encrypted);
  CHECK(r.how == "dm-crypt (LUKS) on dm-0");
}

TEST_CASE("at rest: an LVM volume is encrypted when the device beneath it is", "[store][sqlite]") {
  const auto r = device(253, 1, "lvm_on_luks");
  CHECK(r.encrypted);
  CHECK(r.how == "dm-crypt (LUKS) on dm-0, beneath dm-1");
  const auto plain = device(253, 2, "lvm_plain");
  CHECK_FALSE(plain.encrypted);
  CHECK(plain.how == "sda2 (8:2) is not encrypted, beneath dm-2");
}

TEST_CASE("at rest: an LVM volume over a LUKS disk and a plain one is not encrypted",
          "[store][sqlite]") {
  const auto r = device(253, 3, "lvm_mixed");
  CHECK_FALSE(r.encrypted);
  CHECK(r.how == "sdb1 (8:17) is not encrypted, beneath dm-3");
}

TEST_CASE("at rest: a partition of a RAID on LUKS is encrypted, as the device it divides",
          "[store][sqlite]") {
  const auto r = device(259, 1, "partition_on_raid");
  CHECK(r.encrypted);
  CHECK(r.how == "dm-crypt (LUKS) on dm-0, beneath md0, divided into md0p1");
}

TEST_CASE("at rest: dm-integrity checks what is written and encrypts nothing", "[store][sqlite]") {
  const auto r = device(253, 4, "integrity");
  CHECK_FALSE(r.encrypted);
  CHECK(r.how == "dm-4 (253:4) is not encrypted");
}

TEST_CASE("at rest: a plain partition, or a device sysfs does not show, is not known to be encrypted",
          "[store][sqlite]") {
  const auto r = device(8, 1, "partition");
  CHECK_FALSE(r.encrypted);
  CHECK(r.how == "sda (8:0) is not encrypted, divided into sda1");
  CHECK_FALSE(device(8, 9, "partition").encrypted);
}

TEST_CASE("at rest: a database in memory (tmpfs) has no disk to see", "[store][sqlite]") {
  // Before the file exists its folder is asked.
  const auto r = store::check_at_rest("/dev/shm/paygham-not-there.db");
  CHECK_FALSE(r.encrypted);
  CHECK_THAT(r.how,
             Catch::StartsWith("/dev/shm is on a filesystem with no block device of its own"));
}

TEST_CASE("at rest: before the store's folder is made, the nearest folder there is tells its disk",
          "[store][sqlite]") {
  // The first start with the shipped config: var/ comes with the store, after this check.
  const auto r = store::check_at_rest("/dev/shm/paygham-no-folder/deeper/paygham.db");
  CHECK_FALSE(r.encrypted);
  CHECK_THAT(r.how,
             Catch::StartsWith("/dev/shm is on a filesystem with no block device of its own"));
}
