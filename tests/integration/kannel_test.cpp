// Paygham behind a real Kannel (Debian's `kannel`: bearerbox + smsbox), configured as
// docs/configuration.md tells an operator to: an HTTP SMSC stands in for the operator's SMSC,
// its send-url is a sink in this test that records every message Kannel would put on the
// air. Persian arrives as UCS-2 (as real phones send it), Paygham's Persian reply must leave
// in UCS-2, whole, and nothing but Paygham's own replies may reach the sink.
#include <SQLiteCpp/SQLiteCpp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "gateway/core/form.hpp"
#include "tests/support/support.hpp"

using namespace paygham;
using namespace paygham::test;

namespace {

constexpr const char* bearerbox = "/usr/sbin/bearerbox";
constexpr const char* smsbox = "/usr/sbin/smsbox";

// The operator's SMSC as Kannel's HTTP SMSC (system-type kannel) reaches it: every MT is a
// GET to the send-url; the sink answers "Sent." and keeps the decoded query.
class smsc_sink {
 public:
  int port() const { return peer_.port(); }
  std::vector<core::form> received() {
    std::lock_guard lock(mu_);
    return got_;
  }

 private:
  void take(int c) {
    const std::string head = read_head(c);
    // "GET /mt?username=…&text=… HTTP/1.1"
    const auto q = head.find('?');
    const auto end = head.find(' ', q == std::string::npos ? 0 : q);
    if (q != std::string::npos && end != std::string::npos && q < end) {
      if (auto f = core::parse_form(head.substr(q + 1, end - q - 1))) {
        std::lock_guard lock(mu_);
        got_.push_back(std::move(f).value());
      }
    }
    const std::string reply = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
                              "Connection: close\r\n\r\nSent.";
    ::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
    ::close(c);
  }

