// Health workers and their patients against the store, on both engines: users by phone (one
// user per phone), PIN lockouts, a series a worker started, ending a patient's series with what
// is queued for them, and the call list (one open escalation per series; closed by the worker
// who owns it, or when the patient answers again; handed to a colleague when the worker leaves).
#include "gateway/store/tx.hpp"
#include "gateway/store/rules.hpp"

#include <catch2/catch.hpp>

#include <atomic>

#include "gateway/actions/action.hpp"
#include "gateway/actions/calls.hpp"
#include "gateway/store/writer.hpp"
#include "tests/support/store_support.hpp"
#include "tests/support/support.hpp"

using namespace paygham;

namespace {

struct fixture : test::store_fixture {

  std::int64_t worker(const std::string& phone, const std::string& facility = "golshahr") {
    store::user u;
    u.name = "Worker";
    u.role = "health_worker";
    u.facility = facility;
    u.phone = phone;
    u.pin_hash = "$argon2id$stand-in";
    return test::in_tx(w, [&](store::tx& t) { return t.add_user(u); });
  }
  // A daily medicine at 08:00 the worker `by` started for `contact`.
  static store::series medicine(std::int64_t contact, std::int64_t by) {
    store::series s;
    s.contact_id = contact;
    s.channel_id = "at";
    s.programme = "health";
    s.at_minute = 480;
    s.time_zone = "Asia/Kabul";
    s.worker_id = by;
    s.flow_id = "health_reminders";
    s.node = "medicine_due";
    return s;
  }
  std::int64_t series_for(std::int64_t contact, std::int64_t by) {
    return test::in_tx(w, [&](store::tx& t) { return t.add_series(medicine(contact, by)); });
  }
  std::int64_t escalate(std::int64_t by, std::int64_t contact, std::int64_t series, const char* reason = "no_reply",
                        int misses = 2, store::call_priority priority = store::call_priority::normal) {
    store::escalation e;
    e.worker_id = by;
    e.contact_id = contact;
    e.series_id = series;
    e.reason = reason;
    e.misses = misses;
    e.priority = priority;
    return test::in_tx(w, [&](store::tx& t) { return t.escalate(e); });
  }
};

}  // namespace

TEST_CASE("workers: a user is found by phone, one user per phone, and a PIN lockout is kept", "[store]") {
  fixture fx;
  const auto id = fx.worker("+93700000900");
  const auto u = test::in_tx(fx.w, [](store::tx& t) { return t.find_user_by_phone("+93700000900"); });
  REQUIRE(u);
  CHECK(u->id == id);
  CHECK(u->role == "health_worker");
  CHECK(u->facility == "golshahr");
  CHECK(u->pin_hash == "$argon2id$stand-in");
  CHECK_FALSE(test::in_tx(fx.w, [](store::tx& t) { return t.find_user_by_phone("+93700000901"); }));
  CHECK_THROWS(fx.worker("+93700000900"));

  test::in_tx(fx.w, [&](store::tx& t) { t.set_pin_failures(id, 0, fx.now.load() + 60'000); });
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.find_user(id)->locked_until; }) == fx.now.load() + 60'000);
  test::in_tx(fx.w, [&](store::tx& t) { t.set_pin(id, "$argon2id$new"); });
  const auto after = test::in_tx(fx.w, [&](store::tx& t) { return t.find_user(id); });
  CHECK(after->pin_hash == "$argon2id$new");
  CHECK(after->locked_until == 0);
  // Duty hours (R-H3's roster) are set and cleared.
  test::in_tx(fx.w, [&](store::tx& t) { t.set_user_duty(id, "20:00-06:00"); });
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.find_user(id)->duty; }) == "20:00-06:00");
  test::in_tx(fx.w, [&](store::tx& t) { t.set_user_duty(id, ""); });
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.find_user(id)->duty; }).empty());
  test::in_tx(fx.w, [&](store::tx& t) { t.set_user_disabled(id, true); });
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.find_user(id)->disabled; }));
  CHECK(test::in_tx(fx.w, [](store::tx& t) { return t.list_users().size(); }) == 1);
}

