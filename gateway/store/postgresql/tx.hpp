// store::tx on PostgreSQL: the writer's connection inside its current transaction (READ COMMITTED).
#pragma once

#include "gateway/store/options.hpp"
#include "gateway/store/tx.hpp"

namespace paygham::store::postgresql {

class connection;
class result;

class tx final : public store::tx {
 public:
  tx(connection& c, const options& o, core::unix_ms now);

  void start_item() { begin_item(); }

  bool record_inbound(std::string_view channel_id, std::string_view external_id, std::string_view kind,
                      std::int64_t contact_id, std::string_view body) override;
  void forget_inbound_body(std::string_view channel_id, std::string_view external_id) override;
  contact upsert_contact(std::string_view phone) override;
  bool lock_contact(std::int64_t contact_id) override;
  void set_contact_language(std::int64_t contact_id, std::string_view language) override;
  void set_language_asked(std::int64_t contact_id, core::unix_ms at, std::string_view pending_language) override;
  bool take_invite(std::int64_t contact_id, core::unix_ms at, core::unix_ms since) override;
  void set_quiet_hours(std::int64_t contact_id, std::string_view quiet_hours) override;
  std::optional<contact> find_contact(std::int64_t contact_id) override;
  visit_pin find_visit_pin(std::int64_t contact_id) override;
  void set_visit_pin(std::int64_t contact_id, std::string_view hash) override;
  void set_visit_pin_failures(std::int64_t contact_id, int failed, core::unix_ms locked_until) override;
  std::optional<contact> find_contact_by_phone(std::string_view phone) override;
  void set_contact_fields(std::int64_t contact_id, const std::map<std::string, std::string>& fields) override;
  void set_opted_out(std::int64_t contact_id, bool opted_out) override;
  std::int64_t opt_out_recipient(std::int64_t message_id) override;
  void set_reachable(std::int64_t contact_id) override;
  bool erase_contact(std::int64_t contact_id) override;
  std::int64_t move_number(std::int64_t contact_id, const number_move& m) override;
  std::vector<std::string> number_stops(std::string_view phone) override;
  void hold_number(std::string_view phone) override;
  void add_number(std::int64_t contact_id, std::string_view phone, std::int64_t absorbed) override;
  bool remove_number(std::int64_t contact_id, std::string_view phone) override;
  std::vector<std::string> other_numbers(std::int64_t contact_id) override;
  contact_record find_contact_record(std::int64_t contact_id) override;
  std::vector<contact> find_contacts_by_name(std::string_view part, std::size_t limit) override;
  void set_phone_privacy(std::int64_t contact_id, std::string_view shared_phone, bool explicit_texts,
                         std::string_view recorded_by) override;
  void add_consent(std::int64_t contact_id, const consent& c) override;
  void set_programme_opt_out(std::int64_t contact_id, std::string_view programme, bool out) override;
  std::string last_programme(std::int64_t contact_id, std::string_view channel_id) override;
  std::vector<std::string> stopped_programmes(std::int64_t contact_id) override;

  std::optional<run> find_run(std::int64_t run_id) override;
  std::optional<run> find_session_run(std::string_view channel_id, std::string_view session_id) override;
  std::optional<run> find_waiting_sms_run(std::int64_t contact_id) override;
  std::optional<run> find_resumable_run(std::int64_t contact_id, std::string_view flow_id,
                                        std::string_view session_id, core::unix_ms since) override;
  std::vector<run> stale_ussd_runs(core::unix_ms before, std::size_t limit) override;
  void expire_waiting_sms_runs(std::int64_t contact_id) override;
  void expire_series_questions(std::int64_t contact_id, std::int64_t series_id) override;
  void save_run(run& r) override;

  std::string attempt(const std::function<void()>& fn) override;

  void add_job(std::string_view kind, core::unix_ms due_at, std::string_view payload) override;
  void add_turn_job(std::string_view kind, core::unix_ms due_at, std::string_view payload,
                    std::int64_t contact_id, core::unix_ms since) override;
  void wake_turn_jobs(std::int64_t contact_id) override;
  std::vector<job> take_due_jobs(std::size_t limit) override;
  core::unix_ms next_job_due() override;
  void park_job(std::int64_t job_id, std::string_view why) override;

