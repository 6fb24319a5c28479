#include "gateway/runner/runner.hpp"

#include <catch2/catch.hpp>

#include "gateway/actions/action.hpp"
#include "gateway/actions/appointments.hpp"
#include "gateway/actions/calls.hpp"
#include "gateway/actions/privacy.hpp"
#include "gateway/actions/reminders.hpp"
#include "gateway/runner/internal.hpp"
#include "gateway/schedule/calendar.hpp"
#include "gateway/store/tx.hpp"
#include "gateway/text/format.hpp"
#include "tests/support/store_support.hpp"
#include "tests/support/support.hpp"

using namespace paygham;

namespace {

// The shipped flows and templates, through a real store on a temporary file.
struct fixture {
  test::temp_dir dir;
  store::options so = test::fresh_store(test::engine_under_test(), dir);
  std::unique_ptr<store::writer> owned = store::open_writer(so);
  store::writer& writer = *owned;
  runner::runner run;

  explicit fixture(std::string default_language = "en", std::vector<std::string> offered = {})
      : run(load(), settings(std::move(default_language), std::move(offered))) {}

  static runner::settings settings(std::string default_language, std::vector<std::string> offered) {
    runner::settings s;
    s.default_language = std::move(default_language);
    s.timezone = "Asia/Kabul";
    s.languages = std::move(offered);
    s.emergency_number = "112";
    return s;
  }

  static std::shared_ptr<const runner::content> load() {
    auto c = std::make_shared<runner::content>();
    std::vector<std::string> problems;
    c->texts = text::catalog::load_dir(std::string(PAYGHAM_SOURCE_DIR) + "/templates", problems);
    c->flows = flow::flow_set::load_dir(std::string(PAYGHAM_SOURCE_DIR) + "/flows", problems);
    c->words = text::lexicon::load(std::string(PAYGHAM_SOURCE_DIR) + "/lexicon/yes_no.yaml", problems);
    REQUIRE(problems.empty());
    return c;
  }

  core::ussd_reply hop(const std::string& session, const std::string& text,
                       const std::string& code = "*384*12#", const std::string& phone = "+93700000001") {
    core::ussd_request u{"at", session, phone, code, text, "41201"};
    return test::in_tx(writer, [&](store::tx& t) { return run.apply_ussd(t, u); });
  }

  runner::sms_outcome sms(const std::string& id, const std::string& text) {
    core::inbound_sms m{"console", id, "+93700000002", "384", text, 0};
    return test::in_tx(writer, [&](store::tx& t) { return run.apply_sms(t, m); });
  }

  int count(const char* sql) { return std::stoi(test::value(so, sql)); }

  std::vector<std::string> queued_bodies() {
    std::vector<std::string> out;
    for (const auto& row : test::rows(so, "SELECT body FROM outbound_messages ORDER BY id")) out.push_back(row[0]);
    return out;
  }
};


// A runner on the fixture flows in tests/fixtures/<flows>, with English texts the test gives,
// over a fresh store whose clock the test moves (`now`).
struct flow_fixture {
  test::temp_dir dir;
  core::unix_ms now = 1'795'982'400'000;  // 2026-11-29 20:00 UTC: 00:30 on the 30th in Kabul
  store::options so = test::fresh_store(test::engine_under_test(), dir);
  std::unique_ptr<store::writer> writer;
  std::unique_ptr<runner::runner> run;

  flow_fixture(const char* flows, std::initializer_list<std::pair<const char*, const char*>> texts,
               std::function<void(runner::content&)> more = nullptr, runner::settings settings = {}) {
    so.clock = [this] { return now; };
    writer = store::open_writer(so);
    auto c = std::make_shared<runner::content>();
    std::vector<std::string> problems;
    c->flows = flow::flow_set::load_dir(test::fixture_path(flows), problems);
    REQUIRE(problems.empty());
    for (const auto& [key, text] : texts) c->texts.add("en", key, text);
    if (more) more(*c);
    run = std::make_unique<runner::runner>(c, std::move(settings));
  }

  core::ussd_reply dial(const std::string& session, const std::string& code, const std::string& text,
                        const std::string& phone = "+93700000001", const std::string& channel = "at") {
    const core::ussd_request u{channel, session, phone, code, text, ""};
    return test::in_tx(*writer, [&](store::tx& t) { return run->apply_ussd(t, u); });
  }
};

// The daily medicine reminder of tests/fixtures/flows/reminders (*5#: 1 morning, 2 evening).
struct pills_fixture : flow_fixture {
  pills_fixture()
      : flow_fixture("flows/reminders",
                     {{"pills.when", "When?"}, {"pills.morning", "Morning"}, {"pills.evening", "Evening"},
                      {"pills.reminder", "Time for your medicine."}, {"pills.done", "You will get a reminder every day."},
                      {"pills.sorry", "Sorry."}, {"common.back", "Back"}}) {}
};

}  // namespace

TEST_CASE("runner: a USSD session walks the welcome flow to its END screen", "[runner]") {
  fixture fx;
  auto r = fx.hop("s1", "");
  CHECK_FALSE(r.end);
  CHECK(r.text == "Red Crescent\n1. Clinic hours\n2. Mine safety\n3. My data");
  r = fx.hop("s1", "1");
  CHECK_FALSE(r.end);
  CHECK(r.text == "Which clinic?\n1. Golshahr Helal House\n2. Central clinic\n0. Back");
  r = fx.hop("s1", "1*2");
  CHECK(r.end);
  CHECK(r.text == "Central clinic: open Saturday to Wednesday, 8 am to 2 pm.");
  CHECK(fx.count("SELECT COUNT(*) FROM flow_runs WHERE status = 'completed'") == 1);
  CHECK(fx.count("SELECT COUNT(*) FROM contacts WHERE phone = '+93700000001'") == 1);
}

TEST_CASE("runner: a retried hop gets the same screen and does not step twice", "[runner]") {
  fixture fx;
  fx.hop("s1", "");
  const auto first = fx.hop("s1", "1");
  const auto retry = fx.hop("s1", "1");
  CHECK(retry.text == first.text);
  CHECK_FALSE(retry.end);
  // The run still waits at the clinic question: answering it finishes the flow.
  CHECK(fx.hop("s1", "1*1").end);
}

TEST_CASE("runner: an older hop sent again after a newer one gets its own screen, never a step", "[runner]") {
  fixture fx;
  fx.hop("s1", "");
  const auto menu_answer = fx.hop("s1", "1");
  CHECK_THAT(menu_answer.text, Catch::StartsWith("Which clinic?"));
  const auto dial = fx.hop("s1", "");  // the first hop, late
  CHECK(dial.text == "Red Crescent\n1. Clinic hours\n2. Mine safety\n3. My data");
  CHECK(fx.hop("s1", "1").text == menu_answer.text);
  // The run is where the newest hop left it: the clinic question answers "2".
  const auto end = fx.hop("s1", "1*2");
  CHECK(end.end);
  CHECK_THAT(end.text, Catch::StartsWith("Central clinic"));
  CHECK(fx.count("SELECT COUNT(*) FROM flow_runs") == 1);
  // Older than the hop before: the current screen, still no step.
  fx.hop("s2", "");
  fx.hop("s2", "1");
  const auto back = fx.hop("s2", "1*0");  // Back to the menu
  CHECK_THAT(back.text, Catch::StartsWith("Red Crescent"));
  CHECK(fx.hop("s2", "").text == back.text);
  CHECK_THAT(fx.hop("s2", "1*0*2").text, Catch::StartsWith("Do not touch a mine"));
}

TEST_CASE("runner: another number's session id never continues that person's session", "[runner]") {
  fixture fx;
  fx.hop("s1", "");
  fx.hop("s1", "1");
  // Someone else sends the same session id: refused with a short END, nothing stepped.
  const auto foreign = fx.hop("s1", "1*1", "*384*12#", "+93700000666");
  CHECK(foreign.end);
  CHECK_THAT(foreign.text, Catch::StartsWith("Sorry"));
  // The owner goes on where they were.
  const auto own = fx.hop("s1", "1*1");
  CHECK(own.end);
  CHECK_THAT(own.text, Catch::StartsWith("Golshahr Helal House"));
}