TEST_CASE("workers: a patient's running series are listed, and what is queued of the programme can be cancelled", "[store]") {
  fixture fx;
  const auto by = fx.worker("+93700000900");
  const auto patient = test::in_tx(fx.w, [](store::tx& t) { return t.upsert_contact("+989121234567").id; });
  const auto first = fx.series_for(patient, by);
  const auto second = fx.series_for(patient, by);
  test::in_tx(fx.w, [&](store::tx& t) {
    store::new_message health{"at", patient, 0, "+989121234567", "your reminder", core::priority::reminder};
    health.programme = "health";
    t.queue_message(health);
    store::new_message other{"at", patient, 0, "+989121234567", "a mine alert", core::priority::alert};
    other.programme = "mine_safety";
    t.queue_message(other);
  });
  auto running = test::in_tx(fx.w, [&](store::tx& t) { return t.active_series(patient, "health"); });
  REQUIRE(running.size() == 2);
  CHECK(running[0].id == first);
  CHECK(running[0].worker_id == by);
  CHECK(running[0].flow_id == "health_reminders");
  CHECK(running[0].node == "medicine_due");
  test::in_tx(fx.w, [&](store::tx& t) { t.end_series(second); });
  running = test::in_tx(fx.w, [&](store::tx& t) { return t.active_series(patient, "health"); });
  REQUIRE(running.size() == 1);
  CHECK(running[0].id == first);
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.active_series(patient, "mine_safety").size(); }) == 0);
  test::in_tx(fx.w, [&](store::tx& t) { t.cancel_queued(patient, "health", "series ended: loss"); });
  // Only the programme's message is cancelled, with the reason in its history.
  CHECK(test::value(fx.so, "SELECT status || ':' || COALESCE(error, '') FROM outbound_messages WHERE programme = 'health'") ==
        "cancelled:series ended: loss");
  CHECK(test::value(fx.so, "SELECT status FROM outbound_messages WHERE programme = 'mine_safety'") == "queued");
  CHECK(test::value(fx.so, "SELECT COUNT(*) FROM message_events WHERE status = 'cancelled' AND source = 'series-end'") == "1");
}

TEST_CASE("workers: after a death, what of the person's visits waits to go is cancelled with their reminders, unless a relative's visit on the phone stands, and no privacy notice follows",
    "[store]") {
  fixture fx;
  const auto by = fx.worker("+93700000900");
  // The worker ends a patient's reminders (the health-worker menu's reminders.end).
  const auto ended = [&](const std::string& phone, const char* reason) {
    return test::in_tx(fx.w, [&](store::tx& t) {
      actions::request r;
      r.phone = "+93700000900";
      r.channel_id = "at";
      r.args = {{"worker", std::to_string(by)},
                {"phone", phone},
                {"reason", reason},
                {"programme", "health"},
                {"visits", "appointments"}};
      return actions::reminders_end(t, r).outcome;
    });
  };
  const auto died = [&](const std::string& phone) { return ended(phone, "death"); };
  // A patient with a reminder and a visit's message waiting to go (held for the morning), told
  // who keeps their number by the health programme's notice (R-D7), which may be among them.
  const auto patient = [&](const std::string& phone) {
    return test::in_tx(fx.w, [&](store::tx& t) {
      const auto id = t.upsert_contact(phone).id;
      t.set_contact_fields(
          id, {{"notice_health", "2026-11-29"}, {"notice_appointments", "2026-11-29 health"}});
      t.add_series(fixture::medicine(id, by));
      for (const char* programme : {"health", "appointments"}) {
        store::new_message m{"at", id, 0, phone, "waits", core::priority::reminder};
        m.programme = programme;
        t.queue_message(m);
      }
      return id;
    });
  };
  const auto states = [&](std::int64_t contact) {
    return test::rows(
        fx.so,
        "SELECT programme, status || ':' || COALESCE(error, '') FROM outbound_messages"
        " WHERE contact_id = " +
            std::to_string(contact) + " ORDER BY id");
  };
  const auto notices_to_send = [&] {
    return test::value(fx.so, "SELECT COUNT(*) FROM jobs WHERE kind = 'privacy.notice'");
  };
  const auto alone = patient("+93700000171");
  CHECK(died("+93700000171") == "ok");
  CHECK(states(alone) ==
        std::vector<std::vector<std::string>>{{"health", "cancelled:series ended: death"},
                                              {"appointments", "cancelled:series ended: death"}});
  CHECK(notices_to_send() == "0");  // nothing new to the family's phone
  // Moved to another clinic: the visits go on, and are told again who keeps the number.
  const auto moved = patient("+93700000173");
  CHECK(ended("+93700000173", "transfer") == "ok");
  CHECK(states(moved) ==
        std::vector<std::vector<std::string>>{{"health", "cancelled:series ended: transfer"},
                                              {"appointments", "queued:"}});
  CHECK(notices_to_send() == "1");
  // A child's visit booked on the mother's phone: the family still expects what is said of it.
  const auto mother = patient("+93700000172");
  test::in_tx(fx.w, [&](store::tx& t) {
    auto b = test::booked_visit(mother, "golshahr", t.now() / 86'400'000 + 3);
    b.for_whom = "child-1";
    REQUIRE(t.take_slot(b, 10));
  });
  CHECK(died("+93700000172") == "ok");
  CHECK(states(mother) ==
        std::vector<std::vector<std::string>>{{"health", "cancelled:series ended: death"},
                                              {"appointments", "queued:"}});
}

