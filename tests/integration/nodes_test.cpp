// Two `paygham serve` nodes on one PostgreSQL database (a throwaway cluster under build/),
// spoken to over HTTP as an aggregator behind a load balancer would: a USSD session whose hops
// alternate between the nodes, inbound SMS split across both with faults at the aggregator, a
// node killed mid-run, and a channel's rate held across both.
#include <signal.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <thread>

#include "tests/support/store_support.hpp"
#include "tests/support/support.hpp"

using namespace paygham;
using namespace paygham::test;

namespace {

// A node's config: the shipped flows, one Africa's Talking channel, the shared database.
std::string node_config(const temp_dir& dir, const std::string& node, const std::string& db_url, int port,
                        const std::string& channel_extra, const std::string& store_extra = "") {
  const std::string src = PAYGHAM_SOURCE_DIR;
  const std::string path = dir.file(node + ".yaml");
  write_file(path, "server: {listen: \"127.0.0.1:" + std::to_string(port) + "\", public_url: \"http://127.0.0.1:" +
                       std::to_string(port) + "\"}\n"
                       "store: {backend: postgresql, url: \"" + db_url + "\", node: " + node + store_extra + "}\n"
                       "defaults: {region: AF, language: en, emergency_number: \"112\"}\n"
                       "flows: " + src + "/flows\nclinics: " + src + "/config/clinics.yaml\ntemplates: " + src + "/templates\nlexicon: " + src + "/lexicon\n"
                       "channels:\n  - {id: at, type: africastalking, allow_ips: [127.0.0.1], username: u, api_key: k" + channel_extra + "}\n");
  return path;
}

store::options shared(const std::string& url) {
  store::options o;
  o.engine = store::backend::postgresql;
  o.url = url;
  return o;
}

long long count(const std::string& url, const std::string& sql) { return std::stoll(value(shared(url), sql)); }

std::string ussd(int port, const std::string& session, const std::string& phone, const std::string& text) {
  const auto r = http_call(port, "POST", "/channels/at/ussd",
                           "sessionId=" + session + "&serviceCode=*384*12%23&phoneNumber=%2B" + phone.substr(1) +
                               "&text=" + text + "&networkCode=41201");
  REQUIRE(r.status == 200);
  return r.body;
}

nlohmann::json stats(const fake_aggregator& f) { return nlohmann::json::parse(http_call(f.port(), "GET", "/stats").body); }

// Messages for the split run (PAYGHAM_E2E_MESSAGES overrides, as for the one-node run).
int messages() {
  const char* v = std::getenv("PAYGHAM_E2E_MESSAGES");
  return v ? std::min(std::atoi(v), 10000) : 10000;
}

}  // namespace

TEST_CASE("nodes: a USSD session whose hops alternate between two nodes steps as on one", "[integration][nodes]") {
  temp_dir dir;
  const std::string url = fresh_postgresql_database();
  server_process a(node_config(dir, "a", url, 0, ""));
  server_process b(node_config(dir, "b", url, 0, ""));
  // The same answers, once all on node a, once alternating a, b, a, …
  const std::vector<std::string> answers = {"", "5", "5*1", "5*1*1", "5*1*1*2"};  // cumulative, as AT sends
  std::vector<std::string> one, both;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    one.push_back(ussd(a.port(), "one", "+93700000001", answers[i]));
    both.push_back(ussd(i % 2 ? b.port() : a.port(), "both", "+93700000002", answers[i]));
  }
  CHECK(both == one);
  CHECK_THAT(one.front(), Catch::StartsWith("CON "));
  CHECK_THAT(one.back(), Catch::StartsWith("END "));
  // A hop sent again to the other node is answered from the stored run, not stepped.
  CHECK(ussd(b.port(), "both", "+93700000002", answers[3]) == both[3]);
  CHECK(count(url, "SELECT COUNT(*) FROM flow_runs WHERE session_id = 'both' AND status = 'completed'") == 1);
}