TEST_CASE("runner: digits dialled after the service code pre-answer screens", "[runner]") {
  fixture fx;
  const auto r = fx.hop("s9", "1*1");
  CHECK(r.end);
  CHECK_THAT(r.text, Catch::StartsWith("Golshahr Helal House: open Saturday"));
}

TEST_CASE("runner: an unknown service code ends politely and stores no run", "[runner]") {
  fixture fx;
  const auto r = fx.hop("s2", "", "*999#");
  CHECK(r.end);
  CHECK(r.text == "This service is not available.");
  CHECK(fx.count("SELECT COUNT(*) FROM flow_runs") == 0);
}

TEST_CASE("runner: answers typed in Persian digits and decorations are understood",
          "[runner]") {
  fixture fx;
  fx.hop("p1", "");
  CHECK_THAT(fx.hop("p1", "۱").text, Catch::StartsWith("Which clinic?"));
  CHECK(fx.hop("p1", "۱*(2)").end);
}

TEST_CASE("runner: the default language chooses the texts", "[runner]") {
  fixture fx("fa");
  const auto r = fx.hop("s3", "");
  CHECK(r.text == "هلال احمر\n۱- ساعت کار درمانگاه\n۲- ایمنی از مین\n۳- اطلاعات من");
}

TEST_CASE("runner: an SMS keyword starts the flow and its questions are queued", "[runner]") {
  fixture fx;
  auto out = fx.sms("m1", "info");
  CHECK_FALSE(out.duplicate);
  CHECK(out.queued == 1);
  CHECK(out.flow_id == "welcome");
  out = fx.sms("m2", " 2 ");
  CHECK(out.queued == 1);
  const auto bodies = fx.queued_bodies();
  REQUIRE(bodies.size() == 2);
  CHECK(bodies[0] == "Red Crescent\n1. Clinic hours\n2. Mine safety\n3. My data");
  CHECK_THAT(bodies[1], Catch::StartsWith("Do not touch a mine"));
  CHECK(fx.count("SELECT COUNT(*) FROM flow_runs WHERE status = 'completed' AND medium = 'sms'") == 1);
}

TEST_CASE("runner: a run that ends keeps where it ended, never what was answered in it", "[runner]") {
  fixture fx;
  const auto vars_of = [&](const char* status, const char* medium) {
    const auto rows = test::rows(fx.so, std::string("SELECT state FROM flow_runs WHERE status = '") + status +
                                            "' AND medium = '" + medium + "'");
    REQUIRE(rows.size() == 1);
    const auto state = nlohmann::json::parse(rows[0][0]);
    CHECK(state.contains("node"));
    return state["vars"];
  };
  // Completed: the topic and clinic chosen are let go, and the inputs and screens that led
  // there; a retried last hop still gets its END screen.
  fx.hop("s1", "");
  fx.hop("s1", "1");
  const auto last = fx.hop("s1", "1*2");
  REQUIRE(last.end);
  CHECK(vars_of("completed", "ussd").empty());
  CHECK(test::rows(fx.so, "SELECT last_input, prev_input, prev_reply FROM flow_runs WHERE status = 'completed'") ==
        std::vector<std::vector<std::string>>{{"", "", ""}});
  const auto again = fx.hop("s1", "1*2");
  CHECK(again.end);
  CHECK(again.text == last.text);
  // Waiting by SMS while a question is open, with the province and district given...
  fx.sms("m1", "MINE");
  fx.sms("m2", "1");
  fx.sms("m3", "1");
  fx.sms("m4", "Kohsan");
  CHECK(vars_of("waiting", "sms")["district"] == "Kohsan");
  // ...and ended when another flow's keyword takes over the phone: let go too.
  fx.sms("m5", "INFO");
  CHECK(vars_of("expired", "sms").empty());
}

TEST_CASE("runner: an SMS to a flow that keeps none is recorded without its words, once", "[runner]") {
  fixture fx;
  // The health workers' flow (keep_sms: false): a command names a patient and their care.
  CHECK(fx.sms("e1", "ENROL 0700 123 456 ANC 1405/7/1").flow_id == "health_reminders");
  CHECK(fx.sms("e1", "ENROL 0700 123 456 ANC 1405/7/1").duplicate);
  fx.sms("i1", "INFO");
  // A sender who stopped everything is only told so: their command is let go all the same.
  fx.sms("s1", "STOP ALL");
  fx.sms("e2", "ENROL 0700 123 456 MED 20:00");
  CHECK(test::rows(fx.so, "SELECT external_id, body FROM inbound_events ORDER BY id") ==
        std::vector<std::vector<std::string>>{{"e1", ""}, {"i1", "INFO"}, {"s1", "STOP ALL"}, {"e2", ""}});
}

TEST_CASE("runner: the same SMS delivered twice is applied once", "[runner]") {
  fixture fx;
  CHECK_FALSE(fx.sms("m1", "INFO").duplicate);
  const auto again = fx.sms("m1", "INFO");
  CHECK(again.duplicate);
  CHECK(again.queued == 0);
  CHECK(fx.count("SELECT COUNT(*) FROM inbound_events") == 1);
  CHECK(fx.count("SELECT COUNT(*) FROM outbound_messages") == 1);
}

TEST_CASE("runner: an SMS nothing claims is kept and acknowledged", "[runner]") {
  fixture fx;
  const auto out = fx.sms("m1", "when is my appointment?");
  CHECK(out.flow_id.empty());
  CHECK(out.queued == 1);
  CHECK(fx.queued_bodies().at(0) == "Thank you. A person will read your message. Emergency: 112. For the menu, send INFO.");
  CHECK(fx.count("SELECT COUNT(*) FROM inbound_events") == 1);
}

TEST_CASE("runner: a new number chooses its language first, and it is remembered", "[runner]") {
  fixture fx("en", {"prs", "ps", "fa", "en"});
  auto r = fx.hop("g1", "");
  CHECK_FALSE(r.end);
  CHECK(r.text == "زبان / ژبه / Language\n1 دری\n2 پښتو\n3 فارسی\n4 English");
  r = fx.hop("g1", "9");  // not a language: asked again, with the reason
  CHECK_THAT(r.text, Catch::StartsWith("1-4:\nزبان"));
  r = fx.hop("g1", "9*۱");
  CHECK(r.text == "هلال احمر\n۱- ساعات کار کلینیک\n۲- مصونیت از ماین\n۳- معلومات من");
  CHECK(fx.count("SELECT COUNT(*) FROM contacts WHERE language = 'prs'") == 1);
  CHECK(fx.hop("g1", "9*۱*2").end);
  // The next session skips the question; pre-answers after a picker answer go to the flow.
  CHECK(fx.hop("g2", "").text == "هلال احمر\n۱- ساعات کار کلینیک\n۲- مصونیت از ماین\n۳- معلومات من");
  fixture other("en", {"prs", "ps", "fa", "en"});
  CHECK_THAT(other.hop("g3", "4*2").text, Catch::StartsWith("Do not touch a mine"));
}

TEST_CASE("runner: a broadcast of a text the gateway has not loaded yet waits for the reload, then goes", "[runner]") {
  // Asked for from the command line, which reads the templates on disk before the server did.
  pills_fixture fx;
  test::in_tx(*fx.writer, [](store::tx& t) { t.subscribe(t.upsert_contact("+93700000001").id, "mine_safety", "herat", "at"); });
  test::in_tx(*fx.writer, [](store::tx& t) {
    store::broadcast b;
    b.topic = "mine_safety";
    b.area = "herat";
    b.template_key = "winter.cold";
    b.prio = core::priority::alert;
    b.requested_by = "user:1";
    b.approved_by = "user:2";
    b.audience = 1;
    b.not_before = t.now();
    runner::start_broadcast(t, b);
    b.template_key = "winter.never";  // a second, whose text never comes
    runner::start_broadcast(t, b);
  });
  const auto tick = [&] { return test::in_tx(*fx.writer, [&](store::tx& t) { return fx.run->tick(t); }); };
  tick();
  CHECK(test::value(fx.so, "SELECT COUNT(*) FROM outbound_messages") == "0");
  CHECK(test::value(fx.so, "SELECT COUNT(*) FROM jobs WHERE status = 'parked'") == "0");
  CHECK(test::value(fx.so, "SELECT COUNT(*) FROM jobs WHERE status = 'pending' AND kind = 'broadcast.batch'") == "2");
  // The operator reloads: a minute later it is queued.
  auto with_text = std::make_shared<runner::content>(*fx.run->current());
  with_text->texts.add("en", "winter.cold", "Red Crescent: cold night ahead.");
  fx.run->reload(with_text);
  fx.now += 60'000;
  tick();
  CHECK(test::value(fx.so, "SELECT body FROM outbound_messages") == "Red Crescent: cold night ahead.");
  // The other waits a day, a minute at a time, then is parked with the reason.
  for (int minute = 0; minute < 24 * 60 + 2; ++minute) {
    fx.now += 60'000;
    tick();
  }
  CHECK_THAT(test::value(fx.so, "SELECT problem FROM jobs WHERE status = 'parked'"),
             Catch::Contains("no text 'winter.never' in any language for a day"));
}