TEST_CASE("workers: what is queued of one series is cancelled without touching the patient's other series",
          "[store]") {
  fixture fx;
  const auto by = fx.worker("+93700000900");
  const auto patient = test::in_tx(fx.w, [](store::tx& t) { return t.upsert_contact("+989121234567").id; });
  const auto morning = fx.series_for(patient, by);
  const auto evening = fx.series_for(patient, by);
  test::in_tx(fx.w, [&](store::tx& t) {
    for (const auto series : {morning, evening}) {
      store::new_message m{"at", patient, 0, "+989121234567", "your reminder", core::priority::reminder};
      m.programme = "health";
      m.series_id = series;
      t.queue_message(m);
    }
    t.cancel_series_queued(morning, "reminders paused");
  });
  CHECK(test::value(fx.so, "SELECT status || ':' || COALESCE(error, '') FROM outbound_messages WHERE series_id = " +
                               std::to_string(morning)) == "cancelled:reminders paused");
  CHECK(test::value(fx.so, "SELECT status FROM outbound_messages WHERE series_id = " + std::to_string(evening)) ==
        "queued");
  CHECK(test::value(fx.so, "SELECT COUNT(*) FROM message_events WHERE status = 'cancelled' AND source = 'series-end'") == "1");
}

TEST_CASE(
    "workers: a series' open question is let go when it ends, the patient's other questions kept",
    "[store]") {
  fixture fx;
  const auto by = fx.worker("+93700000900");
  const auto patient =
      test::in_tx(fx.w, [](store::tx& t) { return t.upsert_contact("+93700000131").id; });
  const auto pregnancy = fx.series_for(patient, by);
  const auto other = fx.series_for(patient, by);
  // Waiting by SMS: the pregnancy reminder's question, the other series', and a booking's.
  const auto waiting = [&](const std::string& state) {
    return test::in_tx(fx.w, [&](store::tx& t) {
      store::run r;
      r.contact_id = patient;
      r.channel_id = "at";
      r.medium = store::medium::sms;
      r.status = store::run_status::waiting;
      r.flow_id = "health_reminders";
      r.flow_hash = "h";
      r.state = state;
      t.save_run(r);
      return r.id;
    });
  };
  const auto reminder =
      waiting(R"({"node":"visit_due","vars":{"series":")" + std::to_string(pregnancy) + R"("}})");
  const auto others =
      waiting(R"({"node":"medicine_due","vars":{"series":")" + std::to_string(other) + R"("}})");
  const auto booking = waiting(R"({"node":"remind","vars":{"booking":"7"}})");
  test::in_tx(fx.w, [&](store::tx& t) { t.expire_series_questions(patient, pregnancy); });
  const auto run = [&](std::int64_t id) {
    return *test::in_tx(fx.w, [&](store::tx& t) { return t.find_run(id); });
  };
  CHECK(run(reminder).status == store::run_status::expired);
  CHECK(run(reminder).state.find(std::to_string(pregnancy)) ==
        std::string::npos);  // its answers let go
  CHECK(run(others).status == store::run_status::waiting);
  CHECK(run(booking).status == store::run_status::waiting);
}

