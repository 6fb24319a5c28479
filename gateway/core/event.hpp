// The canonical vocabulary every module speaks: what a channel codec parses an aggregator's
// request into, and what the runner answers. Provider syntax (AT's CON/END, Twilio's TwiML)
// never leaves the codec; flows never see it.
#pragma once

#include <cstdint>
#include <string>

#include "gateway/core/clock.hpp"

namespace paygham::core {

// An SMS a person sent to us. `from` is E.164 (checked by the codec through gateway/phone).
// (channel_id, external_id) is unique: a retried callback is recognised and not applied twice.
struct inbound_sms {
  std::string channel_id;
  std::string external_id;
  std::string from;
  std::string to;
  std::string text;
  unix_ms received_at = 0;
};

// One USSD hop. `text` is what the aggregator sent as the session's input; for Africa's
// Talking it is cumulative ("1*2"), and the runner derives the newest answer from it and the
// state it stored, never by replaying the whole path (R-U11).
struct ussd_request {
  std::string channel_id;
  std::string session_id;
  std::string from;
  std::string service_code;
  std::string text;
  std::string network;
};

// What the phone shows next. `end` closes the session.
struct ussd_reply {
  bool end = true;
  std::string text;
};

// Outbound priority lanes: lower value goes first (docs/design.md).
enum class priority : int { alert = 0, reminder = 1, reply = 2, bulk = 3 };

// Outbound message states (docs/design.md). States only move forward.
enum class message_status {
  queued,
  sending,
  sent,
  delivered,
  failed,
  retrying,
  expired,
  cancelled,
  unconfirmed,
};

const char* to_string(message_status s);

// Where a state sits in the forward order: a state may only be replaced by a later one.
// queued/retrying 0, sending 1, sent 2, unconfirmed 3, final states (delivered, failed,
// expired, cancelled) 4.
int rank(message_status s);
bool is_final(message_status s);

// A delivery report (DLR) from an aggregator: what happened to a message we sent.
struct delivery_report {
  std::string channel_id;
  std::string external_id;  // the aggregator's id for the message
  std::string reference;    // ours ("pg123"), when the aggregator echoes it back; may be empty
  message_status status = message_status::sent;
  std::string raw_code;     // the aggregator's status, as received ("Success", "DELIVRD", "1")
  std::string error;        // the aggregator's reason, when it gives one
  int parts = 0;            // 0: not reported
  std::string cost;         // "KES 0.8000", as reported; empty: not reported
};

// Africa's Talking's end-of-session notification for USSD.
struct session_end {
  std::string channel_id;
  std::string session_id;
  std::string from;
  bool success = true;  // "Success"; anything else means the session broke
};

}  // namespace paygham::core