TEST_CASE("nodes: inbound SMS split across two nodes with faults all end final, none accepted twice",
          "[integration][nodes]") {
  const int n = messages();
  temp_dir dir;
  const std::string url = fresh_postgresql_database();
  const int port_a = free_port(), port_b = free_port();
  const std::string a_url = "http://127.0.0.1:" + std::to_string(port_a), b_url = "http://127.0.0.1:" + std::to_string(port_b);
  fake_aggregator fake({"--seed", "11", "--fault-rate", "0.2", "--slow-ms", "300", "--dlr-delay-ms", "30",
                        "--dlr-fail-rate", "0.05", "--dlr-duplicate-rate", "0.1", "--dlr-reorder-rate", "0.1",
                        "--at-dlr-url", a_url + "/channels/at/status," + b_url + "/channels/at/status",
                        "--inbound-url", a_url + "/channels/at/sms," + b_url + "/channels/at/sms", "--inbound-rate",
                        "2000", "--inbound-count", std::to_string(n)});
  const std::string channel = ", base_url: \"" + fake.url() +
                              "\", rate: \"5000\", concurrency: \"32\", retry_base: 20ms, retry_cap: 500ms";
  server_process a(node_config(dir, "a", url, port_a, channel));
  server_process b(node_config(dir, "b", url, port_b, channel));
  const bool done = eventually(
      [&] {
        return count(url, "SELECT COUNT(*) FROM inbound_events") >= n &&
               count(url, "SELECT COUNT(*) FROM outbound_messages WHERE status NOT IN ('delivered', 'failed')") == 0;
      },
      std::chrono::seconds(300));
  const auto st = stats(fake);
  INFO("fake aggregator: " << st.dump());
  REQUIRE(done);
  CHECK(count(url, "SELECT COUNT(*) FROM inbound_events") == n);
  CHECK(count(url, "SELECT COUNT(*) FROM outbound_messages") == n);
  CHECK(st["accepted_twice"] == 0);
  CHECK(st["distinct_accepted"] == count(url, "SELECT COUNT(*) FROM outbound_messages WHERE external_id IS NOT NULL"));
  // Both nodes sent: each claimed under its own name.
  for (const char* node : {"a", "b"}) {
    CHECK(count(url, std::string("SELECT COUNT(*) FROM outbound_messages WHERE lease_owner = '") + node + "'") >
          n / 10);
  }
  CHECK(count(url, "SELECT COUNT(*) FROM outbound_messages WHERE status = 'failed' AND error IS NULL") == 0);
}

TEST_CASE("nodes: a node killed mid-run leaves its sends to the other once their leases expire",
          "[integration][nodes]") {
  const int n = 600;
  temp_dir dir;
  const std::string url = fresh_postgresql_database();
  const int port_a = free_port(), port_b = free_port();
  const std::string a_url = "http://127.0.0.1:" + std::to_string(port_a), b_url = "http://127.0.0.1:" + std::to_string(port_b);
  // Slow sends keep many in flight at the kill; reports go to node b only (a will be dead).
  fake_aggregator fake({"--seed", "5", "--fault-rate", "0.5", "--slow-ms", "400", "--dlr-delay-ms", "20",
                        "--at-dlr-url", b_url + "/channels/at/status", "--inbound-url", a_url + "/channels/at/sms",
                        "--inbound-rate", "3000", "--inbound-count", std::to_string(n)});
  const std::string channel = ", base_url: \"" + fake.url() +
                              "\", rate: \"400\", concurrency: \"16\", retry_base: 20ms, retry_cap: 200ms";
  server_process b(node_config(dir, "b", url, port_b, channel, ", lease: 3s"));
  {
    server_process a(node_config(dir, "a", url, port_a, channel, ", lease: 3s"));
    REQUIRE(eventually([&] { return count(url, "SELECT COUNT(*) FROM inbound_events") >= n; }, std::chrono::seconds(60)));
    REQUIRE(eventually([&] { return count(url, "SELECT COUNT(*) FROM outbound_messages WHERE lease_owner = 'a'"
                                           " AND status = 'sending'") > 0; },
                       std::chrono::seconds(30)));
    a.signal(SIGKILL);
    a.wait_exit();
  }
  const auto orphaned = count(url, "SELECT COUNT(*) FROM outbound_messages WHERE lease_owner = 'a' AND status = 'sending'");
  INFO(orphaned << " sends were in flight on node a at the kill");
  CHECK(orphaned > 0);
  const bool done = eventually(
      [&] { return count(url, "SELECT COUNT(*) FROM outbound_messages WHERE status NOT IN ('delivered', 'failed')") == 0; },
      std::chrono::seconds(120));
  const auto st = stats(fake);
  INFO("fake aggregator: " << st.dump());
  INFO("states: " << nlohmann::json(rows(shared(url), "SELECT status, lease_owner, COUNT(*) FROM outbound_messages"
                                                      " GROUP BY status, lease_owner")).dump());
  REQUIRE(done);
  CHECK(count(url, "SELECT COUNT(*) FROM outbound_messages") == n);
  // Node b took them back only after the lease, never a live node's: only a send in flight at
  // the kill can have reached the aggregator twice.
  CHECK(count(url, "SELECT COUNT(*) FROM message_events WHERE source = 'lease'") >= orphaned);
  CHECK(st["accepted_twice"].get<long long>() <= orphaned);
  CHECK_THAT(b.log(), Catch::Contains("outbox.requeued"));
}