TEST_CASE(
    "workers: one open call per series, closed by its worker or when the patient answers again "
    "(not one they asked for), a phone's no "
    "taking over its reason, and a new reason or priority forgets that the worker was told",
    "[store]") {
  fixture fx;
  const auto by = fx.worker("+93700000900");
  const auto other = fx.worker("+93700000901");
  const auto patient = test::in_tx(fx.w, [](store::tx& t) { return t.upsert_contact("+93700000101").id; });
  const auto series = fx.series_for(patient, by);
  const auto id = fx.escalate(by, patient, series);
  CHECK(id != 0);
  CHECK(fx.escalate(by, patient, series) == 0);                    // already on the list
  CHECK(fx.escalate(by, patient, series, "unconfirmed", 0) == 0);  // silence adds nothing to it
  auto open = test::in_tx(fx.w, [&](store::tx& t) { return t.open_escalations(by); });
  REQUIRE(open.size() == 1);
  CHECK(open[0].phone == "+93700000101");
  CHECK(open[0].misses == 2);
  CHECK(open[0].reason == "no_reply");
  // The phone then says the reminders are not wanted on it: the worker must see that instead.
  CHECK(fx.escalate(by, patient, series, "not_wanted", 0) == id);
  CHECK(fx.escalate(by, patient, series, "not_wanted", 0) == 0);  // said once is enough
  open = test::in_tx(fx.w, [&](store::tx& t) { return t.open_escalations(by); });
  REQUIRE(open.size() == 1);
  CHECK(open[0].reason == "not_wanted");
  CHECK(open[0].misses == 2);  // what went unanswered before still counts
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.open_escalations(other).size(); }) == 0);
  // By clinic: the worker's clinic's, another clinic's (none), every clinic's.
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.open_escalations_at("golshahr").size(); }) == 1);
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.open_escalations_at("central").size(); }) == 0);
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.open_escalations_at("").size(); }) == 1);

  // Another worker cannot close it; its own worker can, once.
  CHECK_FALSE(test::in_tx(fx.w, [&](store::tx& t) { return t.resolve_escalation(id, other); }));
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.resolve_escalation(id, by); }));
  CHECK_FALSE(test::in_tx(fx.w, [&](store::tx& t) { return t.resolve_escalation(id, by); }));

  // Closed, the series may be escalated again; the patient answering closes that one.
  CHECK(fx.escalate(by, patient, series) != 0);
  test::in_tx(fx.w, [&](store::tx& t) { t.resolve_series_escalations(series); });
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.open_escalations(by).size(); }) == 0);

  // Reminders left unanswered, then a medicine said not taken: the worker must see the medicine,
  // and a later "Done" does not close that call.
  // The worker was told of the unanswered reminders; of the medicine, not yet.
  const auto unanswered = fx.escalate(by, patient, series);
  const auto told_of = [&] {
    const auto calls = test::in_tx(fx.w, [&](store::tx& t) { return t.open_escalations(by); });
    REQUIRE(calls.size() == 1);
    return calls[0].told_at;
  };
  CHECK(told_of() == 0);
  test::in_tx(fx.w, [&](store::tx& t) { t.escalation_told(unanswered); });
  CHECK(told_of() != 0);
  CHECK(fx.escalate(by, patient, series, "not_taken", 3) == unanswered);
  CHECK(told_of() == 0);
  test::in_tx(fx.w, [&](store::tx& t) { t.escalation_told(unanswered); });
  CHECK(fx.escalate(by, patient, series, "not_taken", 4) == 0);  // said once is enough
  CHECK(told_of() != 0);
  test::in_tx(fx.w, [&](store::tx& t) { t.resolve_series_escalations(series); });
  open = test::in_tx(fx.w, [&](store::tx& t) { return t.open_escalations(by); });
  REQUIRE(open.size() == 1);
  CHECK(open[0].reason == "not_taken");
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.resolve_escalation(unanswered, by); }));

  // A call the patient asked for stays through their next answers ("I am well" a week after
  // "I need help"), until the worker calls.
  const auto asked = fx.escalate(by, patient, series, "call_asked", 0);
  CHECK(asked != 0);
  test::in_tx(fx.w, [&](store::tx& t) { t.resolve_series_escalations(series); });
  open = test::in_tx(fx.w, [&](store::tx& t) { return t.open_escalations(by); });
  REQUIRE(open.size() == 1);
  CHECK(open[0].id == asked);
  CHECK(open[0].reason == "call_asked");
  // Nor does a "no" to the six-monthly question make it look like a number to check.
  test::in_tx(fx.w, [&](store::tx& t) { t.escalation_told(asked); });
  CHECK(fx.escalate(by, patient, series, "not_wanted", 0) == 0);
  CHECK(told_of() != 0);
  CHECK(fx.escalate(by, patient, series, "not_wanted", 0, store::call_priority::high) == asked);  // sooner, though
  open = test::in_tx(fx.w, [&](store::tx& t) { return t.open_escalations(by); });
  REQUIRE(open.size() == 1);
  CHECK(open[0].reason == "call_asked");
  CHECK(open[0].priority == store::call_priority::high);
  CHECK(open[0].told_at == 0);  // the worker has not heard it is pressing now
  test::in_tx(fx.w, [&](store::tx& t) { t.escalation_told(asked); });
  CHECK(test::in_tx(
      fx.w, [&](store::tx& t) { return t.raise_escalation(asked, store::call_priority::urgent); }));
  CHECK(told_of() == 0);
}