TEST_CASE("runner: a PIN typed at the language picker of a menu behind a PIN is never stored", "[runner]") {
  // A health worker on a new phone expects the PIN prompt and types the PIN at the picker.
  fixture fx("en", {"prs", "ps", "fa", "en"});
  const auto pin_kept = [&] {
    return fx.count("SELECT COUNT(*) FROM flow_runs WHERE last_input LIKE '%2580%' OR prev_input LIKE '%2580%'"
                    " OR state LIKE '%2580%' OR last_reply LIKE '%2580%' OR prev_reply LIKE '%2580%'");
  };
  CHECK_THAT(fx.hop("p1", "", "*384*16#").text, Catch::StartsWith("زبان / ژبه / Language"));
  CHECK_THAT(fx.hop("p1", "2580", "*384*16#").text, Catch::StartsWith("1-4:\nزبان"));
  CHECK(pin_kept() == 0);
  // The aggregator's retry of that hop is still known, and answered with its own screen.
  CHECK_THAT(fx.hop("p1", "2580", "*384*16#").text, Catch::StartsWith("1-4:\nزبان"));
  CHECK(fx.hop("p1", "2580*4", "*384*16#").text ==  // (no worker has this phone here)
        "This number is not registered as a health worker. Ask your supervisor.");
  CHECK(pin_kept() == 0);
  // A Pashto speaker's letters check comes before the PIN too: the PIN typed there is not kept.
  fx.hop("p3", "", "*384*16#", "+93700000003");
  CHECK_THAT(fx.hop("p3", "2", "*384*16#", "+93700000003").text, Catch::Contains("ټ"));
  fx.hop("p3", "2*2580", "*384*16#", "+93700000003");
  CHECK(pin_kept() == 0);
  // Where no PIN is asked, a wrong answer at the picker is no secret, and kept as typed.
  fx.hop("p2", "");
  fx.hop("p2", "2580");
  CHECK(pin_kept() == 1);
}

TEST_CASE("runner: a run finishes on the flow version it started on after a reload", "[runner]") {
  fixture fx;
  CHECK_FALSE(fx.hop("v1", "").end);  // started on the shipped version

  // Version 2: the clinic question shows the menu's title instead.
  auto v2 = std::make_shared<runner::content>(*fixture::load());
  std::string yaml = test::read_file(std::string(PAYGHAM_SOURCE_DIR) + "/flows/welcome.yaml");
  const std::string from = "text: welcome.clinic_which";
  yaml.replace(yaml.find(from), from.size(), "text: welcome.menu");
  std::vector<std::string> problems;
  flow::flow_set flows;
  flows.add(flow::parse_flow("welcome", "welcome.yaml", yaml, problems));
  REQUIRE(problems.empty());
  v2->flows = flows;
  fx.run.reload(v2);

  // The run under way keeps its version; a new session gets the new one.
  CHECK_THAT(fx.hop("v1", "1").text, Catch::StartsWith("Which clinic?"));
  CHECK(fx.hop("v1", "1*1").end);
  fx.hop("v2", "");
  CHECK_THAT(fx.hop("v2", "1").text, Catch::StartsWith("Red Crescent\n1. Golshahr"));
}

TEST_CASE("runner: an action that throws is undone alone and the flow takes its error branch",
          "[runner]") {
  test::temp_dir dir;
  const store::options so = test::fresh_store(test::engine_under_test(), dir);
  const auto writer = store::open_writer(so);
  auto c = std::make_shared<runner::content>();
  std::vector<std::string> problems;
  c->flows = flow::flow_set::load_dir(test::fixture_path("flows/data"), problems);
  REQUIRE(problems.empty());
  for (const auto& [key, text] : {std::pair{"pick.which", "Which clinic?"}, {"pick.done", "Booked at {clinic}."},
                                  {"pick.closed", "No clinic is open."}}) {
    c->texts.add("en", key, text);
  }
  actions::registry acts;
  acts.add({"clinics.list",
            [](store::tx& t, const actions::request& r) -> flow::action_result {
              t.add_inbox(store::inbox_item{r.contact_id, r.run_id, r.channel_id, r.flow_id, "half"});
              throw std::runtime_error("the clinic list is not reachable");
            },
            "test: writes, then fails"});
  runner::runner run(c, {}, &acts);
  const core::ussd_request u{"at", "a1", "+93700000001", "*384*70#", "", ""};
  const auto reply = test::in_tx(*writer, [&](store::tx& t) { return run.apply_ussd(t, u); });
  CHECK(reply.end);
  CHECK(reply.text == "No clinic is open.");
  CHECK(test::value(so, "SELECT COUNT(*) FROM inbox") == "0");
  CHECK(test::value(so, "SELECT status FROM flow_runs") == "completed");
}

TEST_CASE("runner: a job nobody can apply is parked with the reason and kept, never taken again", "[runner]") {
  fixture fx;
  test::in_tx(fx.writer, [](store::tx& t) {
    t.add_job("from.a.newer.build", t.now() - 1, "{}");
    t.add_job("flow.timeout", t.now() - 1, "{\"run\": \"seven\"}");
    t.add_job("flow.timeout", t.now() - 1, "{\"run\": 999, \"asked\": 1}");  // the run is gone: done
  });
  test::in_tx(fx.writer, [&](store::tx& t) { fx.run.tick(t); });
  CHECK(test::rows(fx.so, "SELECT kind, status, COALESCE(problem, '') FROM jobs ORDER BY id") ==
        std::vector<std::vector<std::string>>{{"from.a.newer.build", "parked", "no handler for this kind"},
                                              {"flow.timeout", "parked", "payload is not {run, asked}"},
                                              {"flow.timeout", "done", ""}});
  const auto again = test::in_tx(fx.writer, [&](store::tx& t) { return fx.run.tick(t); });
  CHECK(again.timeouts == 0);
  CHECK(fx.count("SELECT COUNT(*) FROM jobs WHERE status = 'parked'") == 2);
}

TEST_CASE("runner: the clinic's cancellation is kept (parked) when its flow is gone, and the inbox asks to tell them",
          "[runner]") {
  fixture fx;
  test::in_tx(fx.writer, [](store::tx& t) {
    const auto booked = t.take_slot(test::booked_visit(t.upsert_contact("+93700000001").id,
                                                       "central", t.now() / 86'400'000 + 2),
                                    5);
    REQUIRE(booked);
    t.set_booking_status(booked->id, store::booking_status::cancelled);
    // Its flow was renamed, or removed, since the cancellation was queued.
    t.add_job(actions::booking_reminder::cancelled_kind, t.now() - 1,
              actions::booking_reminder{booked->id, "old_appointments", "clinic_cancelled"}.json());
  });
  test::in_tx(fx.writer, [&](store::tx& t) { fx.run.tick(t); });
  CHECK(test::rows(fx.so, "SELECT kind, status, COALESCE(problem, '') FROM jobs ORDER BY id") ==
        std::vector<std::vector<std::string>>{{"booking.cancelled", "parked", "flow 'old_appointments' is gone"}});
  CHECK(fx.count("SELECT COUNT(*) FROM outbound_messages") == 0);
  // The operators' inbox asks someone to tell the person.
  CHECK_THAT(test::value(fx.so, "SELECT body FROM inbox"),
             Catch::StartsWith("Please tell them: the clinic cancelled visit ") &&
                 Catch::EndsWith("; no SMS went (the flow old_appointments is gone)"));
}

