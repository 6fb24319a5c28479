// store::reader on PostgreSQL: its own connection, connected again when the server went away.
#pragma once

#include "gateway/store/postgresql/connection.hpp"
#include "gateway/store/reader.hpp"

namespace paygham::store::postgresql {

class reader final : public store::reader {
 public:
  explicit reader(const options& o) : conn_(o.url) {}

  std::int64_t outbox_depth() override;
  std::string log_key() override;
  std::int64_t unconfirmed() override;
  std::vector<outbound_row> outbound_after(std::int64_t after) override;
  std::vector<delivery_count> delivery_counts(std::int64_t since, std::int64_t until) override;
  std::vector<std::pair<std::string, std::int64_t>> failure_reasons(std::int64_t since, std::int64_t until,
                                                                    std::size_t limit) override;
  bool healthy() noexcept override;

 private:
  connection& conn();
  connection conn_;
};

}  // namespace paygham::store::postgresql
