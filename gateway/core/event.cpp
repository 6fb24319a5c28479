#include "gateway/core/event.hpp"

namespace paygham::core {

const char* to_string(message_status s) {
  switch (s) {
    case message_status::queued: return "queued";
    case message_status::sending: return "sending";
    case message_status::sent: return "sent";
    case message_status::delivered: return "delivered";
    case message_status::failed: return "failed";
    case message_status::retrying: return "retrying";
    case message_status::expired: return "expired";
    case message_status::cancelled: return "cancelled";
    case message_status::unconfirmed: return "unconfirmed";
  }
  return "queued";
}

int rank(message_status s) {
  switch (s) {
    case message_status::queued:
    case message_status::retrying: return 0;
    case message_status::sending: return 1;
    case message_status::sent: return 2;
    case message_status::unconfirmed: return 3;
    case message_status::delivered:
    case message_status::failed:
    case message_status::expired:
    case message_status::cancelled: return 4;
  }
  return 0;
}

bool is_final(message_status s) { return rank(s) == 4; }

}  // namespace paygham::core
