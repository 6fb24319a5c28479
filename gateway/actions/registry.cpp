#include "gateway/actions/action.hpp"
#include "gateway/actions/appointments.hpp"

namespace paygham::actions {

const registry& registry::builtin() {
  static const registry r = [] {
    registry b;
    b.add({"inbox.save", inbox_save,
           "puts args.text in the human inbox; sets reference (its number); every operator with a phone gets "
           "the flow at args.tell_operators by SMS (within sending hours; args.urgent yes: at once, at any "
           "hour); with args.area, a second report from there within a day is flagged as possibly the first's "
           "and the operators get args.tell_operators_again instead (with duplicate_of); with args.place (the person's "
           "words), the district they name is kept and reports naming two districts are not flagged; "
           "args.someone_hurt (yes, no) "
           "is kept with the item; outcome ok",
           {"text"}, {}, {"tell_operators", "tell_operators_again"}});
    b.add({"inbox.may_call",  inbox_may_call,
           "records args.answer (yes, no) to \"may the team call you back?\" on the person's own report "
           "args.reference; yes keeps their number until the report is done; outcome ok, error",
           {"reference", "answer"}});
    b.add({"inbox.someone_hurt",
           inbox_someone_hurt,
           "whether report args.reference says someone is hurt now (also when written after a no); "
           "outcome yes, no, error",
           {"reference"}});
    b.add({"subscriptions.add", subscriptions_add,
           "subscribes the person to args.topic's broadcasts for args.area, with args.district (as written, and the "
           "district it names by the districts file) and "
           "args.route (a value) when given (with args.renew, a node: for six months, "
           "asked there two weeks before the end whether to keep it); outcome ok",
           {"topic", "area"}, {}, {"renew"}});
    b.add({"subscriptions.transfer_code", subscriptions_transfer_code,
           "sets transfer_code: 6 digits that move the person's args.topic subscriptions to the number sending "
           "them within 30 days; outcome ok",
           {"topic"}});
    b.add({"subscriptions.transfer",
           subscriptions_transfer,
           "moves args.topic's subscriptions of the code args.code to the person; sets area; "
           "outcome ok, own_number "
           "(sent from the code's own number: nothing moves), wrong, not_code (words without 6 "
           "digits, or a number of 1 or 2 digits), blocked (5 "
           "wrong codes in a day)",
           {"topic", "code"},
           {},
           {"renew"}});
    b.add({"subscriptions.lessons", subscriptions_lessons,
           "starts args.topic's education series: the flow at args.node by SMS on each of args.days (1,4,8: days "
           "from today) at args.time, {occurrence} its number; with args.region (AF) only for that country's "
           "numbers; outcome ok, later (another country)",
           {"topic", "node", "days", "time"}, {}, {"node"}});
    b.add({"subscriptions.check", subscriptions_check,
           "whether the person is subscribed to args.topic; outcome yes, no (ends args.series, usually {series})",
           {"topic"}});
    b.add({"reminders.daily", reminders_daily,
           "sends args.template to the person every day at args.time (08:30, their clock) in args.programme; "
           "with args.ask_again (a node of the flow's entries), every six months the flow starts there by SMS with "
           "{series} to ask whether it is still wanted on this phone (reminders.check); with args.one_a_day \"yes\", "
           "it replaces the person's earlier daily series of that text; outcome ok (sets series), error",
           {"time", "template", "programme"}, {"template"}, {"ask_again"}});
    b.add({"reminders.antenatal", reminders_antenatal,
           "sends args.template at args.time on each WHO antenatal contact day still ahead, counted from "
           "args.lmp (2026-06-01); outcome ok (sets series), over (all are past), error",
           {"lmp", "time", "template", "programme"}, {"template"}});
    b.add({"appointments.people", appointments_people,
           "sets people (a data menu) to whom a visit may be for: the person, those the phone booked for "
           "before, someone new of each relation; each value a client for args.for of the actions below (R-B4); "
           "outcome ok",
           {}, {}, {}, false, {},
           {"appointments.for_self", "appointments.for_child", "appointments.another_child", "appointments.for_partner",
            "appointments.for_parent", "appointments.for_other", "appointments.another_person"},
           "people"});
    b.add({"appointments.clinics", appointments_clinics,
           "sets clinics (a data menu) to the clinics offering args.service; outcome ok, none", {"service"}, {}, {},
           true});
    b.add({"appointments.days", appointments_days,
           "sets days (a data menu) to the next days args.clinic has a free window for args.service (or a visit "
           "of args.for's); outcome ok, none",
           {"clinic", "service"}, {}, {}, true});
    b.add({"appointments.times", appointments_times,
           "sets times (a data menu) to the free windows on args.day; outcome ok, none",
           {"clinic", "service", "day"}, {}, {}, true});
    b.add({"appointments.hold", appointments_hold,
           "holds a place in the window args.time of args.day for args.for (self, or a client of appointments.people) "
           "for the resume window; sets when, clinic_name; outcome ok, full, already (that client has this very "
           "visit: sets booking, code, when, clinic_name), limit (2 visits ahead for the service), call_first (2 "
           "visits missed in a row)",
           {"clinic", "service", "day", "time"}, {}, {}, true});
    b.add({book_action, appointments_book,
           "books the run's held place (else args.clinic/service and args.day/time or args.slot); sets booking, "
           "code, when, clinic_name, and reminder (yes; no: none before the visit; stopped: the person stopped "
           "these messages, so no SMS will come); the SMS confirmation and reminders start at the nodes args.confirm_by_sms, "
           "args.remind_day_before and args.remind_morning, the day after a visit not marked attended (at a clinic "
           "that records visits) at args.if_missed; outcome ok, "
           "full, already, limit, call_first (as appointments.hold)",
           {"clinic", "service"}, {}, {"confirm_by_sms", "remind_day_before", "remind_morning", "if_missed"},
           true, {{"day", "time"}, {"slot"}}});
    b.add({"appointments.soon", appointments_soon,
           "sets soon (a data menu) to the first free window of each of the next 2 days at the clinic of the "
           "person's visit args.booking (booked, cancelled or missed), not on its day nor one they have; each is a "
           "slot for appointments.book; sets clinic, service, for, and replaces while the visit stands; outcome ok, "
           "none, call_first (2 visits missed in a row: a health worker calls)",
           {"booking"}, {}, {}, true});
    b.add({"appointments.to_call", appointments_to_call,
           "the clinic's health worker calls the person about visit args.booking: args.reason call_asked puts them "
           "on the call list now (outcome ok; none: the clinic has no health worker); with args.after (1d), "
           "cannot_come, missed_visit or clinic_cancelled does then, unless that service is booked again "
           "(the operators' inbox at a clinic without a health worker); outcome ok",
           {"booking", "reason"}, {}, {}, true});
    b.add({"privacy.erase", privacy_erase,
           "deletes what is held about the person (their number, language, answers, visits, series, "
           "subscriptions; a stop they made stays as a hash) once this step is done; outcome ok"});
    b.add({"privacy.notice", privacy_notice,
           "whether the person has been told, for the flow's programme, who keeps their number, why, for how "
           "long and how to stop (R-D7): outcome new the first time (the flow then sends it: privacy.notice), "
           "given after that"});
    b.add({"appointments.mine", appointments_mine,
           "sets visits (a data menu) to the person's visits still ahead; outcome ok, none", {}, {}, {}, true});
    b.add({"appointments.pin", appointments_pin,
           "the person's own PIN for the screens that show their visits (R-S12): outcome set, locked (5 wrong in a "
           "row: for 30 minutes), blocked (3 lockouts in a row: until an operator clears it), offer (none yet, over "
           "USSD, and args.service is one of the clinics file's neutral_services and args.for is self, or "
           "args.booking is such a visit of the person's), none",
           {}, {}, {}, true});
    b.add({"appointments.pin_check", appointments_pin_check,
           "checks args.pin against the person's visits PIN and clears it; outcome ok (also when they have none), "
           "wrong (sets pin_tries), locked (also by SMS), blocked",
           {"pin"}});
    b.add({"appointments.pin_new", appointments_pin_new,
           "over USSD only: reads args.pin as a new visits PIN (4 digits) and clears it; sets chosen_pin (a hash, "
           "for appointments.pin_set); outcome ok, weak (one digit repeated, a run, the end of their number), "
           "invalid",
           {"pin"}});
    b.add({"appointments.pin_set", appointments_pin_set,
           "over USSD only: args.again typed again matches args.chosen (chosen_pin of appointments.pin_new): it is "
           "the person's visits PIN now; clears both; outcome ok, differ",
           {"again", "chosen"}});
    b.add({"appointments.visited", appointments_visited,
           "whether the person's own visit of args.service was marked attended for the pregnancy contact "
           "args.occurrence of args.series: in the two weeks before its day, not in the week of the contact before "
           "(R-H1: a visit silences its reminder); outcome yes, no",
           {"service", "series", "occurrence"}});
    b.add({"appointments.cancel", appointments_cancel,
           "cancels the person's visit args.booking and frees its place; sets code, when, clinic_name; outcome ok",
           {"booking"}, {}, {}, true});
    b.add({"appointments.answered", appointments_answered,
           "records the answer to the day-before reminder of the person's visit args.booking: args.answer coming, "
           "or none (as it asks: the visit is unconfirmed on reception's list until an answer); outcome ok",
           {"booking", "answer"}, {}, {}, true});
    b.add({"appointments.visit", appointments_visit,
           "the person's visit args.booking, to change it: sets clinic, service, for, replaces (give it to "
           "appointments.book, which cancels the old visit when the new one is booked), code, when, clinic_name; "
           "outcome ok",
           {"booking"}, {}, {}, true});
    b.add({"workers.identify", workers_identify,
           "the caller is a health worker with a PIN: sets worker_name; outcome ok, unknown, locked"});
    b.add({"workers.login", workers_login,
           "checks args.pin (5 wrong in a row lock the menu for 30 minutes) and clears it; sets worker; outcome ok, "
           "wrong (sets pin_tries), locked",
           {"pin"}, {}, {}, false, {}, {}, {}, "ok"});
    b.add({"workers.by_number", workers_by_number,
           "over SMS only: the sender is a health worker (their number alone, no PIN); sets worker; outcome ok, "
           "unknown, locked",
           {}, {}, {}, false, {}, {}, {}, "ok"});
    b.add({"workers.patient_number",
           workers_patient_number,
           "args.phone (E.164, an ask: phone's answer) is a number a health worker may enrol: a "
           "mobile of a country the deployment serves, not the caller's own; outcome ok, number",
           {"phone"}});
    b.add({"workers.enrol_command", workers_enrol_command,
           "reads args.text as 'PHONE MEDICINE-WORD HH:MM [LANGUAGE]', 'PHONE PREGNANCY-WORD DATE [LANGUAGE]', "
           "'PHONE CHECKIN-WORD [LANGUAGE]' or 'PHONE REFILL-WORD DATE [DAYS] [LANGUAGE]' (args.medicine, "
           "args.pregnancy, args.checkin and args.refill: words, comma-separated; "
           "args.languages: 'prs: DARI, دری; ps: …'); "
           "sets patient, kind (medicine | pregnancy | checkin | refill), remind_at, lmp or refill_date and "
           "refill_every (30 when not given), patient_language (else the sender's); "
           "outcome ok, help, phone (unreadable), number (not a mobile of a country served, or the sender's), "
           "time (06:00-22:59), date (at most 280 days back), refill (a day up to 180 days ahead, days 7 to 180), "
           "limit (args.worker "
           "enrolled 50 in the last 24 hours)",
           {"text", "medicine", "pregnancy", "languages", "worker"}});
    b.add({"reminders.enrol", reminders_enrol,
           "the logged-in args.worker enrols args.phone in a series of args.programme at args.time, args.kind daily, "
           "antenatal (from args.lmp), weekly (on args.weekday, 1 Monday to 7) or refill (every args.every_days, 7 to "
           "180, the day before each refill day from args.refill_date); each occurrence starts the flow at "
           "args.remind by SMS, args.welcome at once; with args.ask_again, the flow starts there by SMS every six "
           "months to ask whether they are still wanted; antenatal with args.danger_signs (a text key) says it, asking "
           "nothing, on the odd weeks 29 to 39 between the visits (R-H5); outcome ok, stopped, over, already (the same reminders run: "
           "a pregnancy series, a weekly one, a refill, or a medicine at that time), flagged (args.high_risk yes: the pregnancy "
           "care already running is now high risk, R-H3)",
           {"worker", "phone", "kind", "time", "programme", "remind"}, {"danger_signs"}, {"remind", "welcome", "ask_again"}});
    b.add({"reminders.ack", reminders_ack,
           "the person acknowledged an occurrence of args.series: misses start again, its escalation closes; "
           "outcome ok",
           {"series"}});
    b.add({"reminders.missed",
           reminders_missed,
           "an occurrence of args.series went unanswered; at args.after in a row the worker who "
           "enrolled the person gets a call to make and the flow at args.tell_worker by SMS, at "
           "args.priority (low or normal, the default), high for a pregnancy late or flagged high "
           "risk; args.reason not_taken when this miss is a medicine answered not taken (no_reply, "
           "the default: unanswered); outcome ok, escalated",
           {"series", "after", "tell_worker"},
           {},
           {"tell_worker"}});
    b.add({"reminders.check", reminders_check,
           "the six-monthly question of args.series (R-S13): args.answer ask (outcome ask while it runs, and the next "
           "question at args.ask_again in six months; skip when an older series of the person asks; else ended), "
           "yes, no (every series of the programme ends; each worker is told at args.tell_worker) or none (they "
           "go on; the worker is told); outcome ok",
           {"series", "answer"}, {}, {"ask_again", "tell_worker"}});
    b.add({"reminders.end",
           reminders_end,
           "the logged-in args.worker ends every series of args.programme for args.phone (only "
           "args.series when given), queued messages included, and the calls about them; for "
           "args.reason loss the flow starts at args.loss_message by SMS; for death every call "
           "about the person closes, their own visits ahead are cancelled, and what of "
           "args.visits (a programme) is queued; outcome ok, none",
           {"worker", "phone", "reason", "programme"},
           {},
           {"loss_message"}});
    b.add({"reminders.call_me",
           reminders_call_me,
           "the person asked for a call: they go on the call list of the worker who enrolled "
           "them in args.series (which may have ended), who gets the flow at args.tell_worker "
           "by SMS, at args.priority (normal, the default, or high: within a working day, the "
           "supervisors told); outcome ok, none (nobody can be told)",
           {"series", "tell_worker"},
           {},
           {"tell_worker"}});
    b.add({"messages.later", messages_later,
           "the flow at args.node by SMS on each of args.days (3,10,24: days from today) at args.time, {occurrence} "
           "its number (a few messages the person asked for); outcome ok",
           {"node", "days", "time"}, {}, {"node"}});
    b.add({"workers.calls",
           workers_calls,
           "sets calls (a data menu: the 8 most pressing) and calls_left (how many in all) to "
           "the logged-in args.worker's patients to call; outcome ok, none",
           {"worker"}});
    b.add({"workers.forget", workers_forget,
           "erases what is held about args.phone (their reminders and visits end; a stop they made stays as a "
           "hash), a patient of the logged-in args.worker's clinic (a series of args.programme a worker of it "
           "started, or a visit ahead there); outcome ok, unknown (not a patient of the clinic), elsewhere (another "
           "clinic cares for them too: nothing is erased)",
           {"worker", "phone", "programme"}});
    b.add({"workers.call",
           workers_call,
           "what args.call on args.worker's list is about: outcome not_taken (a medicine "
           "answered not taken), ok (anything else)",
           {"worker", "call"}});
    b.add({"workers.called", workers_called,
           "closes the call args.call on args.worker's list; sets calls_left; outcome ok", {"worker", "call"}});
    b.add({"appointments.attend", appointments_attend,
           "marks today's visit with args.code at args.worker's clinic attended; sets when; outcome ok, unknown",
           {"worker", "code"}, {}, {}, true});
    return b;
  }();
  return r;
}

const action* registry::find(std::string_view name) const {
  for (const auto& a : actions_) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

}  // namespace paygham::actions