TEST_CASE("workers: calls are listed the most pressing first (urgent, high, normal, low), and urgent inbox items "
          "are counted apart",
          "[store]") {
  fixture fx;
  const auto by = fx.worker("+93700000900");
  const auto earlier = test::in_tx(fx.w, [](store::tx& t) { return t.upsert_contact("+93700000101").id; });
  const auto later = test::in_tx(fx.w, [](store::tx& t) { return t.upsert_contact("+93700000102").id; });
  const auto checkin = test::in_tx(fx.w, [](store::tx& t) { return t.upsert_contact("+93700000103").id; });
  const auto late = test::in_tx(fx.w, [](store::tx& t) { return t.upsert_contact("+93700000104").id; });
  fx.escalate(by, checkin, fx.series_for(checkin, by), "no_reply", 1, store::call_priority::low);
  fx.escalate(by, earlier, fx.series_for(earlier, by));
  fx.escalate(by, later, 0, "call_asked", 0);
  fx.escalate(by, later, 0, "urgent", 0, store::call_priority::urgent);
  const auto missed = fx.escalate(by, late, 0, "missed_visit", 1);
  using p = store::call_priority;
  // A visit missed late in a pregnancy: the open call is made sooner, never later.
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.raise_escalation(missed, p::high); }));
  CHECK_FALSE(test::in_tx(fx.w, [&](store::tx& t) { return t.raise_escalation(missed, p::high); }));
  CHECK_FALSE(test::in_tx(fx.w, [&](store::tx& t) { return t.raise_escalation(missed, p::low); }));
  for (const auto& open : {test::in_tx(fx.w, [&](store::tx& t) { return t.open_escalations(by); }),
                           test::in_tx(fx.w, [&](store::tx& t) { return t.open_escalations_at("golshahr"); })}) {
    REQUIRE(open.size() == 5);
    CHECK(open[0].reason == "urgent");
    CHECK(open[0].priority == p::urgent);
    CHECK(open[0].contact_id == later);
    CHECK(open[1].reason == "missed_visit");  // raised, its reason kept
    CHECK(open[1].priority == p::high);
    CHECK(open[2].reason == "no_reply");  // then oldest first
    CHECK(open[3].reason == "call_asked");
    CHECK(open[4].contact_id == checkin);
    CHECK(open[4].priority == p::low);
  }
  // The series' open call raised again, more pressing (a pregnancy flagged high risk since):
  // the same call, now high, and its id says the worker should hear of it.
  const auto series = fx.series_for(earlier, by);
  CHECK(fx.escalate(by, earlier, series, "no_reply", 3) != 0);
  CHECK(fx.escalate(by, earlier, series, "no_reply", 4) == 0);
  CHECK(fx.escalate(by, earlier, series, "no_reply", 4, p::high) != 0);
  CHECK(fx.escalate(by, earlier, series, "no_reply", 5, p::low) == 0);
  const auto now_open = test::in_tx(fx.w, [&](store::tx& t) { return t.open_escalations(by); });
  REQUIRE(now_open.size() == 6);
  CHECK(now_open[2].series_id == series);
  CHECK(now_open[2].priority == p::high);
  // A call the patient asked for, raised: what the worker must see (call_asked) stays.
  const auto asked = fx.series_for(checkin, by);
  CHECK(fx.escalate(by, checkin, asked, "call_asked", 0) != 0);
  CHECK(fx.escalate(by, checkin, asked, "no_reply", 2, p::high) != 0);
  int raised = 0;
  for (const auto& e : test::in_tx(fx.w, [&](store::tx& t) { return t.open_escalations(by); })) {
    if (e.series_id != asked) continue;
    ++raised;
    CHECK(e.reason == "call_asked");
    CHECK(e.priority == p::high);
  }
  CHECK(raised == 1);
  // The supervisors are told of the clinic's open high calls once: the three now, then none.
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.high_calls_told_at("golshahr"); }) == 0);
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.mark_high_calls_told("golshahr"); }) == 3);
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.mark_high_calls_told("golshahr"); }) == 0);
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.mark_high_calls_told("central"); }) == 0);
  const auto told_at = test::in_tx(fx.w, [&](store::tx& t) { return t.high_calls_told_at("golshahr"); });
  CHECK(told_at == fx.now.load());
  // A working day on, those still open are told of again, once: not those told of later, nor
  // another clinic's.
  fx.now += 86'400'000;
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.mark_overdue_calls_told("golshahr", told_at - 1); }) == 0);
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.mark_overdue_calls_told("central", told_at); }) == 0);
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.mark_overdue_calls_told("golshahr", told_at); }) == 3);
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.mark_overdue_calls_told("golshahr", fx.now.load()); }) == 0);
  // A high-risk flag is kept with the series; every series of a person still running, whatever
  // its programme, is found (both pregnancy and medicine, say).
  test::in_tx(fx.w, [&](store::tx& t) { t.set_series_high_risk(series, true); });
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.find_series(series)->high_risk; }));
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.running_series(earlier).size(); }) == 2);
  test::in_tx(fx.w, [&](store::tx& t) { t.end_series(series); });
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.running_series(earlier).size(); }) == 1);

  const auto since = test::in_tx(fx.w, [](store::tx& t) { return t.now(); });
  test::in_tx(fx.w, [&](store::tx& t) {
    t.add_inbox(store::inbox_item{later, 0, "at", "", "where is the clinic?"});
    store::inbox_item urgent{later, 0, "at", "", "bleeding"};
    urgent.urgent = true;
    t.add_inbox(urgent);
  });
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.inbox_items_since(later, since, false); }) == 2);
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.inbox_items_since(later, since, true); }) == 1);
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.inbox_items_since(earlier, since, true); }) == 0);
  const auto page = test::in_tx(fx.w, [&](store::tx& t) { return t.inbox_page({}, 0, 10); });
  REQUIRE(page.size() == 2);
  CHECK(page[0].urgent);  // newest first
  CHECK_FALSE(page[1].urgent);
}

