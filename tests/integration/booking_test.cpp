// Clinic appointments on a running server, spoken to over HTTP as an aggregator would: 50
// people choose the same window of 10 places at the same moment. Exactly 10 get it; the rest
// are told it is full and offered other days. On SQLite (one node) and on PostgreSQL with two
// nodes taking the hops in turn.
#include <SQLiteCpp/SQLiteCpp.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <barrier>
#include <thread>

#include "tests/support/store_support.hpp"
#include "tests/support/support.hpp"

using namespace paygham;
using namespace paygham::test;

namespace {

constexpr int people = 50;
constexpr int capacity = 10;  // tests/fixtures/clinics/one_window.yaml

std::string config(const temp_dir& dir, const std::string& name, const std::string& store,
                   const std::string& clinics = "one_window.yaml") {
  const std::string src = PAYGHAM_SOURCE_DIR;
  const std::string path = dir.file(name + ".yaml");
  write_file(path, "server: {listen: \"127.0.0.1:0\"}\n"
                   "store: " + store + "\n"
                   "defaults: {region: AF, language: en, emergency_number: \"112\"}\n"
                   "flows: " + src + "/flows\ntemplates: " + src + "/templates\nlexicon: " + src + "/lexicon\n"
                   "clinics: " + src + "/tests/fixtures/clinics/" + clinics + "\n"
                   "channels:\n  - {id: at, type: africastalking, allow_ips: [127.0.0.1], username: u, api_key: k}\n");
  return path;
}

std::string hop(int port, int person, const std::string& text) {
  const std::string phone = std::to_string(93700100000LL + person);
  const auto r = http_call(port, "POST", "/channels/at/ussd",
                           "sessionId=b" + std::to_string(person) + "&serviceCode=*384*14%23&phoneNumber=%2B" + phone +
                               "&text=" + text + "&networkCode=41201");
  return r.status == 200 ? r.body : "HTTP " + std::to_string(r.status);
}

// Every person walks to the window screen, all wait there, then all choose the first window
// at once and confirm. Returns each person's screen after choosing, then after confirming.
std::vector<std::pair<std::string, std::string>> rush(const std::vector<int>& ports) {
  std::vector<std::pair<std::string, std::string>> seen(people);
  std::vector<std::string> window_screen(people);
  std::barrier at_window(people);
  std::vector<std::thread> threads;
  for (int p = 0; p < people; ++p) {
    threads.emplace_back([&, p] {
      // Hops alternate between the nodes given, as behind a load balancer.
      int n = 0;
      const auto next = [&](const std::string& text) { return hop(ports[static_cast<std::size_t>(n++ % static_cast<int>(ports.size()))], p, text); };
      // General doctor, for me, Herat clinic, the first day offered.
      for (const char* text : {"", "3", "3*1", "3*1*1"}) next(text);
      window_screen[static_cast<std::size_t>(p)] = next("3*1*1*1");
      at_window.arrive_and_wait();
      seen[static_cast<std::size_t>(p)].first = next("3*1*1*1*1");
      seen[static_cast<std::size_t>(p)].second = next("3*1*1*1*1*1");
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& s : window_screen) REQUIRE_THAT(s, Catch::StartsWith("CON What time?\n1. "));
  return seen;
}

void check_outcome(const std::vector<std::pair<std::string, std::string>>& seen) {
  int booked = 0, offered_other_days = 0;
  for (const auto& [after_choice, after_confirm] : seen) {
    if (after_choice.rfind("CON Herat clinic\n", 0) == 0) {
      // Held: the confirmation screen; confirming books it.
      CHECK_THAT(after_confirm, Catch::StartsWith("END Booked. Your code: "));
      ++booked;
    } else {
      // Full: said so, and the days still free are offered.
      CHECK_THAT(after_choice, Catch::StartsWith("CON That time is full now. Choose again.\nWhich day?\n1. "));
      ++offered_other_days;
    }
  }
  CHECK(booked == capacity);
  CHECK(offered_other_days == people - capacity);
}

// A gateway whose Herat clinic keeps a place for health workers (kept_place.yaml), and an
// operator's token at reception.
struct reception_desk {
  temp_dir dir;
  std::string cfg = config(dir, "paygham", "{path: " + dir.file("paygham.db") + "}", "kept_place.yaml");
  std::string token = make_token(cfg, "operator", "reception");
  server_process srv{cfg};
};

// The nearest day with a free window at Herat for a general visit, as a health worker sees it.
std::string first_bookable_day(int port, const std::string& token) {
  const auto r = api(port, "GET", "/api/v1/slots?clinic=herat&service=general", token);
  REQUIRE(r.status == 200);
  return nlohmann::json::parse(r.body)["items"].at(0)["day"];
}

}  // namespace

TEST_CASE("booking: 50 people at once for a window of 10 places: exactly 10 book it, the rest are offered other days",
          "[integration][booking]") {
  temp_dir dir;
  server_process srv(config(dir, "paygham", "{path: " + dir.file("paygham.db") + "}"));
  check_outcome(rush({srv.port()}));
  store::options o;
  o.path = dir.file("paygham.db");
  CHECK(value(o, "SELECT COUNT(*) FROM bookings WHERE status = 'booked'") == std::to_string(capacity));
  // One window, one day: ten codes, all different.
  CHECK(value(o, "SELECT COUNT(DISTINCT code) FROM bookings WHERE status = 'booked'") == std::to_string(capacity));
  CHECK(value(o, "SELECT COUNT(DISTINCT day) FROM bookings WHERE status = 'booked'") == "1");
}

TEST_CASE("booking: the same rush on PostgreSQL, hops alternating between two nodes",
          "[integration][booking][nodes]") {
  temp_dir dir;
  const std::string url = fresh_postgresql_database();
  server_process a(config(dir, "a", "{backend: postgresql, url: \"" + url + "\", node: a}"));
  server_process b(config(dir, "b", "{backend: postgresql, url: \"" + url + "\", node: b}"));
  check_outcome(rush({a.port(), b.port()}));
  store::options o;
  o.engine = store::backend::postgresql;
  o.url = url;
  CHECK(value(o, "SELECT COUNT(*) FROM bookings WHERE status = 'booked'") == std::to_string(capacity));
  CHECK(value(o, "SELECT COUNT(DISTINCT code) FROM bookings WHERE status = 'booked'") == std::to_string(capacity));
}

TEST_CASE("booking: a place kept for health workers is not offered to people booking themselves, and a worker books it",
          "[integration][booking]") {
  const reception_desk desk;
  const server_process& srv = desk.srv;
  const std::string& token = desk.token;
  // The first bookable day as a health worker sees it: its window has both places.
  const std::string day = first_bookable_day(srv.port(), token);
  // One person books that day themselves: the one place open to them.
  for (const char* text : {"", "3", "3*1"}) hop(srv.port(), 1, text);
  const std::string days_seen = hop(srv.port(), 1, "3*1*1");
  for (const char* text : {"3*1*1*1", "3*1*1*1*1"}) hop(srv.port(), 1, text);
  REQUIRE_THAT(hop(srv.port(), 1, "3*1*1*1*1*1"), Catch::StartsWith("END Booked. Your code: "));
  // The next person is not offered that day any more: its other place is kept.
  hop(srv.port(), 2, "");
  hop(srv.port(), 2, "3");
  hop(srv.port(), 2, "3*1");
  const std::string days_now = hop(srv.port(), 2, "3*1*1");
  INFO(days_seen << "\n---\n" << days_now);
  const auto first_offered = [](const std::string& screen) {
    const auto at = screen.find("\n1. ");
    return at == std::string::npos ? std::string() : screen.substr(at, screen.find('\n', at + 1) - at);
  };
  REQUIRE_FALSE(first_offered(days_seen).empty());
  CHECK(first_offered(days_now) != first_offered(days_seen));
  // Reception books the kept place that day for someone; then the window is full for everyone.
  const std::string visit = R"({"phone": "+93700100003", "clinic": "herat", "service": "general", "day": ")" + day +
                            R"(", "time": "09:00", "channel": "at"})";
  CHECK(api(srv.port(), "POST", "/api/v1/appointments", token, visit).status == 201);
  std::string again = visit;
  again.replace(again.find("100003"), 6, "100004");
  auto r = api(srv.port(), "POST", "/api/v1/appointments", token, again);
  CHECK(r.status == 409);
  CHECK_THAT(r.body, Catch::Contains("\"full\""));
  r = api(srv.port(), "GET", "/api/v1/slots?clinic=herat&service=general", token);
  CHECK(nlohmann::json::parse(r.body)["items"].at(0)["day"] != day);
}