// A message of `programme` to `who` waiting to go (a notice queued at night for the morning).
void queue_waiting(store::tx& t, const store::contact& who, const std::string& programme) {
  store::new_message m{"at", who.id, 0, who.phone, "Waits for the morning.", core::priority::reply};
  m.programme = programme;
  t.queue_message(m);
}

TEST_CASE("runner: the privacy notice goes once a day, and again after a stop of the programme whose notice told them",
          "[runner]") {
  fixture fx;
  const auto notice = [&](const char* programme) {
    return test::in_tx(fx.writer, [&](store::tx& t) {
      actions::request r;
      r.contact_id = t.upsert_contact("+93700000001").id;
      r.flow_id = programme;
      r.programme = programme;
      r.time_zone = "Asia/Kabul";
      const auto told = actions::privacy_notice(t, r);
      std::map<std::string, std::string> fields;  // as the runner saves them
      for (const auto& [name, value] : told.vars) fields[name.substr(flow::contact_prefix.size())] = value;
      t.set_contact_fields(r.contact_id, fields);
      return told.outcome;
    });
  };
  CHECK(notice("appointments") == "new");
  CHECK(notice("appointments") == "given");
  CHECK(notice("health_reminders") == "given");  // one notice a day covers every programme
  CHECK(notice("health_reminders") == "given");
  // Appointments stopped before its notice was sent (at night, it waited for the morning): the
  // notice went with its other messages, so it and what it covered count as not told.
  const auto stop = [&](const char* programme, bool out) {
    test::in_tx(fx.writer, [&](store::tx& t) {
      const auto who = t.upsert_contact("+93700000001");
      if (out) {
        queue_waiting(t, who, programme);
        actions::forget_notices(t, who, programme, "at");
      }
      t.set_programme_opt_out(who.id, programme, out);
    });
  };
  stop("appointments", true);
  CHECK(notice("mine_safety") == "new");
  CHECK(notice("health_reminders") == "given");  // covered by mine safety's, sent now
  CHECK(notice("appointments") == "given");  // stopped: nothing would reach them, nothing noted
  stop("appointments", false);  // START: the notice of the day covers it
  CHECK(notice("appointments") == "given");
  stop("mine_safety", true);
  CHECK(notice("health_reminders") == "new");
  // Stopping everything forgets every notice: after START, the next enrolment tells them again.
  test::in_tx(fx.writer, [&](store::tx& t) {
    const auto who = t.upsert_contact("+93700000001");
    t.set_opted_out(who.id, true);
    actions::forget_notices(t, who, "", "");
    t.set_opted_out(who.id, false);
  });
  CHECK(notice("health_reminders") == "new");
}

TEST_CASE(
    "runner: a stop of the programme whose notice told another, before it went, tells the other "
    "again at "
    "once, and not once it went",
    "[runner]") {
  fixture fx;
  auto with_stop = std::make_shared<runner::content>(*fixture::load());
  with_stop->keywords = text::keywords({"STOP", "11"}, {"START", "12"}, {"HELP"}, {}, {"STOP ALL"});
  fx.run.reload(with_stop);
  const std::string today = test::in_tx(fx.writer, [&](store::tx& t) {
    return schedule::day_text(*schedule::local_day(t.now(), "Asia/Kabul"));
  });
  // A booking and a health enrolment the same day: the booking's notice told both.
  const auto told_by_booking = [&] {
    test::in_tx(fx.writer, [&](store::tx& t) {
      t.set_contact_fields(
          t.upsert_contact("+93700000002").id,
          {{"notice_appointments", today}, {"notice_health", today + " appointments"}});
    });
  };
  const auto field = [&](const std::string& programme) {
    return test::in_tx(fx.writer, [&](store::tx& t) {
      return t.find_contact(t.upsert_contact("+93700000002").id)->fields.at("notice_" + programme);
    });
  };
  const auto notices = [&] {
    return fx.count(
        "SELECT COUNT(*) FROM outbound_messages WHERE programme = 'health' AND body LIKE '%keeps "
        "your number%'");
  };
  const auto tick = [&] { test::in_tx(fx.writer, [&](store::tx& t) { fx.run.tick(t); }); };

  // The booking's notice went long ago: 11 to the visit's reminder stops the visits alone, and
  // the health reminders go on as told.
  told_by_booking();
  const auto booking_message = [&] {
    return test::in_tx(fx.writer, [&](store::tx& t) {
      const auto who = t.upsert_contact("+93700000002");
      store::new_message m{
          "console", who.id, 0, who.phone, "Will you come tomorrow?", core::priority::reply};
      m.programme = "appointments";
      return t.queue_message(m);
    });
  };
  const auto sent = booking_message();
  test::in_tx(fx.writer, [&](store::tx& t) {
    t.set_message_status(sent, core::message_status::sent, "send", "200", {}, "");
    // A lesson queued for its day is routine: no notice is among such messages.
    const auto who = t.upsert_contact("+93700000002");
    store::new_message lesson{
        "at", who.id, 0, who.phone, "A lesson for tomorrow.", core::priority::bulk};
    lesson.programme = "appointments";
    t.queue_message(lesson);
  });
  fx.sms("stop-1", "11");
  CHECK(field("appointments").empty());  // told again when they take the stop back
  CHECK(field("health") == today + " appointments");
  tick();
  CHECK(notices() == 0);

  // The booking's notice still waits for the morning when they stop the visits: the health
  // reminders that go on are told again, at once, as the health programme's (once: a second
  // stop finds the notice owed to nobody).
  test::in_tx(fx.writer, [&](store::tx& t) {
    t.set_programme_opt_out(t.upsert_contact("+93700000002").id, "appointments", false);
  });
  told_by_booking();
  booking_message();
  fx.sms("stop-2", "11");
  CHECK(field("health").empty());
  CHECK(field("appointments").empty());
  tick();
  CHECK(notices() == 1);
  CHECK(field("health") == today);
  CHECK(field("appointments").empty());  // stopped: nothing reaches them, nothing noted
  tick();
  CHECK(notices() == 1);
}

TEST_CASE("runner: a stop taken back owes the notices it forgot, once, and not for what stays stopped", "[runner]") {
  fixture fx;
  const auto field = [&](const std::string& programme) {
    return test::in_tx(fx.writer, [&](store::tx& t) {
      const auto who = t.find_contact(t.upsert_contact("+93700000001").id);
      const auto it = who->fields.find("notice_" + programme);
      return it == who->fields.end() ? std::string("(none)") : it->second;
    });
  };
  const auto again = [&](const char* taken_back) {
    return test::in_tx(fx.writer, [&](store::tx& t) {
      return actions::notice_again(t, t.upsert_contact("+93700000001").id, taken_back, "Asia/Kabul");
    });
  };
  const auto stop = [&](const char* programme, bool out) {
    test::in_tx(fx.writer, [&](store::tx& t) {
      const auto who = t.upsert_contact("+93700000001");
      if (out) {
        queue_waiting(t, who, programme);
        actions::forget_notices(t, who, programme, "");
      }
      t.set_programme_opt_out(who.id, programme, out);
    });
  };
  CHECK_FALSE(again(""));  // never told: nothing forgotten, nothing owed
  test::in_tx(fx.writer, [&](store::tx& t) {
    t.set_contact_fields(t.upsert_contact("+93700000001").id,
                         {{"notice_appointments", "2026-11-28"}, {"notice_mine_safety", "2026-11-28"}});
  });
  stop("appointments", true);
  stop("mine_safety", true);
  stop("mine_safety", false);  // 12 takes back the newest stop: mine safety's
  CHECK(again("mine_safety"));
  const std::string today = test::in_tx(fx.writer, [&](store::tx& t) {
    return schedule::day_text(*schedule::local_day(t.now(), "Asia/Kabul"));
  });
  CHECK(field("mine_safety") == today);
  CHECK(field("appointments").empty());  // still stopped: nothing reaches them, nothing noted
  CHECK_FALSE(again("mine_safety"));     // told now: not twice
  stop("appointments", false);
  // The notice of the day covers it: noted as told by mine safety's, no second SMS.
  CHECK_FALSE(again("appointments"));
  CHECK(field("appointments") == today + " mine_safety");
  // Taking back a programme that owes no notice (never enrolled) sends none, even when another
  // programme's was forgotten: that one waits for its own START or enrolment.
  stop("mine_safety", true);
  CHECK(field("appointments").empty());  // told by mine safety's notice: forgotten with it
  stop("health_reminders", true);
  stop("health_reminders", false);
  CHECK_FALSE(again("health_reminders"));
  CHECK(field("appointments").empty());
  CHECK(field("health_reminders") == "(none)");
  // An enrolment while stopped notes the notice as owed: START then sends it.
  test::in_tx(fx.writer, [&](store::tx& t) {
    actions::request r;
    r.contact_id = t.upsert_contact("+93700000001").id;
    r.flow_id = r.programme = "mine_safety";
    r.time_zone = "Asia/Kabul";
    const auto told = actions::privacy_notice(t, r);
    CHECK(told.outcome == "given");
    CHECK(told.vars == std::map<std::string, std::string>{{"contact.notice_mine_safety", ""}});
  });
  stop("mine_safety", false);
  CHECK(again("mine_safety"));
  CHECK(field("appointments") == today + " mine_safety");
}