  std::mutex mu_;
  std::vector<core::form> got_;
  tcp_peer peer_{[this](int c) { take(c); }};  // last: it calls take() until destroyed first
};

template <class Pred>
bool wait_until(Pred pred, std::chrono::seconds timeout = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

std::string utf16be(const std::u32string& text) {
  std::string out;
  for (const char32_t c : text) {
    out += static_cast<char>((c >> 8) & 0xFF);
    out += static_cast<char>(c & 0xFF);
  }
  return out;
}

// The id bearerbox gave an MT, from the dlr-url it passed the SMSC (which also holds an
// unfilled "%d", so it is no form to decode).
std::string dlr_mid(const core::form& mt) {
  const std::string url(mt.get_or_empty("dlr-url"));
  const auto at = url.find("dlr-mid=");
  if (at == std::string::npos) return {};
  return url.substr(at + 8, url.find('&', at) - at - 8);
}

// Asks bearerbox, as the SMSC would, to report an MT delivered (1) or undeliverable (2).
// Bearerbox knows an MT's id once it has read the SMSC's answer to it: until then it answers
// "Unknown DLR", so the SMSC tries again for a few seconds.
void report(int smsc_port, const std::string& mid, const char* type) {
  std::string body;
  for (int i = 0; i < 50 && body != "Sent."; ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    body = http_call(smsc_port, "GET", "/dlr?" + core::encode_form({{"username", "kuser"}, {"password", "kpass"},
                                                                   {"dlr-mid", mid}, {"dlr-mask", type}}))
               .body;
  }
  CHECK(body == "Sent.");
}

// The 150-letter Persian reply of the test flow: three UCS-2 parts of at most 67 letters.
std::string long_reply() {
  std::string s;
  for (int i = 0; i < 15; ++i) s += "پیغام شما ";
  return s.substr(0, s.size() - 1) + ".";
}

}  // namespace

TEST_CASE("integration: Persian SMS through a real Kannel, UCS-2 both ways, reports, no stray replies",
          "[integration][kannel]") {
  INFO("tools/setup installs Debian's kannel package");
  REQUIRE(std::filesystem::exists(bearerbox));
  REQUIRE(std::filesystem::exists(smsbox));
  temp_dir dir;
  smsc_sink sink;
  const int paygham_port = free_port(), admin_port = free_port(), box_port = free_port(),
            smsc_port = free_port(), sendsms_port = free_port();
  const std::string me = "http://127.0.0.1:" + std::to_string(paygham_port);

  // Paygham: the Kannel channel and a flow whose Persian keyword answers in three parts.
  std::filesystem::create_directories(dir.file("flows"));
  std::filesystem::create_directories(dir.file("templates"));
  write_file(dir.file("flows/kannel.yaml"),
             "triggers: {sms: [اطلاعات]}\nstart: answer\nnodes:\n  answer: {end: kannel.answer}\n");
  const std::string src = PAYGHAM_SOURCE_DIR;
  write_file(dir.file("templates/en.yaml"),
             read_file(src + "/templates/en.yaml") + "\nkannel: {answer: \"" + long_reply() + "\"}\n");
  write_file(dir.file("paygham.yaml"),
             "server: {listen: \"127.0.0.1:" + std::to_string(paygham_port) + "\", public_url: \"" + me + "\"}\n"
             "store: {path: " + dir.file("paygham.db") + ", synchronous: normal}\n"
             "defaults: {region: AF, language: en, emergency_number: \"112\"}\n"
             "flows: " + dir.file("flows") + "\ntemplates: " + dir.file("templates") + "\n"
             "lexicon: " + src + "/lexicon\n"
             "channels:\n"
             "  - {id: kannel, type: kannel, username: paygham, password: pw, sender: \"3030\", auth_token: t0k,\n"
             "     basic_auth: \"kb:kb-pass\","
             "     base_url: \"http://127.0.0.1:" + std::to_string(sendsms_port) + "\", allow_ips: [127.0.0.1]}\n");

  // Kannel as docs/configuration.md shows it, with an HTTP SMSC in front of the sink.
  const std::string p = std::to_string(admin_port);
  write_file(dir.file("kannel.conf"),
             "group = core\nadmin-port = " + p + "\nadmin-password = secret\nadmin-allow-ip = \"127.0.0.1\"\n"
             "smsbox-port = " + std::to_string(box_port) + "\nbox-allow-ip = \"127.0.0.1\"\n"
             "dlr-storage = internal\nlog-file = \"" + dir.file("bearerbox.log") + "\"\nlog-level = 0\n\n"
             "group = smsc\nsmsc = http\nsmsc-id = sim\nsystem-type = kannel\n"
             "port = " + std::to_string(smsc_port) + "\n"
             "send-url = \"http://127.0.0.1:" + std::to_string(sink.port()) + "/mt\"\n"
             "smsc-username = kuser\nsmsc-password = kpass\nconnect-allow-ip = \"127.0.0.1\"\n"
             "dlr-url = \"http://127.0.0.1:" + std::to_string(smsc_port) + "/dlr?username=kuser&password=kpass\"\n\n"
             "group = smsbox\nbearerbox-host = 127.0.0.1\nbearerbox-port = " + std::to_string(box_port) + "\n"
             "sendsms-port = " + std::to_string(sendsms_port) + "\n"
             "log-file = \"" + dir.file("smsbox.log") + "\"\nlog-level = 0\n\n" +
             read_file(src + "/config/kannel.example.conf"));
  // The operator's part (sendsms-user, sms-service) is the shipped example, filled in as its
  // comment says.
  std::string conf = read_file(dir.file("kannel.conf"));
  // Its callbacks also checked by Basic auth: written into the get-url as Kannel reads them (the
  // dlr-url Paygham passes carries them so too).
  std::string me_basic = me;
  me_basic.insert(me_basic.find("://") + 3, "kb:kb-pass@");
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"https://gateway.example.org", me_basic},
                                 {"change-me-token", "t0k"},
                                 {"change-me", "pw"}}) {
    for (auto at = conf.find(from); at != std::string::npos; at = conf.find(from, at + to.size())) {
      conf.replace(at, from.size(), to);
    }
  }
  write_file(dir.file("kannel.conf"), conf);

  child_process bb(bearerbox, {"-v", "1", dir.file("kannel.conf")}, dir.file("bearerbox.out"));
  REQUIRE(wait_for_port(smsc_port, std::chrono::seconds(15)));
  child_process sb(smsbox, {"-v", "1", dir.file("kannel.conf")}, dir.file("smsbox.out"));
  REQUIRE(wait_for_port(sendsms_port, std::chrono::seconds(15)));
  server_process srv(dir.file("paygham.yaml"));
  // What each of the three said, for a failure's message.
  const auto logs = [&] {
    return "bearerbox:\n" + read_file(dir.file("bearerbox.log")) + "smsbox:\n" + read_file(dir.file("smsbox.log")) +
           "paygham:\n" + srv.log();
  };

  const auto count = [&](const std::string& sql) {
    SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READONLY);
    db.setBusyTimeout(2000);
    return db.execAndGet(sql).getInt();
  };
  // A phone sends an MO to the SMSC, which hands it to bearerbox.
  const auto mo = [&](const std::u32string& text) {
    const auto r = http_call(smsc_port, "GET",
                             "/mo?" + core::encode_form({{"username", "kuser"}, {"password", "kpass"},
                                                         {"from", "+93700000001"}, {"to", "3030"},
                                                         {"text", utf16be(text)}, {"coding", "2"},
                                                         {"charset", "UTF-16BE"}}));
    CHECK(r.body == "Sent.");
  };

  SECTION("UCS-2 in, the flow's Persian reply out whole in three UCS-2 parts, reports applied") {
    // «اطلاعات» with ک and ی elsewhere would not even be valid UTF-8 as raw bytes.
    mo(U"اطلاعات");
    if (!wait_until([&] { return sink.received().size() >= 3; })) FAIL(logs());
    const auto parts = sink.received();
    REQUIRE(parts.size() == 3);
    std::string text;
    std::string mid;
    // The SMSC may take the parts in any order; the concatenation header numbers them
    // (05 00 03 ref total seq).
    std::map<int, core::form> in_order;
    for (const auto& part : parts) {
      const std::string_view udh = part.get_or_empty("udh");
      REQUIRE(udh.size() == 6);
      CHECK(static_cast<int>(udh[4]) == 3);
      in_order[static_cast<int>(udh[5])] = part;
    }
    REQUIRE(in_order.size() == 3);
    for (const auto& [seq, part] : in_order) {
      CHECK(part.get_or_empty("coding") == "2");
      CHECK(part.get_or_empty("to") == "+93700000001");
      CHECK(part.get_or_empty("udh").size() == 6);  // concatenation header: the parts belong together
      const auto piece = core::utf16be_to_utf8(part.get_or_empty("text"));
      REQUIRE(piece);
      text += *piece;
      if (mid.empty()) mid = dlr_mid(part);
    }
    CHECK(text == long_reply());
    // Stored once, readable, under the id Kannel gave it (%I).
    CHECK(count("SELECT COUNT(*) FROM inbound_events WHERE body = 'اطلاعات' AND external_id NOT LIKE 'local-%'") == 1);

    // The SMSC reports delivery; Kannel passes it on to the dlr-url Paygham gave.
    REQUIRE_FALSE(mid.empty());
    report(smsc_port, mid, "1");
    if (!wait_until([&] { return count("SELECT COUNT(*) FROM outbound_messages WHERE status = 'delivered'") == 1; })) FAIL(logs());
    CHECK(count("SELECT COUNT(*) FROM message_events WHERE status = 'delivered' AND source = 'report'") == 1);

    // A second message, reported undeliverable: failed, with Kannel's code kept.
    mo(U"کمک");
    REQUIRE(wait_until([&] { return sink.received().size() >= 4; }));
    report(smsc_port, dlr_mid(sink.received().back()), "2");
    if (!wait_until([&] { return count("SELECT COUNT(*) FROM outbound_messages WHERE status = 'failed'") == 1; })) FAIL(logs());
    CHECK(count("SELECT COUNT(*) FROM message_events WHERE status = 'failed' AND raw_code = '2'") == 1);

    // Nothing reached the phone but Paygham's two replies: no "OK", no empty-reply notice.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    CHECK(sink.received().size() == 4);
    CHECK(count("SELECT COUNT(*) FROM outbound_messages") == 2);

    // An operator can follow each message in the log, without its text at info.
    const std::string log = srv.log();
    CHECK_THAT(log, Catch::Contains("\"event\":\"outbox.send\"") && Catch::Contains("\"state\":\"sent\""));
    CHECK_THAT(log, Catch::Contains("\"event\":\"report.received\"") && Catch::Contains("\"state\":\"delivered\""));
    CHECK_THAT(log, Catch::Contains("\"to\":\"+93******001\""));
    CHECK_THAT(log, !Catch::Contains("پیغام شما"));
  }
}