  std::int64_t add_inbox(const inbox_item& item) override;
  std::vector<inbox_entry> inbox_page(const inbox_filter& f, std::int64_t before, std::size_t limit) override;
  std::optional<inbox_entry> find_inbox(std::int64_t id) override;
  std::int64_t inbox_items_since(std::int64_t contact_id, core::unix_ms since, bool urgent_only) override;
  std::int64_t first_report_since(std::string_view flow_id, std::string_view area, std::string_view district,
                                  core::unix_ms since) override;
  void update_inbox(std::int64_t id, std::string_view status, std::int64_t assigned_to) override;
  bool set_inbox_may_call(std::int64_t id, std::int64_t contact_id, bool may_call) override;
  std::size_t mark_reports_hurt(std::int64_t contact_id, std::int64_t run_id) override;
  std::int64_t add_series(const series& s) override;
  std::int64_t series_started_by(std::int64_t worker_id, core::unix_ms since) override;
  std::optional<series> find_series(std::int64_t id) override;
  void end_series(std::int64_t id) override;
  void set_series_misses(std::int64_t id, int misses) override;
  void series_answered(std::int64_t id) override;
  void set_series_paused(std::int64_t id, core::unix_ms until) override;
  std::vector<series> active_series(std::int64_t contact_id, std::string_view programme) override;
  std::vector<series> running_series(std::int64_t contact_id) override;
  void set_series_high_risk(std::int64_t id, bool high_risk) override;
  void cancel_queued(std::int64_t contact_id, std::string_view programme, std::string_view reason) override;
  void cancel_series_queued(std::int64_t series_id, std::string_view reason) override;
  std::int64_t add_user(const user& u) override;
  std::optional<user> find_user(std::int64_t id) override;
  std::optional<user> find_user_by_phone(std::string_view phone) override;
  std::vector<user> list_users() override;
  void set_pin_failures(std::int64_t id, int failed, core::unix_ms locked_until) override;
  void set_pin(std::int64_t id, std::string_view pin_hash) override;
  void set_user_disabled(std::int64_t id, bool disabled) override;
  moved_patients move_patients(std::int64_t from, std::int64_t to) override;
  void set_user_supervisor(std::int64_t id, bool supervisor) override;
  void set_user_duty(std::int64_t id, std::string_view duty) override;
  std::optional<user> find_user_by_login(std::string_view login) override;
  void set_password(std::int64_t id, std::string_view password_hash) override;
  void set_login_failures(std::int64_t id, int failed, core::unix_ms locked_until) override;
  std::int64_t escalate(const escalation& e) override;
  bool raise_escalation(std::int64_t id, call_priority p) override;
  void escalation_told(std::int64_t id) override;
  std::int64_t mark_high_calls_told(std::string_view facility) override;
  core::unix_ms high_calls_told_at(std::string_view facility) override;
  std::int64_t mark_overdue_calls_told(std::string_view facility, core::unix_ms told_before) override;
  std::vector<escalation> open_escalations(std::int64_t worker_id) override;
  std::vector<escalation> open_escalations_at(std::string_view facility) override;
  std::optional<escalation> find_open_escalation(std::int64_t id) override;
  bool resolve_escalation(std::int64_t id, std::int64_t worker_id) override;
  void resolve_series_escalations(std::int64_t series_id) override;
  std::optional<booking> find_booking_by_code(std::string_view clinic, long long day, std::string_view code) override;
  std::int64_t add_token(const api_token& t) override;
  std::optional<api_token> find_token(std::string_view hash) override;
  std::vector<api_token> list_tokens() override;
  bool revoke_token(std::int64_t id) override;
  void audit(std::string_view actor, std::string_view action, std::string_view target,
             std::string_view detail_json) override;
  std::int64_t audit_entries_made() const override { return audits_; }
  std::optional<message_view> find_message(std::int64_t id) override;
  std::vector<audit_entry> audit_page(std::int64_t before, std::size_t limit, std::string_view target) override;
  std::vector<message_view> messages_page(const message_filter& f, std::int64_t before, std::size_t limit) override;
  std::map<std::pair<long long, int>, int> slot_use(std::string_view clinic, std::string_view service,
                                                    long long first_day, long long last_day,
                                                    std::int64_t except_run) override;
  std::optional<booking> take_slot(booking b, int capacity) override;
  std::optional<booking> find_hold(std::int64_t run_id) override;
  std::optional<booking> find_booking(std::int64_t id) override;
  std::vector<booking> upcoming_bookings(std::int64_t contact_id) override;
  std::vector<std::string> visit_clients(std::int64_t contact_id) override;
  std::vector<std::string> own_visit_services(std::int64_t contact_id, core::unix_ms since) override;
  bool booked_again(std::int64_t contact_id, std::string_view service, std::string_view for_whom,
                    std::int64_t after_id) override;
  std::vector<booking> marked_visits(std::int64_t contact_id, std::string_view service, std::string_view for_whom,
                                     int limit) override;
  std::vector<booking> bookings_on(std::string_view clinic, long long day) override;
  void set_booking_status(std::int64_t id, booking_status s) override;
  bool book_hold(std::int64_t id) override;
  void set_reminder_answer(std::int64_t id, std::string_view answer) override;
  bool close_clinic_day(std::string_view clinic, long long day, std::string_view by) override;
  bool reopen_clinic_day(std::string_view clinic, long long day) override;
  std::vector<long long> closed_clinic_days(std::string_view clinic, long long first_day, long long last_day) override;
  void set_clinic_hours(std::string_view clinic, std::string_view week, std::string_view by) override;
  bool clear_clinic_hours(std::string_view clinic) override;
  std::optional<clinic_hours> find_clinic_hours(std::string_view clinic) override;
  void subscribe(std::int64_t contact_id, std::string_view topic, std::string_view area, std::string_view channel_id,
                 core::unix_ms expires_at, std::string_view district, std::string_view route,
                 std::string_view district_key) override;
  std::vector<written_district> written_districts() override;
  std::size_t take_district(std::string_view area, std::string_view written, std::string_view district) override;
  std::vector<subscription> subscriptions_of(std::int64_t contact_id) override;
  std::optional<core::unix_ms> subscription_end(std::int64_t contact_id, std::string_view topic,
                                                std::string_view area) override;
  bool subscribed(std::int64_t contact_id, std::string_view topic) override;
  bool end_subscription(std::int64_t contact_id, std::string_view topic, std::string_view area,
                        core::unix_ms expires_at) override;
  std::int64_t count_audience(const broadcast& b) override;
  std::int64_t add_broadcast(const broadcast& b) override;
  std::optional<broadcast> find_broadcast(std::int64_t id) override;
  std::vector<broadcast> broadcasts_page(std::int64_t before, std::size_t limit) override;
  bool approve_broadcast(std::int64_t id, std::string_view by) override;
  std::optional<std::size_t> cancel_broadcast(std::int64_t id) override;
  std::size_t expire_broadcast(std::int64_t id) override;
  batch_queued queue_broadcast_batch(std::int64_t id, const std::map<std::string, std::string>& bodies,
                                     std::string_view fallback, std::size_t limit) override;
  void hold_message(std::int64_t id, core::unix_ms until) override;
  std::vector<std::string> batch_numbers(std::int64_t id, std::int64_t from_contact, std::int64_t to_contact) override;
  std::size_t hold_broadcast(std::int64_t id, std::int64_t from_contact, std::int64_t to_contact, std::string_view start,
                             core::unix_ms until) override;
  void rebody_broadcast(std::int64_t id, std::int64_t from_contact, std::int64_t to_contact,
                        std::string_view phone_prefix, const std::map<std::string, std::string>& bodies,
                        std::string_view fallback) override;
  std::map<std::string, std::int64_t> broadcast_progress(std::int64_t id) override;
  bool add_transfer_code(std::int64_t contact_id, std::string_view topic, std::string_view code,
                         core::unix_ms expires_at) override;
  std::optional<moved_subscriptions> use_transfer_code(std::string_view code, std::string_view topic,
                                                       std::int64_t to_contact, std::string_view channel_id) override;
  int transfer_failures(std::int64_t contact_id, core::unix_ms since) override;
  void add_transfer_failure(std::int64_t contact_id) override;
  bool stopped(std::int64_t contact_id, std::string_view programme) override;