TEST_CASE("runner: a run's state and a hop's screen read back as they were stored", "[runner]") {
  using namespace paygham::runner::detail;
  paygham::flow::state s;
  s.node = "ask_clinic";
  s.vars = {{"name", "مریم \"م\""}, {"note", "line\nnext\ttab"}, {"@resume", "menu"}};
  s.invalid = 2;
  s.trail = {"language", "menu"};
  s.page = 1;
  s.asked = 7;
  const auto back = state_from_json(to_json(s));
  CHECK(back.node == s.node);
  CHECK(back.vars == s.vars);
  CHECK(back.invalid == 2);
  CHECK(back.trail == s.trail);
  CHECK(back.page == 1);
  CHECK(back.asked == 7);
  s.secret_parts = {0, 2};
  CHECK(state_from_json(to_json(s)).secret_parts == s.secret_parts);
  // A field this version does not know is passed over whole; one it knows must be as written.
  const auto later = state_from_json(
      R"({"asked":1,"invalid":2,"later":{"a":[1,{"node":null}],"vars":[2.5],"node":{}},"node":"menu","page":3,)"
      R"("vars":{"k":"v"}})");
  CHECK(later.node == "menu");
  CHECK(later.invalid == 2);
  CHECK(later.asked == 1);
  CHECK(later.page == 3);
  CHECK(later.vars == std::map<std::string, std::string>{{"k", "v"}});
  CHECK(later.trail.empty());
  for (const char* wrong :
       {R"({"invalid":0,"vars":{}})", R"({"invalid":0,"node":3,"vars":{}})",
        R"({"invalid":0,"node":"a","vars":{"k":1}})", R"({"invalid":"0","node":"a","vars":{}})",
        R"({"invalid":0,"node":"a","vars":{},"trail":[1]})", R"(["node"])", R"({"node":"a")"}) {
    INFO(wrong);
    CHECK_THROWS(state_from_json(wrong));
  }
  const paygham::core::ussd_reply r{true, "خداحافظ\n\"bye\""};
  const auto rb = reply_from_json(reply_to_json(r));
  CHECK(rb.end);
  CHECK(rb.text == r.text);
}

TEST_CASE("runner: a send step in a USSD flow queues an SMS to the person, in their language", "[runner]") {
  flow_fixture fx("flows/send", {{"visit.which", "Which clinic?"}, {"visit.golshahr", "Golshahr Helal House"},
                                  {"visit.mashhad", "Mashhad clinic"}, {"visit.sure", "Book at {clinic|label}?"},
                                  {"visit.sms", "Booked: {clinic|label}."}, {"visit.booked", "Booked. An SMS is on its way."},
                                  {"visit.cancelled", "Not booked."}, {"common.yes", "Yes"}, {"common.no", "No"},
                                  {"common.back", "Back"}});
  const auto& so = fx.so;
  const auto hop = [&](const std::string& text) { return fx.dial("s1", "*2#", text); };
  CHECK(hop("").text == "Which clinic?\n1. Golshahr Helal House\n2. Mashhad clinic");
  CHECK(test::value(so, "SELECT COUNT(*) FROM outbound_messages") == "0");
  CHECK_THAT(hop("1").text, Catch::StartsWith("Book at Golshahr Helal House?"));
  const auto last = hop("1*1");
  CHECK(last.end);
  CHECK(last.text == "Booked. An SMS is on its way.");
  const auto queued = test::rows(so, "SELECT body, to_phone, channel_id, status, programme FROM outbound_messages");
  REQUIRE(queued.size() == 1);
  CHECK(queued[0] == std::vector<std::string>{"Booked: Golshahr Helal House.", "+93700000001", "at", "queued",
                                              "appointments"});
}

TEST_CASE("runner: a number held back after failed messages is reachable again once the person writes (R-S13)",
          "[runner]") {
  fixture fx;
  const auto who = test::in_tx(fx.writer, [](store::tx& t) { return t.upsert_contact("+93700000002"); });
  test::execute(fx.so, "UPDATE contacts SET unreachable = 1, failures_in_row = 3 WHERE id = " + std::to_string(who.id));
  fx.sms("in-1", "hello");
  CHECK(fx.count("SELECT unreachable FROM contacts WHERE phone = '+93700000002'") == 0);
  CHECK(fx.count("SELECT failures_in_row FROM contacts WHERE phone = '+93700000002'") == 0);
  // A USSD dial says the same.
  fx.hop("u-1", "");
  test::execute(fx.so, "UPDATE contacts SET unreachable = 1 WHERE phone = '+93700000001'");
  CHECK(fx.count("SELECT unreachable FROM contacts WHERE phone = '+93700000001'") == 1);
  fx.hop("u-2", "");
  CHECK(fx.count("SELECT unreachable FROM contacts WHERE phone = '+93700000001'") == 0);
}

TEST_CASE("runner: 11 after a programme's message stops that programme only, STOP ALL everything (R-S5)",
          "[runner]") {
  flow_fixture fx("flows/send",  // programme: appointments
                  {{"visit.which", "Which clinic?"}, {"visit.golshahr", "Golshahr"}, {"visit.mashhad", "Mashhad"},
                   {"visit.sure", "Book?"}, {"visit.sms", "Booked."}, {"visit.booked", "Booked."}, {"visit.cancelled", "No."},
                   {"common.yes", "Yes"}, {"common.no", "No"}, {"common.back", "Back"},
                   {"common.opted_out", "All stopped."}, {"common.opted_out_programme", "This service stopped."},
                   {"common.stopped", "Stopped."}, {"common.stopped_restart", "Again"}, {"common.stopped_continue", "Without"}},
                  [](runner::content& c) { c.keywords = text::keywords({"STOP", "11"}, {"START", "12"}, {"HELP"}, {}, {"STOP ALL"}); });
  const auto& so = fx.so;
  const std::string phone = "+93700000001";
  fx.dial("s1", "*2#", "1*1*1");
  const auto sms = [&](const std::string& id, const std::string& text) {
    const core::inbound_sms m{"at", id, phone, "384", text, 0};
    return test::in_tx(*fx.writer, [&](store::tx& t) { return fx.run->apply_sms(t, m); });
  };
  const auto newest = [&] { return test::value(so, "SELECT body FROM outbound_messages ORDER BY id DESC LIMIT 1"); };

  CHECK(sms("m1", "۱۱").flow_id == "@opted_out_programme");
  CHECK(newest() == "This service stopped.");
  CHECK(test::value(so, "SELECT opted_out FROM contacts") == "0");
  CHECK(test::value(so, "SELECT programme FROM contact_optouts") == "appointments");
  // Another booking's confirmation is held back; nothing else is.
  fx.dial("s2", "*2#", "1*1*1");
  CHECK(test::value(so, "SELECT status || ' ' || error FROM outbound_messages WHERE body = 'Booked.' ORDER BY id DESC LIMIT 1") ==
        "cancelled opted out of appointments");
  // A plain dial to the programme's menu says so and asks: 1 ends that programme's stop.
  CHECK(fx.dial("s3", "*2#", "").text == "Stopped.\n1. Again\n2. Without");
  CHECK_THAT(fx.dial("s3", "*2#", "1").text, Catch::StartsWith("Which clinic?"));
  CHECK(test::value(so, "SELECT COUNT(*) FROM contact_optouts") == "0");
  CHECK(fx.dial("s3", "*2#", "1*1*1").end);
  sms("m4", "11");

  CHECK(sms("m2", "STOP ALL").flow_id == "@opted_out");
  CHECK(newest() == "All stopped.");
  CHECK(test::value(so, "SELECT opted_out FROM contacts") == "1");
  // 2 goes on to the menu and changes nothing.
  CHECK(fx.dial("s4", "*2#", "").text == "Stopped.\n1. Again\n2. Without");
  CHECK_THAT(fx.dial("s4", "*2#", "2").text, Catch::StartsWith("Which clinic?"));
  CHECK(test::value(so, "SELECT opted_out FROM contacts") == "1");
  CHECK(test::value(so, "SELECT COUNT(*) FROM contact_optouts") == "1");
  // START takes back STOP ALL alone: the programme stopped before it stays stopped, until
  // another 12.
  sms("m3", "12");
  CHECK(test::value(so, "SELECT opted_out FROM contacts") == "0");
  CHECK(test::value(so, "SELECT programme FROM contact_optouts") == "appointments");
  sms("m5", "12");
  CHECK(test::value(so, "SELECT COUNT(*) FROM contact_optouts") == "0");
}