TEST_CASE("workers: a person's shared phone (with who recorded it) and consents are kept and erased with them, a pause "
          "with the series",
          "[store]") {
  fixture fx;
  const auto by = fx.worker("+93700000900");
  const auto patient = test::in_tx(fx.w, [](store::tx& t) { return t.upsert_contact("+989121234567").id; });
  const auto before = test::in_tx(fx.w, [&](store::tx& t) { return t.find_contact_record(patient); });
  CHECK(before.shared_phone == "unknown");
  CHECK(before.privacy_recorded_by.empty());
  CHECK(before.privacy_recorded_at == 0);
  test::in_tx(fx.w, [&](store::tx& t) {
    t.set_phone_privacy(patient, "yes", false, "user:1");
    t.add_consent(patient, {"health", "in_person", "user:1"});
    t.add_consent(patient, {"mine_safety", "phone_call", "token:2"});
  });
  const auto record = test::in_tx(fx.w, [&](store::tx& t) { return t.find_contact_record(patient); });
  CHECK(record.shared_phone == "yes");
  CHECK(record.privacy_recorded_by == "user:1");
  CHECK(record.privacy_recorded_at == fx.now.load());
  REQUIRE(record.consents.size() == 2);
  CHECK(record.consents[0].programme == "health");
  CHECK(record.consents[0].via == "in_person");
  CHECK(record.consents[0].recorded_by == "user:1");
  CHECK(record.consents[0].at == fx.now.load());
  CHECK(record.consents[1].programme == "mine_safety");

  const auto series = fx.series_for(patient, by);
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.find_series(series)->paused_until; }) == 0);
  test::in_tx(fx.w, [&](store::tx& t) { t.set_series_paused(series, fx.now.load() + 86'400'000); });
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.find_series(series)->paused_until; }) == fx.now.load() + 86'400'000);

  REQUIRE(test::in_tx(fx.w, [&](store::tx& t) { return t.erase_contact(patient); }));
  const auto erased = test::in_tx(fx.w, [&](store::tx& t) { return t.find_contact_record(patient); });
  CHECK(erased.shared_phone == "unknown");
  CHECK(erased.privacy_recorded_by.empty());
  CHECK(erased.privacy_recorded_at == 0);
  CHECK(erased.consents.empty());
}

TEST_CASE("workers: texts that name the care are kept only for a phone nobody else reads, and erased with the person",
          "[store]") {
  fixture fx;
  const auto patient = test::in_tx(fx.w, [](store::tx& t) { return t.upsert_contact("+989121234567").id; });
  const auto loaded = [&] {
    return test::in_tx(fx.w, [&](store::tx& t) {
      const auto by_id = t.find_contact(patient);
      const auto by_phone = t.upsert_contact("+989121234567");
      const auto record = t.find_contact_record(patient);
      CHECK(by_id->explicit_texts == by_phone.explicit_texts);
      CHECK(record.explicit_texts == by_phone.explicit_texts);
      return by_phone.explicit_texts;
    });
  };
  CHECK_FALSE(loaded());
  // Asked for, but others read the phone (or nobody knows): not kept (R-S11).
  test::in_tx(fx.w, [&](store::tx& t) { t.set_phone_privacy(patient, "yes", true, "token:2"); });
  CHECK_FALSE(loaded());
  test::in_tx(fx.w, [&](store::tx& t) { t.set_phone_privacy(patient, "unknown", true, "token:2"); });
  CHECK_FALSE(loaded());
  test::in_tx(fx.w, [&](store::tx& t) { t.set_phone_privacy(patient, "no", true, "token:2"); });
  CHECK(loaded());
  // A later answer that the phone is shared turns them off.
  test::in_tx(fx.w, [&](store::tx& t) { t.set_phone_privacy(patient, "yes", false, "token:2"); });
  CHECK_FALSE(loaded());
  test::in_tx(fx.w, [&](store::tx& t) { t.set_phone_privacy(patient, "no", true, "token:2"); });
  CHECK(loaded());
  // STOP ALL stops them too; starting again does not bring them back unasked.
  test::in_tx(fx.w, [&](store::tx& t) { t.set_opted_out(patient, true); });
  CHECK_FALSE(loaded());
  test::in_tx(fx.w, [&](store::tx& t) { t.set_opted_out(patient, false); });
  CHECK_FALSE(loaded());
  test::in_tx(fx.w, [&](store::tx& t) { t.set_phone_privacy(patient, "no", true, "token:2"); });
  REQUIRE(test::in_tx(fx.w, [&](store::tx& t) { return t.erase_contact(patient); }));
  const auto erased = test::in_tx(fx.w, [&](store::tx& t) { return t.find_contact_record(patient); });
  CHECK(erased.shared_phone == "unknown");
  CHECK_FALSE(erased.explicit_texts);
}