TEST_CASE("booking: reception books for a relative on the phone by relation, and the phone's menu then offers them",
          "[integration][booking]") {
  const reception_desk desk;
  const server_process& srv = desk.srv;
  const std::string& token = desk.token;
  const std::string day = first_bookable_day(srv.port(), token);
  test::http_reply r;
  const auto visit = [&](const std::string& whom) {
    return R"({"phone": "+93700100001", "clinic": "herat", "service": "general", "day": ")" + day +
           R"(", "time": "09:00", "channel": "at", "for": ")" + whom + R"("})";
  };
  // R-B4: nothing but a relation, and which of them ("child-2": the phone's second child).
  for (const char* bad : {"cousin", "child-1", "partner-2", "Child"}) {
    r = api(srv.port(), "POST", "/api/v1/appointments", token, visit(bad));
    INFO(bad);
    CHECK(r.status == 400);
    CHECK_THAT(r.body, Catch::Contains("\"invalid_for\"") && Catch::Contains("\"field\":\"for\""));
  }
  r = api(srv.port(), "POST", "/api/v1/appointments", token, visit("child-2"));
  REQUIRE(r.status == 201);
  CHECK(nlohmann::json::parse(r.body)["for"] == "child-2");
  // The phone's booking menu keeps its first child in the same place (2), numbered now, and
  // offers the second after the first page.
  hop(srv.port(), 1, "");
  const std::string whom = hop(srv.port(), 1, "3");
  CHECK_THAT(whom, Catch::Contains("1. Me\n2. My child 1\n3. My wife or husband\n"));
  CHECK_THAT(hop(srv.port(), 1, "3*98"), Catch::Contains("6. My child 2"));
  // "My visits" says whose the visit is.
  hop(srv.port(), 1, "3*98*0");
  hop(srv.port(), 1, "3*98*0*0");
  CHECK_THAT(hop(srv.port(), 1, "3*98*0*0*5"), Catch::Contains("(My child 2)"));
}