TEST_CASE("runner: a daily reminder comes at the chosen time on the person's clock, skipped while they stop it",
          "[runner]") {
  pills_fixture fx;
  const auto& so = fx.so;
  CHECK(fx.dial("s1", "*5#", "1").text == "You will get a reminder every day.");  // morning: 08:00
  CHECK(test::rows(so, "SELECT programme, template, at_minute, time_zone, active FROM series") ==
        std::vector<std::vector<std::string>>{{"health_reminders", "pills.reminder", "480", "Asia/Kabul", "1"}});
  const core::unix_ms morning = 1'796'009'400'000;  // 2026-11-30 08:00 Kabul = 03:30 UTC
  CHECK(test::value(so, "SELECT due_at FROM jobs WHERE status = 'pending'") == std::to_string(morning));

  // Nothing before its time; at it, the text, and tomorrow's is set.
  const auto tick = [&] { return test::in_tx(*fx.writer, [&](store::tx& t) { return fx.run->tick(t); }); };
  CHECK(tick().reminders == 0);
  fx.now = morning;
  CHECK(tick().reminders == 1);
  CHECK(test::rows(so, "SELECT body, programme, status FROM outbound_messages") ==
        std::vector<std::vector<std::string>>{{"Time for your medicine.", "health_reminders", "queued"}});
  CHECK(test::value(so, "SELECT due_at FROM jobs WHERE status = 'pending'") ==
        std::to_string(morning + 24 * 3'600'000));

  // While a stop of the programme holds, each day's is skipped: nothing is queued, and the
  // next day's is set, so that taking the stop back (12) brings it.
  const auto who = test::in_tx(*fx.writer, [](store::tx& t) { return t.upsert_contact("+93700000001"); });
  test::in_tx(*fx.writer, [&](store::tx& t) { t.set_programme_opt_out(who.id, "health_reminders", true); });
  fx.now = morning + 24 * 3'600'000;
  CHECK(tick().reminders == 0);
  CHECK(test::value(so, "SELECT active FROM series") == "1");
  CHECK(test::value(so, "SELECT due_at FROM jobs WHERE status = 'pending'") ==
        std::to_string(morning + 2 * 24 * 3'600'000));
  CHECK(test::value(so, "SELECT COUNT(*) FROM outbound_messages") == "1");
  test::in_tx(*fx.writer, [&](store::tx& t) { t.set_programme_opt_out(who.id, "health_reminders", false); });
  fx.now = morning + 2 * 24 * 3'600'000;
  CHECK(tick().reminders == 1);
  CHECK(test::value(so, "SELECT COUNT(*) FROM outbound_messages WHERE status = 'queued'") == "1");
}

TEST_CASE("runner: a paused reminder skips its days without a message or a miss, and comes again on the day set",
          "[runner]") {
  pills_fixture fx;
  const auto& so = fx.so;
  fx.dial("s1", "*5#", "1");  // every day at 08:00 Kabul
  const core::unix_ms morning = 1'796'009'400'000;  // 2026-11-30 08:00 Kabul
  const core::unix_ms day = 24 * 3'600'000;
  // Paused until the 2nd of December: the 30th and the 1st are skipped.
  test::in_tx(*fx.writer, [&](store::tx& t) { t.set_series_paused(1, morning + 2 * day - 8 * 3'600'000); });
  const auto tick = [&] { return test::in_tx(*fx.writer, [&](store::tx& t) { return fx.run->tick(t); }); };
  for (int i = 0; i < 2; ++i) {
    fx.now = morning + i * day;
    CHECK(tick().reminders == 0);
    CHECK(test::value(so, "SELECT due_at FROM jobs WHERE status = 'pending'") == std::to_string(morning + (i + 1) * day));
  }
  CHECK(test::value(so, "SELECT COUNT(*) FROM outbound_messages") == "0");
  CHECK(test::value(so, "SELECT active || ' ' || misses FROM series") == "1 0");
  fx.now = morning + 2 * day;
  CHECK(tick().reminders == 1);
  CHECK(test::value(so, "SELECT body FROM outbound_messages") == "Time for your medicine.");
}

TEST_CASE("runner: more due jobs than one tick takes ask for another tick at once, and none is left behind",
          "[runner]") {
  pills_fixture fx;
  // 200 people enrolled for 08:00: all due at the same instant (a tick takes 128).
  for (int i = 0; i < 200; ++i) {
    fx.dial("s" + std::to_string(i), "*5#", "1", "+9370000" + std::to_string(1000 + i));
  }
  fx.now = 1'796'009'400'000;  // 2026-11-30 08:00 Kabul
  const auto tick = [&] { return test::in_tx(*fx.writer, [&](store::tx& t) { return fx.run->tick(t, true); }); };
  const auto first = tick();
  CHECK(first.more);
  const auto second = tick();
  CHECK_FALSE(second.more);
  CHECK(first.reminders + second.reminders == 200);
  CHECK(test::value(fx.so, "SELECT COUNT(*) FROM outbound_messages") == "200");
}

TEST_CASE("runner: the antenatal contacts still ahead are announced on their days, and the series then ends",
          "[runner]") {
  flow_fixture fx("flows/reminders",
                  {{"anc.lmp", "First day of your last period?"}, {"anc.visit", "Your clinic visit is due this week."},
                   {"anc.done", "You will get a message before each visit."}, {"anc.over", "No visits left to remind."},
                   {"anc.sorry", "Sorry."}, {"common.back", "Back"}});
  // 1 June 2026 (۱۱ خرداد ۱۴۰۵): weeks 12 and 20 are past; 26, 30, 34, 36, 38 and 40 are ahead.
  CHECK(fx.dial("s1", "*6#", "۱۴۰۵/۳/۱۱").text == "You will get a message before each visit.");
  const std::vector<core::unix_ms> expected{1'796'016'600'000, 1'798'435'800'000, 1'800'855'000'000,
                                            1'802'064'600'000, 1'803'274'200'000, 1'804'483'800'000};
  std::vector<core::unix_ms> sent_at;
  for (int i = 0; i < 8; ++i) {
    const auto due = test::value(fx.so, "SELECT COALESCE(MIN(due_at), 0) FROM jobs WHERE status = 'pending'");
    if (due == "0") break;
    fx.now = std::stoll(due);
    const auto done = test::in_tx(*fx.writer, [&](store::tx& t) { return fx.run->tick(t); });
    if (done.reminders == 1) sent_at.push_back(fx.now);
  }
  CHECK(sent_at == expected);  // 10:00 in Kabul on each contact day
  CHECK(test::value(fx.so, "SELECT COUNT(*) FROM outbound_messages WHERE programme = 'antenatal'") == "6");
  CHECK(test::value(fx.so, "SELECT active FROM series") == "0");
}