TEST_CASE("workers: a reminder queued to name the care is not sent once the phone may be read by others",
          "[store]") {
  fixture fx;
  const auto by = fx.worker("+93700000900");
  const auto patient = test::in_tx(fx.w, [](store::tx& t) { return t.upsert_contact("+989121234567").id; });
  const auto series = fx.series_for(patient, by);
  const auto queue = [&](const char* body, std::int64_t of_series) {
    test::in_tx(fx.w, [&](store::tx& t) {
      store::new_message m{"at", patient, 0, "+989121234567", body, core::priority::reminder};
      m.series_id = of_series;
      m.not_before = fx.now.load() + 3'600'000;  // held for the morning
      t.queue_message(m);
    });
  };
  test::in_tx(fx.w, [&](store::tx& t) { t.set_phone_privacy(patient, "no", true, "token:2"); });
  queue("Time to take your medicine.", series);
  queue("Your visit is tomorrow.", 0);  // not a health worker's reminder: never written to name the care
  // Asked again, the same answer: nothing changes.
  test::in_tx(fx.w, [&](store::tx& t) { t.set_phone_privacy(patient, "no", true, "token:2"); });
  CHECK(test::value(fx.so, "SELECT COUNT(*) FROM outbound_messages WHERE status = 'queued'") == "2");
  test::in_tx(fx.w, [&](store::tx& t) { t.set_phone_privacy(patient, "yes", false, "token:2"); });
  CHECK(test::rows(fx.so, "SELECT body, status, error FROM outbound_messages ORDER BY id") ==
        std::vector<std::vector<std::string>>{{"Time to take your medicine.", "cancelled", store::care_named_reason},
                                              {"Your visit is tomorrow.", "queued", ""}});
  CHECK(test::value(fx.so, "SELECT COUNT(*) FROM message_events WHERE status = 'cancelled' AND source = 'privacy'") == "1");
  // Neutral already: a reminder queued since is left alone by another "yes".
  queue("Your reminder for today.", series);
  test::in_tx(fx.w, [&](store::tx& t) { t.set_phone_privacy(patient, "yes", false, "token:2"); });
  CHECK(test::value(fx.so, "SELECT status FROM outbound_messages WHERE body = 'Your reminder for today.'") == "queued");
}

TEST_CASE("workers: people are found by a part of their name, in any case, oldest first", "[store]") {
  fixture fx;
  test::in_tx(fx.w, [](store::tx& t) {
    const std::vector<std::pair<std::string, std::string>> people = {
        {"+93700000001", "Sima Karimi"}, {"+93700000002", "Karim Sadat"}, {"+93700000003", "زهرا کریمی"}, {"+93700000004", ""},
        {"+93700000005", "علي كاظمي"}};  // typed on an Arabic keyboard
    for (const auto& [phone, name] : people) {
      const auto who = t.upsert_contact(phone);
      if (!name.empty()) t.set_contact_fields(who.id, {{"name", name}});
    }
  });
  const auto names = [&](const std::string& part, std::size_t limit = 50) {
    std::vector<std::string> out;
    for (const auto& c : test::in_tx(fx.w, [&](store::tx& t) { return t.find_contacts_by_name(part, limit); })) {
      out.push_back(c.fields.at("name"));
    }
    return out;
  };
  CHECK(names("karim") == std::vector<std::string>{"Sima Karimi", "Karim Sadat"});
  CHECK(names("کریم") == std::vector<std::string>{"زهرا کریمی"});
  // Arabic and Persian yeh and kaf are the same letters to a person searching, both ways.
  CHECK(names("كريم") == std::vector<std::string>{"زهرا کریمی"});
  CHECK(names("علی کاظمی") == std::vector<std::string>{"علي كاظمي"});
  CHECK(names("karim", 1) == std::vector<std::string>{"Sima Karimi"});
  CHECK(names("%").empty());  // a sign is itself, not a pattern
  CHECK(names("nobody").empty());
}