TEST_CASE("nodes: a channel's rate holds across two nodes, not per node", "[integration][nodes]") {
  const int n = 1500;  // enough to keep both nodes sending through the whole measured window
  constexpr double rate = 100;  // messages a second, for the channel as a whole
  temp_dir dir;
  const std::string url = fresh_postgresql_database();
  const int port_a = free_port(), port_b = free_port();
  const std::string a_url = "http://127.0.0.1:" + std::to_string(port_a), b_url = "http://127.0.0.1:" + std::to_string(port_b);
  fake_aggregator fake({"--no-dlr", "--inbound-url", a_url + "/channels/at/sms," + b_url + "/channels/at/sms",
                        "--inbound-rate", "3000", "--inbound-count", std::to_string(n)});
  const std::string channel = ", base_url: \"" + fake.url() + "\", rate: \"100\", concurrency: \"8\"";
  server_process a(node_config(dir, "a", url, port_a, channel));
  server_process b(node_config(dir, "b", url, port_b, channel));
  // Past the first heartbeats (each node learns of the other within 3 s) and the buckets'
  // first burst, the accepted count grows at the channel's rate.
  REQUIRE(eventually([&] { return stats(fake).value("accepted", 0) >= 350; }, std::chrono::seconds(30)));
  const auto t0 = std::chrono::steady_clock::now();
  const auto c0 = stats(fake).value("accepted", 0);
  // Eight seconds, so that a bucket's burst (at most a second's worth) weighs little in it.
  std::this_thread::sleep_for(std::chrono::seconds(8));
  const auto c1 = stats(fake).value("accepted", 0);
  const double measured = (c1 - c0) / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  INFO("measured " << measured << " messages/s across both nodes; the channel's rate is " << rate);
  // Not per node (two nodes would send at twice the rate), and not starved by sharing it; a
  // machine busy with other tests, or ASan, measures a little either side of the rate.
  CHECK(measured > rate * 0.7);
  CHECK(measured < rate * 1.3);
  CHECK_THAT(a.log() + b.log(), Catch::Contains("\"event\":\"outbox.nodes\",\"level\":\"info\",\"nodes\":2"));
}

