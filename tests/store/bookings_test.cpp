// Bookings against the store, on both engines: a window's places are counted with holds, a
// lapsed hold frees its place, a run holds one place at a time, codes are unique per clinic
// and day, and a cancel frees the place at once.
#include "gateway/store/tx.hpp"
#include "gateway/store/rules.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <set>

#include "gateway/store/writer.hpp"
#include "tests/support/store_support.hpp"
#include "tests/support/support.hpp"

using namespace paygham;

namespace {

constexpr long long tuesday = 20788;  // 2026-12-01

struct fixture : test::store_fixture {
  std::int64_t contact = test::in_tx(w, [](store::tx& t) { return t.upsert_contact("+93700000001").id; });

  store::booking wanted(std::int64_t run, store::booking_status st, int from = 540) {
    store::booking b;
    b.contact_id = contact;
    b.run_id = run;
    b.channel_id = "at";
    b.clinic = "herat";
    b.service = "general";
    b.day = tuesday;
    b.window_from = from;
    b.window_to = from + 180;
    b.starts_at = now.load() + 2 * 86'400'000LL;
    b.status = st;
    b.hold_until = st == store::booking_status::held ? now.load() + 15 * 60'000 : 0;
    return b;
  }
  std::optional<store::booking> take(std::int64_t run, store::booking_status st, int capacity, int from = 540) {
    return test::in_tx(w, [&](store::tx& t) { return t.take_slot(wanted(run, st, from), capacity); });
  }
  int used(int from = 540, std::int64_t except_run = 0) {
    const auto use = test::in_tx(w, [&](store::tx& t) { return t.slot_use("herat", "general", tuesday, tuesday, except_run); });
    const auto it = use.find({tuesday, from});
    return it == use.end() ? 0 : it->second;
  }
};

}  // namespace

TEST_CASE("bookings: a window takes as many as its capacity, holds included, each with its own code", "[store]") {
  fixture fx;
  std::set<std::string> codes;
  for (int i = 1; i <= 3; ++i) {
    const auto b = fx.take(i, i == 3 ? store::booking_status::booked : store::booking_status::held, 3);
    REQUIRE(b);
    CHECK(b->code.size() == 4);
    codes.insert(b->code);
  }
  CHECK(codes.size() == 3);
  CHECK(fx.used() == 3);
  CHECK_FALSE(fx.take(4, store::booking_status::held, 3));  // full
  // Another window of the same day is counted on its own.
  CHECK(fx.take(4, store::booking_status::held, 3, 14 * 60));
  // A person changing their mind does not compete with their own hold.
  CHECK(fx.used(540, 1) == 2);
}

TEST_CASE("bookings: a lapsed hold frees its place, a booking does not lapse", "[store]") {
  fixture fx;
  REQUIRE(fx.take(1, store::booking_status::held, 2));
  REQUIRE(fx.take(2, store::booking_status::booked, 2));
  CHECK_FALSE(fx.take(3, store::booking_status::held, 2));
  fx.now += 16 * 60'000;  // past the resume window
  CHECK(fx.used() == 1);
  CHECK_FALSE(test::in_tx(fx.w, [](store::tx& t) { return t.find_hold(1); }));
  CHECK(fx.take(3, store::booking_status::held, 2));
}

TEST_CASE("bookings: a run holds one place at a time, a hold becomes a booking, a cancel frees it", "[store]") {
  fixture fx;
  REQUIRE(fx.take(1, store::booking_status::held, 1));
  // The same run chooses another window: the first is let go.
  REQUIRE(fx.take(1, store::booking_status::held, 1, 14 * 60));
  CHECK(fx.used(540) == 0);
  const auto hold = test::in_tx(fx.w, [](store::tx& t) { return t.find_hold(1); });
  REQUIRE(hold);
  CHECK(hold->window_from == 14 * 60);
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.book_hold(hold->id); }));
  CHECK_FALSE(test::in_tx(fx.w, [&](store::tx& t) { return t.book_hold(hold->id); }));  // booked once
  fx.now += 60 * 60'000;  // a booking holds its place past any hold's end
  CHECK(fx.used(14 * 60) == 1);
  const auto mine = test::in_tx(fx.w, [&](store::tx& t) { return t.upcoming_bookings(fx.contact); });
  REQUIRE(mine.size() == 1);
  CHECK(mine[0].code == hold->code);
  test::in_tx(fx.w, [&](store::tx& t) { t.set_booking_status(hold->id, store::booking_status::cancelled); });
  CHECK(fx.used(14 * 60) == 0);
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.upcoming_bookings(fx.contact); }).empty());
}