TEST_CASE("workers: a refill series keeps its cycle and when it was answered, and is named a refill", "[store]") {
  fixture fx;
  const auto by = fx.worker("+93700000900");
  const auto contact = test::in_tx(fx.w, [](store::tx& t) { return t.upsert_contact("+93700000101").id; });
  auto s = fixture::medicine(contact, by);
  s.at_minute = 600;
  s.node = "refill_due";
  s.every_days = 60;
  s.from_day = 20'800;
  const auto id = test::in_tx(fx.w, [&](store::tx& t) { return t.add_series(s); });
  const auto back = test::in_tx(fx.w, [&](store::tx& t) { return t.find_series(id); });
  REQUIRE(back);
  CHECK(back->every_days == 60);
  CHECK(back->from_day == 20'800);
  CHECK_FALSE(back->anchor_day);
  CHECK(store::series_kind(*back) == "refill");
  CHECK(back->answered_at == 0);
  // Acknowledged: no misses in a row, and when (a refill asks no more once answered).
  test::in_tx(fx.w, [&](store::tx& t) { t.set_series_misses(id, 2); });
  test::in_tx(fx.w, [&](store::tx& t) { t.series_answered(id); });
  const auto answered = test::in_tx(fx.w, [&](store::tx& t) { return t.find_series(id); });
  CHECK(answered->misses == 0);
  CHECK(answered->answered_at == fx.now.load());
  // A daily one stays medicine: no cycle.
  const auto daily_id = fx.series_for(contact, by);
  const auto daily = test::in_tx(fx.w, [&](store::tx& t) { return t.find_series(daily_id); });
  REQUIRE(daily);
  CHECK(daily->every_days == 0);
  CHECK(store::series_kind(*daily) == "medicine");
}

TEST_CASE("workers: a health worker who leaves hands their running reminders and open calls to a colleague at the "
          "clinic who can open the menu, a supervisor first, and a newcomer takes over what all left",
          "[store]") {
  fixture fx;
  const auto leaving = fx.worker("+93700000900");
  const auto colleague = fx.worker("+93700000901");
  const auto elsewhere = fx.worker("+93700000902", "central");
  const auto supervisor = fx.worker("+93700000903");
  test::in_tx(fx.w, [&](store::tx& t) { t.set_user_supervisor(supervisor, true); });
  store::user no_pin;  // at the clinic, but cannot open the menu
  no_pin.name = "No PIN";
  no_pin.role = "health_worker";
  no_pin.facility = "golshahr";
  no_pin.phone = "+93700000904";
  no_pin.supervisor = true;
  test::in_tx(fx.w, [&](store::tx& t) { t.add_user(no_pin); });

  const auto patient = test::in_tx(fx.w, [](store::tx& t) { return t.upsert_contact("+93700000101").id; });
  const auto running = fx.series_for(patient, leaving);
  const auto ended = fx.series_for(patient, leaving);
  test::in_tx(fx.w, [&](store::tx& t) { t.end_series(ended); });
  const auto open = fx.escalate(leaving, patient, running, "call_asked", 0);
  const auto closed = fx.escalate(leaving, patient, ended);
  test::in_tx(fx.w, [&](store::tx& t) { t.resolve_escalation(closed, leaving); });

  const auto handed = test::in_tx(fx.w, [&](store::tx& t) {
    return actions::disable_user(t, *t.find_user(leaving));
  });
  CHECK(handed.to == supervisor);
  CHECK(handed.series == 1);
  CHECK(handed.calls == 1);
  test::in_tx(fx.w, [&](store::tx& t) {
    CHECK(t.find_user(leaving)->disabled);
    CHECK(t.find_series(running)->worker_id == supervisor);
    CHECK(t.find_series(ended)->worker_id == leaving);  // what ended stays as it was
    const auto calls = t.open_escalations(supervisor);
    REQUIRE(calls.size() == 1);
    CHECK(calls[0].id == open);
    CHECK(t.open_escalations(leaving).empty());
    CHECK(t.open_escalations(colleague).empty());
    CHECK(t.open_escalations(elsewhere).empty());
    CHECK(actions::caller_for(t, leaving)->id == supervisor);  // for the series that ended
    // Found by its number whoever has it now (an urgent call's alarm), and only while open.
    REQUIRE(t.find_open_escalation(open));
    CHECK(t.find_open_escalation(open)->worker_id == supervisor);
    CHECK_FALSE(t.find_open_escalation(closed));
    CHECK_FALSE(t.find_open_escalation(open + closed + 1000));
  });

  // The supervisor leaves in turn: the colleague has them. Then the colleague: nobody is left.
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return actions::disable_user(t, *t.find_user(supervisor)); }).to ==
        colleague);
  const auto last = test::in_tx(fx.w, [&](store::tx& t) { return actions::disable_user(t, *t.find_user(colleague)); });
  CHECK(last.to == 0);
  CHECK(last.json() == nlohmann::json::object());
  test::in_tx(fx.w, [&](store::tx& t) {
    CHECK(t.find_series(running)->worker_id == colleague);
    CHECK(t.open_escalations(colleague).size() == 1);
    CHECK_FALSE(actions::caller_for(t, leaving));  // nobody to take a new call
  });

  // A health worker made there later takes over what they all left; the calls of a series that
  // ended (after a pregnancy loss, a call may still be asked for) go to the newcomer too.
  const auto newcomer = fx.worker("+93700000905");
  const auto took = test::in_tx(fx.w, [&](store::tx& t) { return actions::take_over_patients(t, *t.find_user(newcomer)); });
  CHECK(took.to == newcomer);
  CHECK(took.series == 1);
  CHECK(took.calls == 1);
  test::in_tx(fx.w, [&](store::tx& t) {
    CHECK(t.open_escalations(newcomer).size() == 1);
    CHECK(actions::caller_for(t, leaving)->id == newcomer);  // the ended series' worker left
    CHECK(actions::caller_for(t, newcomer)->id == newcomer);
  });
}
