// store::reader on SQLite: a read-only connection; WAL lets it read the last committed state
// while the writer works.
#pragma once

#include <memory>

#include "gateway/store/reader.hpp"

namespace SQLite {
class Database;
}

namespace paygham::store::sqlite {

class reader final : public store::reader {
 public:
  explicit reader(const options& o);
  ~reader() override;
  reader(const reader&) = delete;
  reader& operator=(const reader&) = delete;

  std::int64_t outbox_depth() override;
  std::string log_key() override;
  std::int64_t unconfirmed() override;
  std::vector<outbound_row> outbound_after(std::int64_t after) override;
  std::vector<delivery_count> delivery_counts(std::int64_t since, std::int64_t until) override;
  std::vector<std::pair<std::string, std::int64_t>> failure_reasons(std::int64_t since, std::int64_t until,
                                                                    std::size_t limit) override;
  bool healthy() noexcept override;

 private:
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace paygham::store::sqlite