TEST_CASE("bookings: a visit booked after another counts as booked again, once begun too, a cancelled one not", "[store]") {
  fixture fx;
  const auto first = fx.take(1, store::booking_status::booked, 5);
  REQUIRE(first);
  const auto again = [&](std::string_view service, std::string_view for_whom) {
    return test::in_tx(fx.w, [&](store::tx& t) { return t.booked_again(fx.contact, service, for_whom, first->id); });
  };
  CHECK_FALSE(again("general", "self"));
  const auto other = fx.take(2, store::booking_status::booked, 5, 14 * 60);
  REQUIRE(other);
  CHECK(again("general", "self"));
  CHECK_FALSE(again("general", "child-1"));  // someone else on the phone
  CHECK_FALSE(again("antenatal", "self"));
  fx.now += 3 * 86'400'000LL;  // the new visit has begun: no longer ahead, still chosen
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.upcoming_bookings(fx.contact); }).empty());
  CHECK(again("general", "self"));
  test::in_tx(fx.w, [&](store::tx& t) { t.set_booking_status(other->id, store::booking_status::cancelled); });
  CHECK_FALSE(again("general", "self"));
}

TEST_CASE("bookings: codes are four digits, spread, and unique per clinic and day", "[store]") {
  std::set<std::string> seen;
  for (int n = 0; n < 9000; ++n) seen.insert(store::booking_code("golshahr", tuesday, n));
  CHECK(seen.size() == 9000);  // every code once before any repeats
  CHECK(store::booking_code("golshahr", tuesday, 0) != store::booking_code("golshahr", tuesday + 1, 0));
  CHECK(*seen.begin() == "1000");
  CHECK(*seen.rbegin() == "9999");
}

TEST_CASE("bookings: reception closes a clinic day and opens it again, other clinics and days staying open", "[store]") {
  fixture fx;
  const auto closed = [&](const char* clinic) {
    return test::in_tx(fx.w, [&](store::tx& t) { return t.closed_clinic_days(clinic, tuesday - 1, tuesday + 7); });
  };
  // Someone half way through booking it holds a place: closing lets it go, and no place is
  // taken on the day after (a booking on another node waits for the closure, then sees it).
  const auto hold = fx.take(1, store::booking_status::held, 5);
  REQUIRE(hold);
  CHECK(test::in_tx(fx.w, [](store::tx& t) { return t.close_clinic_day("herat", tuesday, "user:3"); }));
  CHECK(fx.used() == 0);
  CHECK_FALSE(test::in_tx(fx.w, [](store::tx& t) { return t.find_hold(1); }));
  // Confirmed on a node that read the hold before the closure: it stays let go, not booked.
  CHECK_FALSE(test::in_tx(fx.w, [&](store::tx& t) { return t.book_hold(hold->id); }));
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.find_booking(hold->id); })->status ==
        store::booking_status::released);
  CHECK_FALSE(fx.take(2, store::booking_status::booked, 5));
  CHECK(test::in_tx(fx.w, [](store::tx& t) { return t.close_clinic_day("herat", tuesday + 2, "user:3"); }));
  // Closed already: said so, nothing doubled.
  CHECK_FALSE(test::in_tx(fx.w, [](store::tx& t) { return t.close_clinic_day("herat", tuesday, "user:4"); }));
  CHECK(closed("herat") == std::vector<long long>{tuesday, tuesday + 2});
  CHECK(closed("golshahr").empty());
  // Only the days asked about.
  CHECK(test::in_tx(fx.w, [](store::tx& t) { return t.closed_clinic_days("herat", tuesday + 1, tuesday + 7); }) ==
        std::vector<long long>{tuesday + 2});
  CHECK(test::in_tx(fx.w, [](store::tx& t) { return t.reopen_clinic_day("herat", tuesday); }));
  CHECK_FALSE(test::in_tx(fx.w, [](store::tx& t) { return t.reopen_clinic_day("herat", tuesday); }));
  CHECK(closed("herat") == std::vector<long long>{tuesday + 2});
  CHECK(fx.take(2, store::booking_status::booked, 5));  // open again
}

TEST_CASE("bookings: a clinic's week as reception changed it is kept until cleared, the last change winning", "[store]") {
  fixture fx;
  const auto find = [&](const char* clinic) {
    return test::in_tx(fx.w, [&](store::tx& t) { return t.find_clinic_hours(clinic); });
  };
  CHECK_FALSE(find("herat"));
  test::in_tx(fx.w, [](store::tx& t) { t.set_clinic_hours("herat", R"({"open":["sat"]})", "user:3"); });
  test::in_tx(fx.w, [](store::tx& t) { t.set_clinic_hours("herat", R"({"open":["sun"]})", "user:4"); });
  const auto kept = find("herat");
  REQUIRE(kept);
  CHECK(kept->week == R"({"open":["sun"]})");
  CHECK(kept->changed_by == "user:4");
  CHECK(kept->changed_at == fx.now.load());
  CHECK_FALSE(find("golshahr"));
  CHECK(test::in_tx(fx.w, [](store::tx& t) { return t.clear_clinic_hours("herat"); }));
  CHECK_FALSE(test::in_tx(fx.w, [](store::tx& t) { return t.clear_clinic_hours("herat"); }));
  CHECK_FALSE(find("herat"));
}