TEST_CASE("nodes: the database restarting mid-run: nothing is acknowledged that was not stored, and the node goes on",
          "[integration][nodes]") {
  // A cluster of this test's own, to stop and start again.
  const std::string cluster = std::string(PAYGHAM_TEST_PG_DIR) + "-restart";
  const std::string tool = std::string(PAYGHAM_SOURCE_DIR) + "/tools/pg-cluster";
  const auto run = [](const std::string& cmd) { return std::system((cmd + " >/dev/null").c_str()); };
  REQUIRE(run(tool + " start " + cluster) == 0);
  struct stop_cluster {
    std::string cmd;
    ~stop_cluster() { (void)std::system(cmd.c_str()); }
  } guard{tool + " stop " + cluster + " >/dev/null 2>&1"};
  const std::string out = cluster + "-url";
  REQUIRE(std::system((tool + " createdb " + cluster + " restart > " + out).c_str()) == 0);
  std::string url = read_file(out);
  url.erase(url.find_last_not_of('\n') + 1);

  temp_dir dir;
  server_process node(node_config(dir, "a", url, 0, ""));
  const auto sms = [&](const std::string& id) {
    return http_call(node.port(), "POST", "/channels/at/sms", "from=%2B93700000005&to=3030&text=hello&id=" + id).status;
  };
  CHECK_THAT(ussd(node.port(), "r1", "+93700000005", ""), Catch::StartsWith("CON "));
  CHECK(sms("before") == 200);

  REQUIRE(run(tool + " stop " + cluster) == 0);
  // The server is gone: an SMS is not acknowledged (the aggregator will retry it), a hop ends
  // with the error screen, and the node is not ready.
  CHECK(sms("during") == 503);
  CHECK_THAT(ussd(node.port(), "r2", "+93700000005", ""), Catch::StartsWith("END "));
  CHECK(http_call(node.port(), "GET", "/readyz").status == 503);
  // Metrics that read the store leave their sample out; the scrape and the server go on.
  const auto m = http_call(node.port(), "GET", "/metrics");
  CHECK(m.status == 200);
  CHECK_THAT(m.body, Catch::Contains("\npaygham_store_commits ") && !Catch::Contains("\npaygham_outbox_depth "));

  REQUIRE(run(tool + " start " + cluster) == 0);
  CHECK(eventually([&] { return http_call(node.port(), "GET", "/readyz").status == 200; }, std::chrono::seconds(20)));
  // The aggregator's retry is stored; the node answers as before.
  CHECK(eventually([&] { return sms("during") == 200; }, std::chrono::seconds(20)));
  CHECK_THAT(ussd(node.port(), "r3", "+93700000005", ""), Catch::StartsWith("CON "));
  CHECK(count(url, "SELECT COUNT(*) FROM inbound_events WHERE external_id IN ('before', 'during')") == 2);
  CHECK_THAT(node.log(), Catch::Contains("store.reconnected"));
}

TEST_CASE("nodes: an aggregator one node finds unreachable is paused on the other too", "[integration][nodes]") {
  temp_dir dir;
  const std::string url = fresh_postgresql_database();
  // Nothing listens on port 9: every send is refused; the breaker stays open 30 s.
  const std::string channel = ", base_url: \"http://127.0.0.1:9\", retry_base: 10ms, retry_cap: 20ms,"
                              " max_attempts: \"100\"";
  server_process a(node_config(dir, "a", url, 0, channel));
  CHECK(http_call(a.port(), "POST", "/channels/at/sms", "from=%2B93700000006&to=3030&text=INFO&id=p1").status == 200);
  REQUIRE(eventually([&] { return a.log().find("outbox.breaker_open") != std::string::npos; }, std::chrono::seconds(20)));
  // A node joining (or any node at its next lease check, every 3 s) takes the pause up and
  // does not try the aggregator itself.
  server_process b(node_config(dir, "b", url, 0, channel));
  CHECK(eventually([&] { return b.log().find("outbox.paused_by_another_node") != std::string::npos; },
                   std::chrono::seconds(10)));
  CHECK(count(url, "SELECT COUNT(*) FROM channel_pauses WHERE channel_id = 'at' AND reason = 'unreachable'") == 1);
  // Paused everywhere: no node tries it again.
  const auto tried = count(url, "SELECT attempts FROM outbound_messages");
  std::this_thread::sleep_for(std::chrono::seconds(2));
  CHECK(count(url, "SELECT attempts FROM outbound_messages") == tried);
  CHECK(b.log().find("outbox.breaker_open") == std::string::npos);
}