  std::int64_t queue_message(const new_message& m) override;
  routine_count routine_sent(std::int64_t contact_id, std::string_view programme) override;
  bool has_waiting(std::int64_t contact_id, std::string_view programme) override;
  std::vector<claimed_message> claim_due(std::string_view channel_id, std::size_t limit) override;
  std::size_t requeue_in_flight(bool starting) override;
  std::size_t expire_unsent(std::string_view channel_id, core::unix_ms before) override;
  void record_sent(std::int64_t id, std::string_view external_id, std::string_view raw_code, int parts,
                   std::string_view cost) override;
  void record_retry(std::int64_t id, core::unix_ms next_at, std::string_view raw_code, std::string_view error,
                    bool counted) override;
  std::size_t mark_unconfirmed(std::string_view channel_id, core::unix_ms before) override;
  std::vector<awaiting> awaiting_report(std::string_view channel_id, core::unix_ms since, const awaiting& after,
                                        std::size_t limit) override;
  void set_message_status(std::int64_t id, core::message_status s, std::string_view source,
                          std::string_view raw_code, std::string_view external_id = {},
                          std::string_view error = {}) override;

  applied_report apply_report(const core::delivery_report& r) override;

  int heartbeat(std::int64_t window_ms) override;
  void pause_channel(std::string_view channel_id, core::unix_ms until, std::string_view reason) override;
  std::map<std::string, core::unix_ms> channel_pauses() override;
  std::size_t prune(core::unix_ms before, std::size_t limit) override;
  std::size_t forget_past(const retention_before& before, std::size_t limit) override;