TEST_CASE("booking: a place held while reception changes the clinic's week so that its window is no more is not "
          "booked: the person is told it is full and offered the days free now",
          "[integration]") {
  temp_dir dir;
  server_process srv(config(dir, "paygham", "{path: " + dir.file("paygham.db") + "}"));
  for (const char* text : {"", "3", "3*1", "3*1*1", "3*1*1*1"}) hop(srv.port(), 0, text);
  REQUIRE_THAT(hop(srv.port(), 0, "3*1*1*1*1"), Catch::StartsWith("CON Herat clinic\n"));  // held, to confirm
  // Reception moves the window an hour later meanwhile (PUT /api/v1/clinics/herat/hours).
  {
    SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READWRITE);
    db.setBusyTimeout(10'000);
    db.exec(R"(INSERT INTO clinic_hours (clinic, week, changed_by, changed_at) VALUES ('herat',)"
            R"( '{"open":["sat","sun","mon","tue","wed","thu","fri"],)"
            R"("windows":[{"from":"10:00","to":"12:00","capacity":10,"kept":0}]}', 'user:1', 0))");
  }
  CHECK_THAT(hop(srv.port(), 0, "3*1*1*1*1*1"), Catch::StartsWith("CON That time is full now. Choose again.\nWhich day?\n1. "));
  CHECK(scalar(dir, "SELECT COUNT(*) FROM bookings WHERE status = 'booked'") == "0");
}