TEST_CASE("runner: a broadcast's rules by priority, the same from the API and the command line", "[runner]") {
  runner::settings s;
  s.timezone = "Asia/Kabul";
  s.quiet = {21 * 60, 8 * 60};
  constexpr core::unix_ms hour = 3'600'000;
  const core::unix_ms night = 1'796'000'000'000 - (1'796'000'000'000 % (24 * hour)) + 20 * hour;  // 00:30 in Kabul
  store::broadcast alert;
  REQUIRE_FALSE(runner::plan_broadcast(alert, {"alert", night, 0, 0, "user:1"}, s));
  CHECK(alert.prio == core::priority::alert);
  CHECK(alert.not_before == night);  // at any hour
  CHECK(alert.awaiting_approval());  // a second person approves it
  CHECK(alert.requested_by == "user:1");
  CHECK(alert.expires_at == night + 24 * hour);
  store::broadcast lesson;
  REQUIRE_FALSE(runner::plan_broadcast(lesson, {"education", night, 0, 6 * hour, "user:1"}, s));
  CHECK(lesson.prio == core::priority::bulk);
  CHECK(lesson.not_before == night + 7 * hour + 30 * 60'000);  // 08:00 in Kabul
  CHECK(lesson.approved_by == "user:1");
  CHECK(lesson.expires_at == lesson.not_before + 6 * hour);
  store::broadcast none;
  CHECK(runner::plan_broadcast(none, {"area", night, 0, 0, "cli"}, s) == std::nullopt);
  CHECK(none.expires_at == 0);
  store::broadcast bad;
  CHECK(runner::plan_broadcast(bad, {"loud", night, 0, 0, "cli"}, s)->field == "priority");
  CHECK(runner::plan_broadcast(bad, {"alert", night, 0, 73 * hour, "cli"}, s)->field == "expires_at");
  CHECK(runner::plan_broadcast(bad, {"area", night, night + hour, 0, "cli"}, s)->field == "expires_at");  // before 08:00
  CHECK(runner::broadcast_priority_name(core::priority::reminder) == "area");
  // A programme with its own hours and a quiet Friday (config `programmes`): education asked
  // for at 19:00 in Kabul on Thursday 2026-11-26 waits for Saturday 09:00, an area alert for
  // Friday 09:00 (quiet days hold routine messages only); its urgent alerts still go at once,
  // and another programme keeps the defaults' hours.
  s.programme_quiet["mine_safety"] = {19 * 60, 9 * 60, 1u << 5};
  const core::unix_ms thursday_evening = *text::parse_instant("2026-11-26T14:30:00Z");
  store::broadcast education;
  education.topic = "mine_safety";
  REQUIRE_FALSE(runner::plan_broadcast(education, {"education", thursday_evening, 0, 0, "cli"}, s));
  CHECK(education.not_before == *text::parse_instant("2026-11-28T04:30:00Z"));
  store::broadcast area;
  area.topic = "mine_safety";
  REQUIRE_FALSE(runner::plan_broadcast(area, {"area", thursday_evening, 0, 0, "cli"}, s));
  CHECK(area.not_before == *text::parse_instant("2026-11-27T04:30:00Z"));
  store::broadcast urgent;
  urgent.topic = "mine_safety";
  REQUIRE_FALSE(runner::plan_broadcast(urgent, {"alert", thursday_evening, 0, 0, "cli"}, s));
  CHECK(urgent.not_before == thursday_evening);
  store::broadcast other;
  other.topic = "health";
  REQUIRE_FALSE(runner::plan_broadcast(other, {"area", thursday_evening, 0, 0, "cli"}, s));
  CHECK(other.not_before == thursday_evening);
}

TEST_CASE("runner: the six-monthly question is asked once per phone, and a no ends every reminder to it (R-S13)",
          "[runner]") {
  fixture fx;
  const std::string phone = "+93700000031";
  const auto series = test::in_tx(fx.writer, [&](store::tx& t) {
    const auto who = t.upsert_contact(phone);
    std::vector<std::int64_t> ids;
    for (const int minute : {8 * 60, 20 * 60}) {  // the morning medicine and the evening one
      store::series s;
      s.contact_id = who.id;
      s.channel_id = "at";
      s.programme = "health";
      s.at_minute = minute;
      s.time_zone = "Asia/Kabul";
      s.flow_id = "health_reminders";
      s.node = "medicine_due";
      ids.push_back(t.add_series(s));
    }
    return ids;
  });
  const auto check = [&](std::int64_t id, const char* answer) {
    return test::in_tx(fx.writer, [&](store::tx& t) {
      return fx.run.act_as(t, phone, "health_reminders", "reminders.check",
                           {{"series", std::to_string(id)}, {"answer", answer}, {"ask_again", "still_wanted"}}, "at")
          .outcome;
    });
  };
  // Both series come due for the question; the older one asks, the other keeps quiet; each has
  // its next question set, six months on.
  CHECK(check(series[1], "ask") == "skip");
  CHECK(check(series[0], "ask") == "ask");
  CHECK(fx.count("SELECT COUNT(*) FROM jobs WHERE kind = 'flow.start' AND payload LIKE '%still_wanted%'") == 2);
  // Whoever holds the phone says no: nothing of the programme goes to it any more.
  CHECK(check(series[0], "no") == "ok");
  CHECK(fx.count("SELECT COUNT(*) FROM series WHERE active = 1") == 0);
  CHECK(check(series[1], "ask") == "ended");
}

TEST_CASE("runner: a daily reminder a person set up is asked about every six months, and a no stops it (R-S13)",
          "[runner]") {
  fixture fx;
  const std::string phone = "+93700000032";
  CHECK_FALSE(fx.hop("d1", "", "*384*13#", phone).end);
  REQUIRE(fx.hop("d1", "1", "*384*13#", phone).end);  // every day at 08:00
  const auto series = std::stoll(test::value(fx.so, "SELECT id FROM series"));
  // Six months on, a minute after that day's reminder, the phone is asked by SMS.
  const auto due = std::stoll(test::value(
      fx.so, "SELECT due_at FROM jobs WHERE kind = 'flow.start' AND payload LIKE '%\"still_wanted\"%'"));
  const auto now = std::stoll(test::value(fx.so, "SELECT created_at FROM series"));
  CHECK(due - now > 181LL * 86'400'000);
  CHECK(due - now < 183LL * 86'400'000);
  CHECK((due / 60'000 + 270) % 1440 == 8 * 60 + 1);  // 08:01 in Kabul
  const auto check = [&](const char* answer) {
    return test::in_tx(fx.writer, [&](store::tx& t) {
      return fx.run
          .act_as(t, phone, "reminders", "reminders.check",
                  {{"series", std::to_string(series)}, {"answer", answer}, {"ask_again", "still_wanted"}}, "at")
          .outcome;
    });
  };
  CHECK(check("ask") == "ask");  // and the next question is set, six months on
  CHECK(fx.count("SELECT COUNT(*) FROM jobs WHERE kind = 'flow.start' AND payload LIKE '%still_wanted%'") == 2);
  // Whoever holds the phone now says no: it stops, and with no health worker behind it nobody
  // is put on a call list.
  CHECK(check("no") == "ok");
  CHECK(fx.count("SELECT COUNT(*) FROM series WHERE active = 1") == 0);
  CHECK(fx.count("SELECT COUNT(*) FROM escalations") == 0);
}

TEST_CASE("runner: two notices of a clinic's high calls due together send one SMS, and the other ends (R-H3)",
          "[runner]") {
  fixture fx;
  const auto calls = test::in_tx(fx.writer, [&](store::tx& t) {
    store::user worker;
    worker.name = "Fatima";
    worker.role = "health_worker";
    worker.facility = "golshahr";
    worker.phone = "+93700000900";
    const auto worker_id = t.add_user(worker);
    store::user lead = worker;
    lead.name = "Zahra";
    lead.phone = "+93700000950";
    lead.supervisor = true;
    t.add_user(lead);
    for (const char* phone : {"+93700000141", "+93700000142"}) {
      store::escalation e;
      e.worker_id = worker_id;
      e.contact_id = t.upsert_contact(phone).id;
      e.reason = "missed_visit";
      e.priority = store::call_priority::high;
      actions::raise_call(t, e);  // each schedules the supervisors' notice, at once
    }
    return t.now();
  });
  CHECK(fx.count("SELECT COUNT(*) FROM jobs WHERE kind = 'escalation.high' AND status = 'pending'") == 2);
  test::in_tx(fx.writer, [&](store::tx& t) { return fx.run.tick(t); });
  // One SMS counts both calls; the second job finds them told and ends instead of waiting an hour.
  CHECK(fx.count("SELECT COUNT(*) FROM outbound_messages WHERE to_phone = '+93700000950'") == 1);
  CHECK_THAT(test::value(fx.so, "SELECT body FROM outbound_messages WHERE to_phone = '+93700000950'"),
             Catch::Contains("2 patient(s)"));
  CHECK(fx.count("SELECT COUNT(*) FROM jobs WHERE kind = 'escalation.high' AND status = 'pending'") == 0);
  // And a working day on, the calls still open are told of once more.
  const std::string overdue = "SELECT COUNT(*) FROM jobs WHERE kind = 'escalation.overdue' AND status = 'pending'"
                              " AND due_at >= " + std::to_string(calls + 86'400'000 - 60'000);
  CHECK(fx.count(overdue.c_str()) == 1);
}

TEST_CASE("runner: a danger-sign text gone from the templates is skipped, and the visit after it still comes (R-H5)",
          "[runner]") {
  fixture fx;
  test::in_tx(fx.writer, [&](store::tx& t) {
    store::user worker;
    worker.name = "Fatima";
    worker.role = "health_worker";
    worker.facility = "golshahr";
    worker.phone = "+93700000900";
    store::series s;
    s.contact_id = t.upsert_contact("+93700000161").id;
    s.channel_id = "at";
    s.programme = "health";
    s.at_minute = 10 * 60;
    s.time_zone = "Asia/Kabul";
    s.worker_id = t.add_user(worker);
    s.flow_id = "health_reminders";
    s.node = "visit_due";
    s.template_key = "health.no_such_text";  // removed by an operator since she was enrolled
    s.anchor_day = t.now() / 86'400'000 - 203;  // week 29 today: a danger-sign day, then week 30
    s.offsets = {203, 210};
    const auto id = t.add_series(s);
    t.add_job(actions::series_due::kind, t.now(), actions::series_due{id, t.now(), 0}.json());
  });
  test::in_tx(fx.writer, [&](store::tx& t) { return fx.run.tick(t); });
  CHECK(fx.count("SELECT COUNT(*) FROM outbound_messages") == 0);
  // Not parked: the week-30 visit is set, a week on.
  REQUIRE(fx.count("SELECT COUNT(*) FROM jobs WHERE kind = 'series.due' AND status = 'pending'") == 1);
  const auto next = std::stoll(test::value(fx.so, "SELECT due_at FROM jobs WHERE kind = 'series.due' AND status = 'pending'"));
  CHECK(next > core::now_ms() + 6 * 86'400'000LL);
  CHECK(fx.count("SELECT COUNT(*) FROM series WHERE active = 1") == 1);
}

TEST_CASE("runner: a USSD session is given up after its own route's session timeout", "[runner]") {
  // R-U7: the route of channel "at" lets a session sit 20 s without a hop; "mtn" has none of
  // its own and keeps the default minute.
  runner::settings s;
  s.ussd_routes["at"].session_timeout_ms = 20'000;
  flow_fixture fx("flows/golden",
                  {{"handover.q1", "Which clinic?"}, {"handover.a", "Golshahr"}, {"handover.b", "Central"},
                   {"handover.q2", "Female doctor?"}, {"handover.done", "Noted."}},
                  nullptr, s);
  CHECK(fx.dial("h1", "*700#", "", "+93700000001", "at").text == "Which clinic?\n1. Golshahr\n2. Central");
  CHECK(fx.dial("h2", "*700#", "", "+93700000002", "mtn").text == "Which clinic?\n1. Golshahr\n2. Central");
  // When each session counts as dropped, its question goes on by SMS (continue_by_sms).
  std::map<std::string, core::unix_ms> drop_after;
  for (const auto& job : test::rows(fx.so, "SELECT payload, due_at FROM jobs WHERE kind = 'ussd.drop'")) {
    const auto run = nlohmann::json::parse(job[0]).at("run").get<std::int64_t>();
    const auto channel = test::value(fx.so, "SELECT channel_id FROM flow_runs WHERE id = " + std::to_string(run));
    drop_after[channel] = std::stoll(job[1]) - fx.now;
  }
  CHECK(drop_after == std::map<std::string, core::unix_ms>{{"at", 20'000}, {"mtn", 60'000}});
}

TEST_CASE("runner: a session that dropped on one route goes on where it was redialled", "[runner]") {
  // R-U12: the redial's hops come on the new route, with the new session id.
  flow_fixture fx("flows/golden",
                  {{"handover.q1", "Which clinic?"}, {"handover.a", "Golshahr"}, {"handover.b", "Central"},
                   {"handover.q2", "Female doctor?"}, {"handover.done", "Noted."}, {"common.resume", "Continue?"},
                   {"common.resume_continue", "Continue"}, {"common.resume_restart", "Start again"}});
  CHECK(fx.dial("h1", "*700#", "", "+93700000001", "at").text == "Which clinic?\n1. Golshahr\n2. Central");
  CHECK(fx.dial("h2", "*700#", "", "+93700000001", "mtn").text == "Continue?\n1. Continue\n2. Start again");
  CHECK(fx.dial("h2", "*700#", "2", "+93700000001", "mtn").text == "Which clinic?\n1. Golshahr\n2. Central");
  CHECK(test::value(fx.so, "SELECT channel_id FROM flow_runs WHERE session_id = 'h2'") == "mtn");
  CHECK(test::value(fx.so, "SELECT COUNT(*) FROM flow_runs") == "1");
}

TEST_CASE("runner: a refill's day is its cycle's, even when asked after midnight, and its steps read back",
          "[runner]") {
  store::series s;
  s.time_zone = "Asia/Kabul";
  s.at_minute = 600;
  s.every_days = 30;
  s.from_day = 20'786;  // 2026-11-29, the day before a refill on 30 November
  constexpr core::unix_ms kabul = 16'200'000;
  const auto at = [&](long long day, int minute) { return day * 86'400'000 + minute * 60'000LL - kabul; };
  // Asked at 10:00 the day before: the refill day starts at midnight, asked again 09:00, checked 20:00.
  auto t = actions::refill_times_after(s, at(20'786, 600));
  REQUIRE(t);
  CHECK(t->day_starts == at(20'787, 0));
  CHECK(t->again == at(20'787, 540));
  CHECK(t->check == at(20'787, 1200));
  // Enrolled a minute before midnight, its asking set a minute on (already the refill day): the
  // same refill, not the day after.
  t = actions::refill_times_after(s, at(20'787, 0) + 30'000);
  REQUIRE(t);
  CHECK(t->again == at(20'787, 540));
  // A cycle on: the next refill.
  t = actions::refill_times_after(s, at(20'816, 600));
  REQUIRE(t);
  CHECK(t->again == at(20'817, 540));
  // The job's payload keeps how many questions went; an old one without it reads as none.
  const auto p = actions::series_due::parse(actions::series_due{7, 1000, actions::refill_again, 1}.json());
  REQUIRE(p);
  CHECK(p->step == actions::refill_again);
  CHECK(p->questions == 1);
  CHECK(actions::series_due::parse(R"({"series": 7, "at": 1000, "step": 0})")->questions == 0);
  CHECK_FALSE(actions::series_due::parse(R"({"series": 7, "at": 1000, "questions": "one"})"));
}