 private:
  void end_sessions(std::int64_t user_id);  // the user's console sessions are revoked
  // R-D3: as SQLite's engine: (the mark, the last id of the stretch written before `before`).
  std::pair<std::int64_t, std::int64_t> retention_stretch(const char* mark_name, const char* scan,
                                                          core::unix_ms before, std::int64_t limit);
  // The series whose ids the result's first column gives.
  std::vector<series> series_by_id(const result& r);
  // A delivery report moved a message to `st`: its number's failures in a row start again, or
  // grow (R-S13).
  void count_reach(std::int64_t message_id, core::message_status st);
  // Records `status` from `source` in the history of every message `moved` (the ids an
  // UPDATE … RETURNING id moved), so the condition is written once. Returns how many.
  std::size_t record_moved(const result& moved, std::string_view status, std::string_view source);
  // A contact made just now whose number was erased after stopping messages starts stopped.
  void apply_suppressions(contact& c);
  // R-S7: what the contact stopped (everything, programmes) as salted hashes of its number, for
  // whoever has the number next (an erasure, a new SIM).
  void keep_stops(const contact& who);
  // R-L6: what `absorbed` had (its messages, events, inbox items, conversations) becomes the
  // person's, and it is left erased; its conversations end.
  void take_in(std::int64_t contact_id, std::int64_t absorbed);
  const std::string& salt();
  std::string salt_;  // the deployment's suppression salt, read once
  void add_event(std::int64_t message_id, std::string_view status, std::string_view source,
                 std::string_view raw_code, bool applied);
  report_outcome apply_report_to(std::int64_t message_id, const core::delivery_report& r);
  // Serialises the send reply and the delivery reports of one aggregator id across nodes
  // (a transaction-scoped advisory lock): without it a report stored as 'waiting' on one node
  // while the other records the id would wait for ever.
  void lock_external_id(std::string_view external_id);

  connection& c_;
  const options& opts_;
  std::int64_t audits_ = 0;  // entries appended by this transaction
};

}  // namespace paygham::store::postgresql
