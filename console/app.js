// Paygham's web console: one page, no framework, nothing from outside this server (it works
// offline in a clinic). It talks only to the REST API (/api/v1), with the session cookie the
// login sets and the X-CSRF-Token value the login returns. Everything shown is put in as text
// (textContent), never as HTML, so a contact called <script> stays a name.
//
// Languages: English, Dari (prs), Pashto (ps) and Farsi (fa), the last three right to left with
// dates in the Solar Hijri calendar. The Dari, Pashto and Farsi words are drafts for native review.

const WORDS = {
  en: {
    parties: 'Who reads messages', parties_intro: 'Besides the people who use this console, these organisations can read the text of the messages Paygham sends and receives. Each needs a written agreement: the messages serve this service only, are passed to nobody else, are kept no longer than agreed, and any breach is reported.',
    inside: 'In this console, admins and operators read messages and the inbox; health workers see reminders, visits and calls, not message texts.',
    organisation: 'Organisation', their_role: 'Role', messages_of: 'Channels', agreement: 'Written agreement', agreement_until: 'until {0}',
    pr_aggregator: 'SMS and USSD aggregator', pr_mobile_operator: 'Mobile operator', pr_host: 'Server host', pr_other: 'Other',
    every_channel: 'every channel', no_agreement: 'No written agreement', agreement_ended: 'ended on {0}', no_end: 'no end date', nobody_listed: 'No organisation is listed.',
    gap_no_party: 'Channel {0}: no organisation is listed for its messages, though its aggregator reads them. Add it under parties in the config.', gap_no_agreement: '{0} reads messages without a written agreement.', gap_ended: 'The agreement with {0} has ended: renew it or stop its channels.',
    title: 'Paygham', login: 'Log in', login_name: 'Login', password: 'Password', logout: 'Log out',
    login_failed: 'The login or the password is wrong.', language: 'Language',
    calls: 'Patients to call', broadcasts: 'Broadcasts', messages: 'Messages', flows: 'Flows', audit: 'Audit log',
    role_admin: 'admin', role_operator: 'operator', role_health_worker: 'health worker', disable_warn_worker: 'Their PIN and password stop working, and their patients and calls go to a colleague at {0}, if one is left.', disable_no: 'No', disable_warn: 'Their password stops working and their sessions end.', disable_yes: 'Yes, disable', disabled_ok: '{0} is disabled.', handed_to: '{0} is disabled. Their reminders ({1}) and calls ({2}) now go to {3}.', handed_nobody: '{0} is disabled. Nobody else at {1} can take their patients: add a health worker there, who takes them over.',
    phone: 'Phone', unanswered: 'Unanswered', since: 'Waiting since', called: 'Mark as called', none_to_call: 'Nobody to call.',
    reason_no_reply: 'no reply to reminders', reason_not_taken: 'said the medicine was not taken: ask why', reason_missed_visits: 'missed the last 2 visits: book the next one with them',
    reason_not_wanted: 'answered no: reminders not wanted on this phone (they stopped): check the number', reason_unconfirmed: 'did not say whether the reminders are still for this phone: check the number', reason_urgent: 'wrote words of someone in danger: call now', reason_call_asked: 'asked you to call', reason_cannot_come: 'cannot come to their visit and chose no other day: book with them', reason_clinic_cancelled: 'the clinic cancelled their visit and they chose no other day: book with them', reason_missed_visit: 'missed a visit and did not answer: book the next one with them', call_soon: 'call within one working day', call_low: 'low priority', high_risk: 'high-risk pregnancy',
    new_broadcast: 'New broadcast', programme: 'Programme', area: 'Area (empty: every area)', b_route: 'Route or crossing (empty: any)', b_district: 'District (empty: the whole area)', b_unknown_district: 'Also those whose district is not known (they may be there)', with_unknown: 'and those whose district is not known', text_key: 'Text name',
    priority: 'Priority', p_alert: 'P1 urgent alert (sent even at night)', p_area: 'P2 area alert', p_education: 'P3 education',
    send: 'Send', encoding: 'Encoding', parts: 'SMS parts', cost: 'Cost of 1,000', text: 'Text',
    confirm_needed: 'Check the area and the text: {0}', confirm_send: 'I checked: send it',
    progress: 'Broadcast no. {0}', audience: '{0} people', handed: '{0} of {1} done: sent, or finished another way ({2})',
    awaiting_approval: 'An urgent alert goes at any hour, to {0} people, only when a second person approves it.', approve_send: 'I checked it too: approve and send', cancel_broadcast: 'Cancel it: send nothing', broadcast_cancelled: 'Cancelled: nothing was sent.', expires: 'What is not sent by {0} never is.', waiting_other: 'Another admin or operator must approve it: send them the link to this page, or find it under Broadcasts.', recent_broadcasts: 'Broadcasts so far', bs_awaiting_approval: 'awaiting a second person', bs_cancelled: 'cancelled', bs_expired: 'expired unapproved', bs_queuing: 'being queued', bs_queued: 'queued', stop_broadcast: 'Stop it: send nothing more', broadcast_stopped: 'Stopped: nothing more goes. What was sent before stays sent.',
    state: 'State', all_states: 'every state', search: 'Search', to: 'Recipient', at: 'At',
    history: 'History', source: 'Source', more: 'More', actor: 'User', action: 'Action', target: 'Object',
    file: 'File', entries: 'Start codes and keywords', new_flow: 'New flow file (name.yaml)', open: 'Open',
    check: 'Check flow', publish: 'Make live', roll_back: 'Restore previous version', checked_ok: 'No errors found.',
    published: 'Live: the server runs this version now.', rolled_back: 'Restored: the server runs the previous version.',
    changed_since: 'Someone else made this flow live after you opened it, so nothing was changed. Your text is still here.',
    clinics_file: 'Clinics file', no_clinics_file: 'This server has no clinics file (config: clinics).',
    clinics_file_intro: 'Add a clinic, or change the names of one, then make it live: booking menus show it at once. A clinic\'s opening hours are changed on the Visits page; its services, time zone and the rest on the server itself.',
    clinics_changed_since: 'Someone else made the clinics file live after you opened it, so nothing was changed. Your text is still here.',
    compare_live: 'Compare with the live version', live_loaded: 'The live version is loaded: Make live now shows what your text would change in it.',
    problems: 'Errors', warnings: 'Warnings', line: 'line {0}', simulator: 'Phone simulator', dial: 'Dial',
    reply: 'Reply', as_language: 'Language of the phone', code: 'USSD code', route: 'USSD route',
    route_latin: 'no Persian letters: Latin letters', route_digits: 'no Persian letters: digits only, words by SMS',
    state_queued: 'queued', state_sending: 'sending', state_retrying: 'retrying', state_sent: 'sent', state_delivered: 'delivered',
    state_failed: 'failed', state_expired: 'expired', state_cancelled: 'cancelled', state_unconfirmed: 'unconfirmed',
    patients: 'Patients', find: 'Find', enrol: 'Enrol in reminders', kind: 'Reminders', k_medicine: 'Medicine, every day',
    k_pregnancy: 'Pregnancy care (WHO 8 visits)', time: 'Time of day', lmp: 'First day of the last period',
    patient_language: 'Language of the patient', enrolled: 'Enrolled. The next reminder: {0}.', next: 'Next reminder',
    none_enrolled: 'No reminders are running for this number.', end: 'End reminders', reason: 'Why',
    r_completed: 'care completed', r_loss: 'pregnancy loss', r_transfer: 'moved to another clinic', r_opted_out: 'they asked to stop', r_death: 'the patient died', r_other: 'other reason', ended: 'The reminders ended.',
    every_n_days: 'the day before a refill, every {0} days',
    k_refill: 'Medicine refill (asked the day before, 10:00)', k_refill_short: 'medicine refill', refill_date: 'Next refill day', refill_every: 'A refill every', every_30: 'month (30 days)', every_60: '2 months', every_90: '3 months',
    k_checkin: 'Weekly check-in (Mondays 10:00)', k_checkin_short: 'weekly check-in', k_medicine_short: 'medicine', k_pregnancy_short: 'pregnancy care',
    visits: 'Visits', clinic: 'Clinic', service: 'Service', free_places: 'Free places', book: 'Book',
    booked_ok: 'Booked: code {0}, {1}. The person gets an SMS.', for_whom: 'For', for_self: 'the phone\'s owner',
    for_other: 'someone else on this phone', for_child: 'their child', for_partner: 'their wife or husband', for_parent: 'their mother or father', day: 'Day', visit_code: 'Code', mark_attended: 'Attended', mark_missed: 'No-show',
    mark_cancelled: 'Cancel visit', close_day: 'Close the clinic this day', close_day_warn: '{0} visit(s) this day will be cancelled, and each person sent an SMS with other days.', close_day_yes: 'Yes, close it', day_closed: 'The clinic is closed this day: nobody can book it.', day_closed_ok: 'Closed. {0} visit(s) cancelled.', all_told: 'An SMS tells each of them, with other days.', not_told: 'No SMS reaches these people: call them: {0}', reopen_day: 'Open this day again', cancel_told: 'Cancelled: an SMS tells them, with other days to choose from.', cancel_untold: 'Cancelled, but no SMS can reach them: tell them yourself.', v_coming: 'said they will come', v_unconfirmed: 'unconfirmed: no answer to the reminder', visits_on: 'Visits on {0}', no_visits: 'No visits that day.',
    hours: 'Opening hours', hours_file: 'As the clinics file has them.', hours_changed: 'Changed here on {0}: the clinics file\'s hours are not used until you go back to them.', open_on_days: 'Open on', w_from: 'From', w_to: 'To', w_places: 'Places', w_kept: 'Kept for health workers', add_window: 'Add a window', remove: 'Remove', save_hours: 'Save the hours', hours_saved: 'Saved: bookings follow these hours from now on. Visits already booked stay.', hours_outside: '{0} visit(s) ahead are on days or in windows these hours do not have. They stay booked: move them with their people, or close those days.', hours_confirm: 'Yes, change the hours', back_to_file: 'Back to the clinics file\'s hours', hours_outside_list: 'Outside the new hours:',
    no_slots: 'No free places in the coming days.', show: 'Show',
    v_booked: 'booked', v_attended: 'attended', v_missed: 'missed', v_cancelled: 'cancelled',
    svc_pregnancy: 'pregnancy care', svc_chronic: 'chronic illness', svc_general: 'general', svc_counselling: 'counselling',
    deliveries: 'Deliveries', last_hours: 'Last {0} hours', per_hour: 'Messages per hour', channel: 'Channel',
    running: 'sending', paused_until: 'paused until {0} (the aggregator failed or refused us)', in_last_hour: 'Last hour',
    reasons: 'Why messages failed or were not sent', g_delivered: 'delivered', g_failed: 'failed or not sent',
    g_sent: 'sent, no report yet', g_waiting: 'waiting to go', no_messages: 'No messages in this time.',
    inbox: 'Inbox', hazard_only: 'Hazard reports only', take: 'Take', done: 'Done', reply_sent: 'Reply sent.',
    i_new: 'new', i_read: 'read', i_done: 'done', all: 'all', hazard: 'hazard report', maybe_same: 'maybe the same as', urgent: 'urgent: someone may be in danger', someone_hurt: 'someone is hurt', nobody_hurt: 'nobody hurt', may_call: 'agreed to be called back', no_call: 'do not call back', yours: 'yours', taken: 'taken', nothing_here: 'Nothing here.',
    people: 'People', users: 'Users', tokens: 'Tokens for machines', name: 'Name', role: 'Role', disable: 'Disable',
    disabled: 'disabled', locked: 'locked', revoke: 'Revoke', revoked: 'revoked', new_token: 'New token for a machine',
    make: 'Make', token_once: 'Copy it now: it is shown only once.',
    changes: 'Changes to make live', confirm_live: 'Make these changes live', no_changes: 'Nothing changed.',
    send_at: 'Send at (empty: now)', scheduled_for: 'Goes out from {0}',
    error: 'Something went wrong: {0}', session_open: 'open (CON)', session_end: 'ended (END)',
    shared_phone: 'Do others read SMS on this phone?', sp_unknown: 'Not sure', sp_yes: 'Yes, others read them',
    sp_no: 'No, only the patient', explicit_texts: 'The patient asked for texts that name their care (medicine, pregnancy)', consent_given: 'The person agreed to get these messages',
    consent_needed: 'Ask the person first: they must agree to get the messages.', pause_until: 'Pause until',
    pause: 'Pause', resume: 'Resume', reminders_paused: 'paused until {0}', reminders_stopped: 'the patient stopped these messages: only they can start them again, by sending 12',
    move: 'Move', moving: 'Choose a free place for visit {0}.', moved_ok: 'Moved: code {0}, {1}. The person gets an SMS.',
    via_in_person: 'in person', via_phone_call: 'by phone call', via_written: 'in writing',
    contacts: 'Contacts', contact_unknown: 'Paygham does not know this number.', c_stopped: 'Stopped all messages (12 restarts them)',
    c_unreachable: 'Unreachable: messages to it fail', c_recorded: 'recorded by {0}, {1}', c_not_recorded: 'nobody has asked yet',
    rec_person: 'whoever has the phone, by SMS', rec_user: 'console user no. {0}', rec_token: 'machine token no. {0}',
    consents: 'Agreed to get', via: 'How', recorded_by: 'Recorded by', subscriptions: 'Alert subscriptions', c_area: 'Area',
    c_since: 'Since', c_ends: 'Ends', never: 'never', c_messages: 'Messages to this person', nothing_recorded: 'Nothing recorded.',
    quiet_hours: 'Quiet hours: nothing routine is sent then', q_hint: '22:00-07:00 on their clock; empty: the programme\'s hours',
    q_programme: 'the programme\'s hours', q_saved: 'Quiet hours saved.', save: 'Save',
    w_not_mobile: 'Saved, but this number is not a mobile (a landline, say): SMS to it may never arrive. Check it with the person.',
    months: 'Month names in their dates', m_language: 'as their language has them', m_iranian: 'Iranian (Azar, Dey …)',
    m_afghan: 'Afghan (Qaws, Jadi …)', m_saved: 'Month names saved.',
    also_read: 'Languages they read after their own, in order', l_none: 'none', l_saved: 'Languages saved.',
    new_number: 'New number', n_save: 'Change number',
    n_hint: 'A new SIM: their reminders, visits and alerts move to it, messages they stopped stay stopped, and messages still waiting go to it.',
    vp_set: 'My visits asks for a PIN the person chose.', vp_clear: 'Clear the PIN (forgotten)',
    vp_cleared: 'PIN cleared: My visits opens without one until they choose another.',
    vp_closed: 'Closed after 15 wrong PINs in a row: someone may have been guessing; clear it only for the person themself.',
    n_moved: 'Number changed. Waiting messages now going to it: {0}.',
    n_same: 'That is already their number.', n_took_in: 'What the new number sent before is now theirs.',
    n_confirm: 'This number wrote to Paygham before. If it is their new SIM, what it sent becomes theirs.',
    n_confirm_send: 'It is their new SIM',
    other_numbers: 'Other numbers they write from', o_none: 'none', o_other: 'Another number', o_add: 'Add number', o_remove: 'Remove',
    o_hint: 'A second SIM: what they send from it is theirs and is answered on it; reminders and alerts still go to the number above.',
    o_added: 'Number added.', o_removed: 'Number removed: it is nobody\'s now. Messages they stopped stay stopped on it too.',
    o_confirm: 'This number wrote to Paygham before. If it is their SIM, what it sent becomes theirs.',
    o_confirm_send: 'It is their SIM',
  },
  prs: {
    parties: 'چه کسانی پیام‌ها را می‌خوانند', parties_intro: 'به جز کسانی که از این صفحه کار می‌گیرند، این سازمان‌ها متن پیام‌هایی را که پیغام می‌فرستد و می‌گیرد، خوانده می‌توانند. با هر کدام توافق‌نامهٔ کتبی لازم است: پیام‌ها فقط برای همین خدمت به کار می‌روند، به کس دیگری داده نمی‌شوند، بیشتر از مدت توافق‌شده نگه‌داری نمی‌شوند و هر افشای اطلاعات گزارش داده می‌شود.',
    inside: 'در این صفحه، مدیران و اپراتورها پیام‌ها و صندوق پیام را می‌خوانند؛ کارمندان صحی یادآوری‌ها، نوبت‌ها و تماس‌ها را می‌بینند، نه متن پیام‌ها را.',
    organisation: 'سازمان', their_role: 'نقش', messages_of: 'کانال‌ها', agreement: 'توافق‌نامهٔ کتبی', agreement_until: 'تا {0}',
    pr_aggregator: 'شرکت اس‌ام‌اس و USSD', pr_mobile_operator: 'شرکت مخابراتی', pr_host: 'میزبان سرور', pr_other: 'دیگر',
    every_channel: 'همه کانال‌ها', no_agreement: 'توافق‌نامهٔ کتبی ندارد', agreement_ended: 'در {0} ختم شد', no_end: 'بدون تاریخ ختم', nobody_listed: 'هیچ سازمانی ثبت نشده است.',
    gap_no_party: 'کانال {0}: برای پیام‌هایش هیچ سازمانی ثبت نشده، در حالی که شرکت اس‌ام‌اس آن‌ها را می‌خواند. آن شرکت را زیر parties در تنظیمات اضافه کنید.', gap_no_agreement: '{0} بدون توافق‌نامهٔ کتبی پیام‌ها را می‌خواند.', gap_ended: 'توافق‌نامه با {0} ختم شده است: آن را تمدید کنید یا کانال‌هایش را متوقف کنید.',
    title: 'پیغام', login: 'ورود', login_name: 'نام کاربری', password: 'رمز', logout: 'خروج',
    login_failed: 'نام کاربری یا رمز درست نیست.', language: 'زبان',
    calls: 'تماس با مریضان', broadcasts: 'پیام‌های همگانی', messages: 'پیام‌ها', flows: 'روندها', audit: 'سوابق فعالیت‌ها',
    role_admin: 'مدیر', role_operator: 'اپراتور', role_health_worker: 'کارمند صحی', disable_warn_worker: 'پین و رمز او دیگر کار نمی‌کند و مریضان و زنگ‌هایش به یکی از همکارانش در {0} سپرده می‌شوند، اگر کسی مانده باشد.', disable_no: 'نخیر', disable_warn: 'رمز او دیگر کار نمی‌کند و از سیستم خارج می‌شود.', disable_yes: 'بلی، غیرفعال شود', disabled_ok: '{0} غیرفعال شد.', handed_to: '{0} غیرفعال شد. یادآوری‌هایش ({1}) و زنگ‌هایش ({2}) به {3} سپرده شد.', handed_nobody: '{0} غیرفعال شد. در {1} کارمند صحی دیگری نیست که مریضانش را به عهده بگیرد: یک کارمند صحی در آنجا اضافه کنید تا آن‌ها را به عهده بگیرد.',
    phone: 'نمبر تلفون', unanswered: 'بی‌جواب', since: 'از تاریخ', called: 'تماس گرفتم', none_to_call: 'کسی برای تماس نیست.',
    reason_no_reply: 'به یادآوری‌ها جواب نداده', reason_not_taken: 'گفته دوا را نخورده: علتش را بپرسید', reason_missed_visits: 'به ۲ نوبت آخر نیامده: نوبت بعدی را همرایش تعیین کنید',
    reason_not_wanted: 'گفته یادآوری به این تلفون نمی‌خواهد (قطع شد): نمبر را بررسی کنید', reason_unconfirmed: 'نگفته که یادآوری هنوز برای این تلفون است: نمبر را بررسی کنید', reason_urgent: 'کلماتی از خطر نوشته: همین حالا زنگ بزنید', reason_call_asked: 'خواسته که به او زنگ بزنید', reason_cannot_come: 'به نوبت آمده نمی‌تواند و روز دیگری نگرفته: همرایش نوبت تعیین کنید', reason_clinic_cancelled: 'کلینیک نوبتش را لغو کرده و مریض روز دیگری نگرفته: همرایش نوبت تعیین کنید', reason_missed_visit: 'به نوبت نیامده و جواب نداده: نوبت بعدی را همرایش تعیین کنید', call_soon: 'در جریان یک روز کاری زنگ بزنید', call_low: 'اولویت پایین', high_risk: 'حاملگی پرخطر',
    new_broadcast: 'پیام همگانی نو', programme: 'برنامه', area: 'ساحه (خالی: همه ساحه‌ها)', b_route: 'مسیر یا بندر سرحدی (خالی: همه)', b_district: 'ولسوالی در این ساحه (خالی: تمام ساحه)', b_unknown_district: 'همچنان کسانی که ولسوالی‌شان معلوم نیست (شاید آنجا باشند)', with_unknown: 'و کسانی که ولسوالی‌شان معلوم نیست', text_key: 'نام متن',
    priority: 'اولویت', p_alert: 'P1 هشدار عاجل (شب و روز)', p_area: 'P2 هشدار ساحوی', p_education: 'P3 آموزشی',
    send: 'فرستادن', encoding: 'کدگذاری', parts: 'تعداد بخش‌ها', cost: 'هزینهٔ فرستادن به ۱۰۰۰ نفر', text: 'متن',
    confirm_needed: 'ساحه و متن را بررسی کنید: {0}', confirm_send: 'بررسی کردم: بفرست',
    progress: 'پیام همگانی شمارهٔ {0}', audience: '{0} نفر', handed: '{0} از {1} تمام شد: فرستاده شد یا به پایان رسید ({2})',
    awaiting_approval: 'هشدار عاجل شب و روز به {0} نفر فرستاده می‌شود، اما تنها پس از تأیید شخص دوم.', approve_send: 'من هم بررسی کردم: تأیید کن و بفرست', cancel_broadcast: 'لغو کن: هیچ پیامی نفرست', broadcast_cancelled: 'لغو شد: هیچ پیامی فرستاده نشد.', expires: 'هر پیامی که تا {0} فرستاده نشود، دیگر فرستاده نمی‌شود.', waiting_other: 'یک مدیر یا اپراتور دیگر باید آن را تأیید کند: لینک این صفحه را برایش بفرستید.', recent_broadcasts: 'پیام‌های همگانی تا حالا', bs_awaiting_approval: 'منتظر تأیید شخص دوم', bs_cancelled: 'لغو شد', bs_expired: 'بی‌تأیید منقضی شد', bs_queuing: 'در حال صف شدن', bs_queued: 'در صف', stop_broadcast: 'متوقف کن: دیگر چیزی نفرست', broadcast_stopped: 'متوقف شد: دیگر پیامی نمی‌رود. پیام‌هایی که پیش از این رفته، رفته است.',
    state: 'حالت', all_states: 'همه حالت‌ها', search: 'جستجو', to: 'گیرنده', at: 'زمان',
    history: 'تاریخچه', source: 'منبع', more: 'بیشتر', actor: 'کاربر', action: 'اقدام', target: 'موضوع',
    file: 'فایل', entries: 'کدهای شروع', new_flow: 'فایل روند نو (name.yaml)', open: 'باز کردن',
    check: 'بررسی', publish: 'فعال‌سازی', roll_back: 'برگشت به نسخهٔ قبلی', checked_ok: 'بررسی شد: خطا ندارد.',
    published: 'فعال شد: سرور حالا همین نسخه را اجرا می‌کند.', rolled_back: 'برگشت شد: سرور نسخهٔ قبلی را اجرا می‌کند.',
    changed_since: 'پس از این‌که شما این روند را باز کردید، کس دیگری آن را فعال کرده است؛ تغییر شما ثبت نشد. متن شما هنوز همین‌جاست.',
    clinics_file: 'فایل کلینیک‌ها', no_clinics_file: 'این سرور فایل کلینیک‌ها ندارد (config: clinics).',
    clinics_file_intro: 'کلینیک نو اضافه کنید یا نام‌های یک کلینیک را تغییر دهید، بعد فایل را فعال کنید: منوی نوبت‌گیری فوراً آن را نشان می‌دهد. ساعات کاری کلینیک در صفحهٔ «نوبت‌ها» تغییر داده می‌شود؛ خدمات، منطقهٔ زمانی و دیگر تنظیمات آن فقط در خود سرور.',
    clinics_changed_since: 'پس از این‌که شما این فایل را باز کردید، کس دیگری آن را فعال کرده است؛ تغییر شما ثبت نشد. متن شما هنوز همین‌جاست.',
    compare_live: 'مقایسه با نسخهٔ فعال', live_loaded: 'نسخهٔ فعال گرفته شد: «فعال‌سازی» حالا نشان می‌دهد متن شما در آن چه را تغییر می‌دهد.',
    problems: 'خطاها', warnings: 'هشدارها', line: 'سطر {0}', simulator: 'شبیه‌ساز تلفون', dial: 'دایل',
    reply: 'جواب', as_language: 'زبان تلفون', code: 'کد USSD', route: 'مسیر USSD',
    route_latin: 'بدون حروف فارسی: حروف لاتین', route_digits: 'بدون حروف فارسی: فقط ارقام، متن با اس‌ام‌اس',
    state_queued: 'در صف', state_sending: 'در حال فرستادن', state_retrying: 'در حال تلاش دوباره', state_sent: 'فرستاده شد', state_delivered: 'رسید',
    state_failed: 'ناکام', state_expired: 'منقضی شد', state_cancelled: 'لغو شد', state_unconfirmed: 'تأیید نشده',
    patients: 'مریضان', find: 'پیدا کردن', enrol: 'ثبت در یادآوری‌ها', kind: 'نوع یادآوری', k_medicine: 'دوا، هر روز',
    k_pregnancy: 'مراقبت دوران حمل (۸ مراجعه، WHO)', time: 'ساعت', lmp: 'روز اول آخرین عادت ماهوار',
    patient_language: 'زبان مریض', enrolled: 'ثبت شد. یادآوری بعدی: {0}.', next: 'یادآوری بعدی',
    none_enrolled: 'برای این نمبر یادآوری فعال نیست.', end: 'ختم یادآوری‌ها', reason: 'دلیل',
    r_completed: 'مراقبت تمام شد', r_loss: 'از دست رفتن حمل', r_transfer: 'انتقال به کلینیک دیگر', r_opted_out: 'خودش نخواست', r_death: 'وفات مریض', r_other: 'دلیل دیگر', ended: 'یادآوری‌ها ختم شد.',
    every_n_days: 'یک روز پیش از گرفتن دوا، هر {0} روز',
    k_refill: 'گرفتن دوا (یک روز پیش از آن، ساعت ۱۰)', k_refill_short: 'گرفتن دوا', refill_date: 'روز بعدی گرفتن دوا', refill_every: 'هر چند وقت یک بار', every_30: 'هر ماه (۳۰ روز)', every_60: 'هر ۲ ماه', every_90: 'هر ۳ ماه',
    k_checkin: 'احوال‌پرسی هفته‌وار (دوشنبه ساعت ۱۰)', k_checkin_short: 'احوال‌پرسی هفته‌وار', k_medicine_short: 'دوا', k_pregnancy_short: 'مراقبت حمل',
    visits: 'نوبت‌ها', clinic: 'کلینیک', service: 'خدمت', free_places: 'نوبت‌های خالی', book: 'ثبت نوبت',
    booked_ok: 'نوبت ثبت شد: کد {0}، {1}. به این شخص اس‌ام‌اس فرستاده می‌شود.', for_whom: 'برای', for_self: 'صاحب تلفون',
    for_other: 'شخص دیگر با همین تلفون', for_child: 'طفل او', for_partner: 'همسر او', for_parent: 'پدر یا مادر او', day: 'روز', visit_code: 'کد', mark_attended: 'آمد', mark_missed: 'نیامد',
    mark_cancelled: 'لغو نوبت', cancel_told: 'لغو شد: پیامی با روزهای دیگر برایش می‌رود.', close_day: 'بستن کلینیک در این روز', close_day_warn: '{0} نوبت این روز لغو می‌شود و به هر کس پیامی با روزهای دیگر می‌رود.', close_day_yes: 'بلی، بسته شود', day_closed: 'کلینیک در این روز بسته است: کسی نوبت گرفته نمی‌تواند.', day_closed_ok: 'بسته شد. {0} نوبت لغو شد.', all_told: 'به هر کدام پیامی با روزهای دیگر می‌رود.', not_told: 'به این اشخاص پیامی نمی‌رسد، به آن‌ها زنگ بزنید: {0}', reopen_day: 'باز کردن دوباره این روز', cancel_untold: 'لغو شد، اما پیامی به او رسیده نمی‌تواند: خودتان به او بگویید.', v_coming: 'گفته که می‌آید', v_unconfirmed: 'تایید نشده: به یادآوری جواب نداده', visits_on: 'نوبت‌های {0}', no_visits: 'در این روز نوبتی نیست.',
    hours: 'ساعات کاری', hours_file: 'مطابق فایل کلینیک‌ها.', hours_changed: 'ساعات در {0} در اینجا تغییر داده شد: تا وقتی به ساعات فایل کلینیک‌ها برنگردید، آن ساعات به کار نمی‌رود.', open_on_days: 'روزهای باز', w_from: 'از', w_to: 'تا', w_places: 'تعداد نوبت‌ها', w_kept: 'نوبت‌های مخصوص کارمندان صحی', add_window: 'اضافه کردن یک وقت کاری', remove: 'حذف', save_hours: 'ثبت ساعات', hours_saved: 'ثبت شد: از حالا نوبت‌ها مطابق این ساعات گرفته می‌شود. نوبت‌های گرفته‌شده باقی می‌مانند.', hours_outside: '{0} نوبت آینده در روزها یا وقت‌هایی است که در ساعات جدید نیست. این نوبت‌ها لغو نمی‌شوند: همرای خود مریضان آن‌ها را به وقت دیگری انتقال دهید، یا آن روزها را بسته کنید.', hours_confirm: 'بلی، ساعات را تغییر بده', back_to_file: 'برگشت به ساعات فایل کلینیک‌ها', hours_outside_list: 'بیرون از ساعات جدید:',
    no_slots: 'در روزهای آینده جای خالی نیست.', show: 'نشان دادن',
    v_booked: 'نوبت دارد', v_attended: 'آمد', v_missed: 'نیامد', v_cancelled: 'لغو شد',
    svc_pregnancy: 'مراقبت حمل', svc_chronic: 'مریضی مزمن', svc_general: 'عمومی', svc_counselling: 'مشوره',
    deliveries: 'رسیدن پیام‌ها', last_hours: '{0} ساعت گذشته', per_hour: 'پیام‌ها در هر ساعت', channel: 'کانال',
    running: 'در حال فرستادن', paused_until: 'تا {0} متوقف است (شرکت اس‌ام‌اس خطا داد یا ما را رد کرد)', in_last_hour: 'ساعت گذشته',
    reasons: 'چرا پیام‌ها ناکام شدند یا فرستاده نشدند', g_delivered: 'رسید', g_failed: 'ناکام یا فرستاده نشد',
    g_sent: 'فرستاده شد، هنوز گزارش نیامده', g_waiting: 'در انتظار فرستادن', no_messages: 'در این مدت پیامی نیست.',
    inbox: 'صندوق پیام', hazard_only: 'فقط گزارش‌های خطر', take: 'به عهده گرفتن', done: 'انجام شد', reply_sent: 'جواب فرستاده شد.',
    i_new: 'نو', i_read: 'خوانده شده', i_done: 'تمام شده', all: 'همه', hazard: 'گزارش خطر', maybe_same: 'شاید همان', urgent: 'عاجل: شاید کسی در خطر باشد', someone_hurt: 'کسی زخمی است', nobody_hurt: 'کسی زخمی نیست', may_call: 'قبول کرده که به او زنگ بزنید', no_call: 'زنگ نزنید', yours: 'به عهدهٔ شما', taken: 'به عهدهٔ دیگری', nothing_here: 'اینجا چیزی نیست.',
    people: 'اشخاص', users: 'کاربران', tokens: 'توکن‌های سیستم‌ها', name: 'نام', role: 'نقش', disable: 'غیرفعال کردن',
    disabled: 'غیرفعال', locked: 'قفل شده', revoke: 'باطل کردن', revoked: 'باطل شده', new_token: 'توکن نو برای یک سیستم',
    make: 'ساختن', token_once: 'همین حالا کاپی کنید: فقط یک بار نشان داده می‌شود.',
    changes: 'تغییرهایی که فعال می‌شوند', confirm_live: 'این تغییرها را فعال کن', no_changes: 'چیزی تغییر نکرده.',
    send_at: 'زمان فرستادن (خالی: همین حالا)', scheduled_for: 'از {0} فرستاده می‌شود',
    error: 'مشکلی پیش آمد: {0}', session_open: 'باز (CON)', session_end: 'تمام (END)',
    shared_phone: 'آیا دیگران اس‌ام‌اس‌های این تلفون را می‌خوانند؟', sp_unknown: 'معلوم نیست', sp_yes: 'بلی، دیگران هم می‌خوانند',
    sp_no: 'نخیر، فقط خود مریض', explicit_texts: 'مریض خواسته که نوع مراقبت (دوا، حاملگی) در پیام‌ها ذکر شود', consent_given: 'این شخص به گرفتن این پیام‌ها رضایت داد',
    consent_needed: 'اول از خود شخص بپرسید: باید به گرفتن پیام‌ها رضایت بدهد.', pause_until: 'توقف تا',
    pause: 'توقف', resume: 'ادامه', reminders_paused: 'تا {0} متوقف', reminders_stopped: 'مریض این پیام‌ها را قطع کرده: تنها خودش با فرستادن ۱۲ دوباره شروع کرده می‌تواند',
    move: 'تغییر وقت', moving: 'برای نوبت {0} یک جای خالی انتخاب کنید.', moved_ok: 'نوبت تغییر کرد: کد {0}، {1}. به این شخص اس‌ام‌اس فرستاده می‌شود.',
    via_in_person: 'حضوری', via_phone_call: 'با تماس تلفونی', via_written: 'کتبی',
    contacts: 'مخاطبین', contact_unknown: 'پیغام این نمبر را نمی‌شناسد.', c_stopped: 'همه پیام‌ها را بند کرده (با ۱۲ دوباره شروع می‌شود)',
    c_unreachable: 'در دسترس نیست: پیام‌ها به این نمبر نمی‌رسند', c_recorded: 'ثبت از طرف {0}، {1}', c_not_recorded: 'هنوز کسی نپرسیده',
    rec_person: 'کسی که تلفون را دارد، با پیام', rec_user: 'کاربر شماره {0}', rec_token: 'توکن ماشین شماره {0}',
    consents: 'موافقه برای دریافت', via: 'چگونه', recorded_by: 'ثبت از طرف', subscriptions: 'اشتراک هشدارها', c_area: 'ساحه',
    c_since: 'از', c_ends: 'ختم', never: 'هیچ‌وقت', c_messages: 'پیام‌ها به این شخص', nothing_recorded: 'چیزی ثبت نشده.',
    quiet_hours: 'ساعات آرام: پیام عادی در این ساعات فرستاده نمی‌شود', q_hint: '۲۲:۰۰-۰۷:۰۰ به وقت خود شخص؛ خالی: ساعات آرام برنامه',
    q_programme: 'ساعات آرام برنامه', q_saved: 'ساعات آرام ثبت شد.', save: 'ثبت',
    w_not_mobile: 'ثبت شد، اما این نمبر تلفون ثابت است نه موبایل: شاید پیام به آن نرسد. نمبر را با خود شخص بررسی کنید.',
    months: 'نام ماه‌ها در تاریخ‌های پیام', m_language: 'مطابق زبان شخص', m_iranian: 'ایرانی (آذر، دی …)',
    m_afghan: 'افغانستانی (قوس، جدی …)', m_saved: 'نام ماه‌ها ثبت شد.',
    also_read: 'زبان‌هایی که بعد از زبان خود می‌خواند، به ترتیب', l_none: 'هیچ', l_saved: 'زبان‌ها ثبت شد.',
    new_number: 'نمبر نو', n_save: 'تغییر نمبر',
    n_hint: 'سیم‌کارت نو: یادآوری‌ها، نوبت‌ها و هشدارهای او به نمبر نو منتقل می‌شود، پیام‌هایی که بند کرده بند می‌ماند و پیام‌های در انتظار به نمبر نو فرستاده می‌شود.',
    vp_set: '«نوبت‌های من» رمزی را می‌خواهد که خود شخص گذاشته.', vp_clear: 'پاک کردن رمز (فراموش شده)',
    vp_cleared: 'رمز پاک شد: «نوبت‌های من» تا رمز نو بدون رمز باز می‌شود.',
    vp_closed: 'پس از ۱۵ رمز غلط پی‌هم بسته شد: شاید کسی حدس می‌زده؛ فقط برای خود شخص پاکش کنید.',
    n_moved: 'نمبر تغییر کرد: {0} پیام در انتظار به نمبر نو فرستاده می‌شود.',
    n_same: 'این از قبل نمبر خود او است.', n_took_in: 'پیام‌هایی که نمبر نو قبلاً فرستاده بود، حالا به نام او ثبت است.',
    n_confirm: 'این نمبر قبلاً به «پیغام» پیام فرستاده است. اگر سیم‌کارت نو او است، آنچه فرستاده به نام او ثبت می‌شود.',
    n_confirm_send: 'سیم‌کارت نو او است',
    other_numbers: 'نمبرهای دیگری که از آن‌ها پیام می‌فرستد', o_none: 'هیچ‌کدام', o_other: 'نمبر دیگر', o_add: 'افزودن نمبر', o_remove: 'حذف',
    o_hint: 'سیم‌کارت دوم: آنچه از آن می‌فرستد به نام او ثبت می‌شود و جواب به همان نمبر می‌رود؛ یادآوری‌ها و هشدارها باز هم به نمبر بالا فرستاده می‌شود.',
    o_added: 'نمبر افزوده شد.', o_removed: 'نمبر حذف شد و حالا به هیچ‌کس تعلق ندارد. پیام‌هایی که او بند کرده بود، به این نمبر هم فرستاده نمی‌شود.',
    o_confirm: 'این نمبر قبلاً به «پیغام» پیام فرستاده است. اگر سیم‌کارت خودش است، آنچه فرستاده به نام او ثبت می‌شود.',
    o_confirm_send: 'سیم‌کارت خودش است',
  },
  fa: {
    parties: 'چه کسانی پیام‌ها را می‌خوانند', parties_intro: 'به جز کسانی که با این صفحه کار می‌کنند، این سازمان‌ها می‌توانند متن پیام‌هایی را که پیغام می‌فرستد و دریافت می‌کند بخوانند. با هر کدام باید قرارداد کتبی وجود داشته باشد: پیام‌ها فقط برای همین خدمت استفاده شوند، به شخص دیگری داده نشوند، بیشتر از مدت توافق‌شده نگهداری نشوند و هر نشت اطلاعات گزارش شود.',
    inside: 'در این صفحه، مدیران و اپراتورها پیام‌ها و صندوق پیام را می‌خوانند؛ کارمندان بهداشت یادآوری‌ها، نوبت‌ها و تماس‌ها را می‌بینند، نه متن پیام‌ها را.',
    organisation: 'سازمان', their_role: 'نقش', messages_of: 'کانال‌ها', agreement: 'قرارداد کتبی', agreement_until: 'تا {0}',
    pr_aggregator: 'ارائه‌دهندهٔ پیامک و USSD', pr_mobile_operator: 'اپراتور تلفن همراه', pr_host: 'میزبان سرور', pr_other: 'دیگر',
    every_channel: 'همهٔ کانال‌ها', no_agreement: 'قرارداد کتبی ندارد', agreement_ended: 'در {0} منقضی شد', no_end: 'بدون تاریخ پایان', nobody_listed: 'هیچ سازمانی ثبت نشده است.',
    gap_no_party: 'کانال {0}: هیچ سازمانی برای پیام‌هایش ثبت نشده، اما ارائه‌دهندهٔ پیامکِ این کانال آن‌ها را می‌خواند. این ارائه‌دهنده را در بخش parties تنظیمات اضافه کنید.', gap_no_agreement: '{0} بدون قرارداد کتبی پیام‌ها را می‌خواند.', gap_ended: 'قرارداد با {0} منقضی شده است: آن را تمدید کنید یا کانال‌هایش را متوقف کنید.',
    title: 'پیغام', login: 'ورود', login_name: 'نام کاربری', password: 'رمز عبور', logout: 'خروج',
    login_failed: 'نام کاربری یا رمز عبور درست نیست.', language: 'زبان',
    calls: 'تماس با بیماران', broadcasts: 'پیام‌های همگانی', messages: 'پیام‌ها', flows: 'گردش‌کارها', audit: 'گزارش فعالیت‌ها',
    role_admin: 'مدیر', role_operator: 'اپراتور', role_health_worker: 'کارمند بهداشت', disable_warn_worker: 'پین و رمز عبور او دیگر کار نمی‌کند و بیماران و تماس‌هایش به یکی از همکارانش در {0} سپرده می‌شوند، اگر کسی مانده باشد.', disable_no: 'نه', disable_warn: 'رمز عبور او دیگر کار نمی‌کند و از همهٔ دستگاه‌ها خارج می‌شود.', disable_yes: 'بله، غیرفعال شود', disabled_ok: '{0} غیرفعال شد.', handed_to: '{0} غیرفعال شد. یادآوری‌هایش ({1}) و تماس‌هایش ({2}) به {3} سپرده شد.', handed_nobody: '{0} غیرفعال شد. در {1} کارمند بهداشت دیگری نیست که بیمارانش را به عهده بگیرد: یک کارمند بهداشت آنجا اضافه کنید تا آن‌ها را به عهده بگیرد.',
    phone: 'شماره', unanswered: 'بی‌پاسخ', since: 'از تاریخ', called: 'تماس گرفتم', none_to_call: 'کسی برای تماس نیست.',
    reason_no_reply: 'به یادآوری‌ها پاسخ نداده', reason_not_taken: 'گفته دارو را مصرف نکرده: علتش را بپرسید', reason_missed_visits: 'به ۲ نوبت آخر نیامده: نوبت بعدی را با هماهنگی خودش بگیرید',
    reason_not_wanted: 'گفته یادآوری روی این تلفن نمی‌خواهد (قطع شد): شماره را بررسی کنید', reason_unconfirmed: 'نگفته که یادآوری هنوز برای این تلفن است: شماره را بررسی کنید', reason_urgent: 'کلماتی از خطر نوشته: همین حالا تماس بگیرید', reason_call_asked: 'خواسته که با او تماس بگیرید', reason_cannot_come: 'نمی‌تواند سر نوبتش بیاید و روز دیگری انتخاب نکرده: با هماهنگی خودش نوبت بگیرید', reason_clinic_cancelled: 'درمانگاه نوبتش را لغو کرده و بیمار روز دیگری انتخاب نکرده: با هماهنگی خودش نوبت بگیرید', reason_missed_visit: 'سر نوبتش نیامده و پاسخ نداده: نوبت بعدی را با هماهنگی خودش بگیرید', call_soon: 'ظرف یک روز کاری تماس بگیرید', call_low: 'اولویت پایین', high_risk: 'بارداری پرخطر',
    new_broadcast: 'پیام همگانی جدید', programme: 'برنامه', area: 'منطقه (خالی: همه مناطق)', b_route: 'مسیر یا گذرگاه مرزی (خالی: همه)', b_district: 'ولسوالی در این منطقه (خالی: کل منطقه)', b_unknown_district: 'همچنین کسانی که ولسوالی‌شان معلوم نیست (شاید آنجا باشند)', with_unknown: 'و کسانی که ولسوالی‌شان معلوم نیست', text_key: 'نام متن',
    priority: 'اولویت', p_alert: 'P1 هشدار فوری (شبانه‌روزی)', p_area: 'P2 هشدار منطقه‌ای', p_education: 'P3 آموزشی',
    send: 'ارسال', encoding: 'کدگذاری', parts: 'تعداد بخش‌ها', cost: 'هزینهٔ ارسال به ۱۰۰۰ نفر', text: 'متن',
    confirm_needed: 'منطقه و متن را بررسی کنید: {0}', confirm_send: 'بررسی کردم: ارسال شود',
    progress: 'پیام همگانی شمارهٔ {0}', audience: '{0} نفر', handed: '{0} از {1} انجام شد: ارسال شد یا به پایان رسید ({2})',
    awaiting_approval: 'هشدار فوری در هر ساعتی برای {0} نفر ارسال می‌شود، فقط وقتی که نفر دوم آن را تأیید کند.', approve_send: 'من هم بررسی کردم: تأیید و ارسال', cancel_broadcast: 'لغو: هیچ چیز ارسال نشود', broadcast_cancelled: 'لغو شد: هیچ پیامی ارسال نشد.', expires: 'هر پیامی که تا {0} ارسال نشود، دیگر ارسال نمی‌شود.', waiting_other: 'یک مدیر یا اپراتور دیگر باید آن را تأیید کند: لینک این صفحه را برایش بفرستید.', recent_broadcasts: 'پیام‌های همگانی تاکنون', bs_awaiting_approval: 'در انتظار تأیید نفر دوم', bs_cancelled: 'لغو شد', bs_expired: 'بدون تأیید منقضی شد', bs_queuing: 'در حال صف‌بندی', bs_queued: 'در صف', stop_broadcast: 'توقف: دیگر چیزی ارسال نشود', broadcast_stopped: 'متوقف شد: دیگر پیامی ارسال نمی‌شود. پیام‌هایی که قبلاً ارسال شده، ارسال شده است.',
    state: 'وضعیت', all_states: 'همه وضعیت‌ها', search: 'جستجو', to: 'گیرنده', at: 'زمان',
    history: 'تاریخچه', source: 'منبع', more: 'بیشتر', actor: 'کاربر', action: 'اقدام', target: 'موضوع',
    file: 'فایل', entries: 'کدهای شروع', new_flow: 'فایل گردش‌کار جدید (name.yaml)', open: 'باز کردن',
    check: 'بررسی', publish: 'فعال‌سازی', roll_back: 'بازگشت به نسخهٔ قبل', checked_ok: 'بررسی شد: خطایی پیدا نشد.',
    published: 'فعال شد: سرور اکنون همین نسخه را اجرا می‌کند.', rolled_back: 'بازگشت انجام شد: سرور نسخهٔ قبل را اجرا می‌کند.',
    changed_since: 'پس از این‌که شما این گردش‌کار را باز کردید، کس دیگری آن را فعال کرده است؛ تغییر شما اعمال نشد. متن شما همین‌جا مانده است.',
    clinics_file: 'فایل درمانگاه‌ها', no_clinics_file: 'این سرور فایل درمانگاه‌ها ندارد (config: clinics).',
    clinics_file_intro: 'درمانگاه جدید اضافه کنید یا نام‌های یک درمانگاه را تغییر دهید، سپس فایل را فعال کنید: منوی نوبت‌دهی بلافاصله آن را نشان می‌دهد. ساعات کاری درمانگاه در صفحهٔ «نوبت‌ها» تغییر داده می‌شود؛ خدمات، منطقهٔ زمانی و بقیهٔ تنظیمات آن فقط در خود سرور.',
    clinics_changed_since: 'پس از این‌که شما این فایل را باز کردید، کس دیگری آن را فعال کرده است؛ تغییر شما اعمال نشد. متن شما همین‌جا مانده است.',
    compare_live: 'مقایسه با نسخهٔ فعال', live_loaded: 'نسخهٔ فعال بارگذاری شد: «فعال‌سازی» اکنون نشان می‌دهد متن شما چه چیزی را در آن تغییر می‌دهد.',
    problems: 'خطاها', warnings: 'هشدارها', line: 'خط {0}', simulator: 'شبیه‌ساز تلفن', dial: 'شماره‌گیری',
    reply: 'پاسخ', as_language: 'زبان تلفن', code: 'کد USSD', route: 'مسیر USSD',
    route_latin: 'بدون حروف فارسی: حروف لاتین', route_digits: 'بدون حروف فارسی: فقط ارقام، متن با پیامک',
    state_queued: 'در صف', state_sending: 'در حال ارسال', state_retrying: 'در حال تلاش دوباره', state_sent: 'ارسال شد', state_delivered: 'تحویل شد',
    state_failed: 'ناموفق', state_expired: 'منقضی شد', state_cancelled: 'لغو شد', state_unconfirmed: 'تأییدنشده',
    patients: 'بیماران', find: 'جستجو', enrol: 'ثبت در یادآوری‌ها', kind: 'نوع یادآوری', k_medicine: 'دارو، هر روز',
    k_pregnancy: 'مراقبت بارداری (۸ مراجعه، WHO)', time: 'ساعت', lmp: 'روز اول آخرین قاعدگی',
    patient_language: 'زبان بیمار', enrolled: 'ثبت شد. یادآوری بعدی: {0}.', next: 'یادآوری بعدی',
    none_enrolled: 'برای این شماره یادآوری فعالی نیست.', end: 'پایان یادآوری‌ها', reason: 'دلیل',
    r_completed: 'مراقبت کامل شد', r_loss: 'از دست رفتن بارداری', r_transfer: 'انتقال به درمانگاه دیگر', r_opted_out: 'خودش نخواست', r_death: 'فوت بیمار', r_other: 'دلیل دیگر', ended: 'یادآوری‌ها پایان یافت.',
    every_n_days: 'یک روز قبل از دریافت دارو، هر {0} روز',
    k_refill: 'دریافت دارو (یک روز قبل از موعد، ساعت ۱۰)', k_refill_short: 'دریافت دارو', refill_date: 'روز بعدی دریافت دارو', refill_every: 'هر چند وقت یک‌بار', every_30: 'هر ماه (۳۰ روز)', every_60: 'هر ۲ ماه', every_90: 'هر ۳ ماه',
    k_checkin: 'پیگیری هفتگی (دوشنبه‌ها ساعت ۱۰)', k_checkin_short: 'پیگیری هفتگی', k_medicine_short: 'دارو', k_pregnancy_short: 'مراقبت بارداری',
    visits: 'نوبت‌ها', clinic: 'درمانگاه', service: 'خدمت', free_places: 'نوبت‌های خالی', book: 'ثبت نوبت',
    booked_ok: 'نوبت ثبت شد: کد {0}، {1}. برای او پیامک ارسال می‌شود.', for_whom: 'برای', for_self: 'صاحب تلفن',
    for_other: 'فرد دیگری با همین تلفن', for_child: 'فرزند او', for_partner: 'همسر او', for_parent: 'پدر یا مادر او', day: 'روز', visit_code: 'کد', mark_attended: 'آمد', mark_missed: 'نیامد',
    mark_cancelled: 'لغو نوبت', cancel_told: 'لغو شد: پیامکی با روزهای دیگر برایش فرستاده می‌شود.', close_day: 'بستن درمانگاه در این روز', close_day_warn: '{0} نوبت این روز لغو می‌شود و برای هر نفر پیامکی با روزهای دیگر فرستاده می‌شود.', close_day_yes: 'بله، بسته شود', day_closed: 'درمانگاه در این روز بسته است: کسی نمی‌تواند نوبت بگیرد.', day_closed_ok: 'بسته شد. {0} نوبت لغو شد.', all_told: 'برای هر کدام پیامکی با روزهای دیگر فرستاده می‌شود.', not_told: 'به این افراد پیامکی نمی‌رسد، با آن‌ها تماس بگیرید: {0}', reopen_day: 'باز کردن دوباره این روز', cancel_untold: 'لغو شد، اما هیچ پیامکی به او نمی‌رسد: خودتان به او بگویید.', v_coming: 'گفته که می‌آید', v_unconfirmed: 'تأیید نشده: به یادآوری پاسخ نداده', visits_on: 'نوبت‌های {0}', no_visits: 'در این روز نوبتی نیست.',
    hours: 'ساعات کاری', hours_file: 'مطابق فایل درمانگاه‌ها.', hours_changed: 'ساعات در {0} همین‌جا تغییر داده شد: تا وقتی به ساعات فایل درمانگاه‌ها برنگردید، از آن‌ها استفاده نمی‌شود.', open_on_days: 'روزهای باز', w_from: 'از', w_to: 'تا', w_places: 'ظرفیت', w_kept: 'رزروشده برای کارمندان بهداشت', add_window: 'افزودن بازهٔ زمانی', remove: 'حذف', save_hours: 'ثبت ساعات', hours_saved: 'ثبت شد: از این پس نوبت‌ها طبق این ساعات گرفته می‌شود. نوبت‌های گرفته‌شده می‌مانند.', hours_outside: '{0} نوبت پیش رو در روزها یا بازه‌هایی است که در ساعات جدید نیست. این نوبت‌ها لغو نمی‌شوند: با هماهنگی خود بیماران جابه‌جایشان کنید، یا آن روزها را ببندید.', hours_confirm: 'بله، ساعات را تغییر بده', back_to_file: 'بازگشت به ساعات فایل درمانگاه‌ها', hours_outside_list: 'خارج از ساعات جدید:',
    no_slots: 'در روزهای آینده نوبت خالی نیست.', show: 'نمایش',
    v_booked: 'نوبت دارد', v_attended: 'آمد', v_missed: 'نیامد', v_cancelled: 'لغو شد',
    svc_pregnancy: 'مراقبت بارداری', svc_chronic: 'بیماری مزمن', svc_general: 'عمومی', svc_counselling: 'مشاوره',
    deliveries: 'تحویل پیام‌ها', last_hours: '{0} ساعت گذشته', per_hour: 'پیام‌ها در هر ساعت', channel: 'کانال',
    running: 'در حال ارسال', paused_until: 'تا {0} متوقف است (ارائه‌دهندهٔ پیامک خطا داد یا درخواست ما را رد کرد)', in_last_hour: 'ساعت گذشته',
    reasons: 'چرا پیام‌ها ناموفق بودند یا ارسال نشدند', g_delivered: 'تحویل شد', g_failed: 'ناموفق یا ارسال‌نشده',
    g_sent: 'ارسال شد، هنوز گزارشی نیامده', g_waiting: 'در انتظار ارسال', no_messages: 'در این بازه پیامی نیست.',
    inbox: 'صندوق پیام', hazard_only: 'فقط گزارش‌های خطر', take: 'به عهده می‌گیرم', done: 'انجام شد', reply_sent: 'پاسخ ارسال شد.',
    i_new: 'جدید', i_read: 'خوانده‌شده', i_done: 'انجام‌شده', all: 'همه', hazard: 'گزارش خطر', maybe_same: 'شاید همان', urgent: 'فوری: شاید کسی در خطر باشد', someone_hurt: 'کسی زخمی است', nobody_hurt: 'کسی زخمی نیست', may_call: 'قبول کرده که با او تماس بگیرید', no_call: 'تماس نگیرید', yours: 'با شما', taken: 'با همکار دیگر', nothing_here: 'چیزی اینجا نیست.',
    people: 'افراد', users: 'کاربران', tokens: 'توکن‌های سامانه‌ها', name: 'نام', role: 'نقش', disable: 'غیرفعال‌سازی',
    disabled: 'غیرفعال', locked: 'قفل‌شده', revoke: 'ابطال', revoked: 'باطل‌شده', new_token: 'توکن جدید برای یک سامانه',
    make: 'ایجاد', token_once: 'همین حالا کپی کنید: فقط یک بار نمایش داده می‌شود.',
    changes: 'تغییراتی که فعال می‌شوند', confirm_live: 'این تغییرات فعال شود', no_changes: 'چیزی تغییر نکرده است.',
    send_at: 'زمان ارسال (خالی: همین حالا)', scheduled_for: 'از {0} ارسال می‌شود',
    error: 'مشکلی پیش آمد: {0}', session_open: 'باز (CON)', session_end: 'پایان (END)',
    shared_phone: 'آیا دیگران پیامک‌های این تلفن را می‌خوانند؟', sp_unknown: 'معلوم نیست', sp_yes: 'بله، دیگران هم می‌خوانند',
    sp_no: 'نه، فقط خود بیمار', explicit_texts: 'بیمار خواسته است نوع مراقبت (دارو، بارداری) در پیامک‌ها ذکر شود', consent_given: 'این فرد با دریافت این پیام‌ها موافقت کرد',
    consent_needed: 'اول از خود فرد بپرسید: باید با دریافت پیام‌ها موافق باشد.', pause_until: 'توقف تا',
    pause: 'توقف', resume: 'ادامه', reminders_paused: 'تا {0} متوقف', reminders_stopped: 'بیمار این پیام‌ها را قطع کرده: فقط خودش با فرستادن ۱۲ می‌تواند دوباره شروع کند',
    move: 'تغییر زمان', moving: 'برای نوبت {0} یک جای خالی انتخاب کنید.', moved_ok: 'نوبت جابه‌جا شد: کد {0}، {1}. برای او پیامک ارسال می‌شود.',
    via_in_person: 'حضوری', via_phone_call: 'با تماس تلفنی', via_written: 'کتبی',
    contacts: 'مخاطبان', contact_unknown: 'پیغام این شماره را نمی‌شناسد.', c_stopped: 'همه پیام‌ها را قطع کرده (با ۱۲ دوباره شروع می‌شود)',
    c_unreachable: 'در دسترس نیست: پیام‌ها به این شماره نمی‌رسند', c_recorded: 'ثبت‌شده توسط {0}، {1}', c_not_recorded: 'هنوز کسی نپرسیده',
    rec_person: 'کسی که تلفن دستش است، با پیامک', rec_user: 'کاربر شماره {0}', rec_token: 'توکن ماشین شماره {0}',
    consents: 'رضایت برای دریافت', via: 'چگونه', recorded_by: 'ثبت‌شده توسط', subscriptions: 'اشتراک هشدارها', c_area: 'منطقه',
    c_since: 'از', c_ends: 'پایان', never: 'هرگز', c_messages: 'پیام‌ها به این فرد', nothing_recorded: 'چیزی ثبت نشده.',
    quiet_hours: 'ساعت‌های سکوت: پیام‌های عادی در این ساعت‌ها ارسال نمی‌شوند', q_hint: '۲۲:۰۰-۰۷:۰۰ به وقت خود فرد؛ خالی: ساعت‌های سکوت برنامه',
    q_programme: 'ساعت‌های سکوت برنامه', q_saved: 'ساعت‌های سکوت ثبت شد.', save: 'ثبت',
    w_not_mobile: 'ثبت شد، اما این شماره تلفن ثابت است نه همراه: ممکن است پیامک به آن نرسد. شماره را با خود فرد بررسی کنید.',
    months: 'نام ماه‌ها در تاریخ‌های پیامک', m_language: 'مطابق زبان فرد', m_iranian: 'ایرانی (آذر، دی …)',
    m_afghan: 'افغانستانی (قوس، جدی …)', m_saved: 'نام ماه‌ها ثبت شد.',
    also_read: 'زبان‌هایی که پس از زبان خود می‌خواند، به ترتیب', l_none: 'هیچ', l_saved: 'زبان‌ها ثبت شد.',
    new_number: 'شماره جدید', n_save: 'تغییر شماره',
    n_hint: 'سیم‌کارت جدید: یادآوری‌ها، نوبت‌ها و هشدارهای او به شماره جدید منتقل می‌شوند، پیام‌هایی که قطع کرده قطع می‌مانند و پیام‌های در انتظار به شماره جدید ارسال می‌شوند.',
    vp_set: '«نوبت‌های من» رمزی را می‌خواهد که خود فرد گذاشته است.', vp_clear: 'پاک کردن رمز (فراموش‌شده)',
    vp_cleared: 'رمز پاک شد: «نوبت‌های من» تا رمز تازه بدون رمز باز می‌شود.',
    vp_closed: 'پس از ۱۵ رمز اشتباه پشت سر هم بسته شد: شاید کسی حدس می‌زده؛ فقط برای خود فرد پاکش کنید.',
    n_moved: 'شماره تغییر کرد: {0} پیام در انتظار به شماره جدید ارسال می‌شود.',
    n_same: 'این همان شماره فعلی اوست.', n_took_in: 'پیامک‌هایی که شماره جدید قبلاً ارسال کرده بود، اکنون به نام او ثبت شده است.',
    n_confirm: 'این شماره قبلاً به «پیغام» پیامک ارسال کرده است. اگر سیم‌کارت جدید اوست، آن پیامک‌ها به نام او ثبت می‌شوند.',
    n_confirm_send: 'سیم‌کارت جدید اوست',
    other_numbers: 'شماره‌های دیگری که از آن‌ها پیامک می‌فرستد', o_none: 'موردی نیست', o_other: 'شماره دیگر', o_add: 'افزودن شماره', o_remove: 'حذف',
    o_hint: 'سیم‌کارت دوم: آنچه از آن می‌فرستد به نام او ثبت می‌شود و پاسخ به همان شماره می‌رود؛ یادآوری‌ها و هشدارها همچنان به شماره بالا ارسال می‌شوند.',
    o_added: 'شماره اضافه شد.', o_removed: 'شماره حذف شد و اکنون متعلق به کسی نیست. پیامک‌هایی که قطع کرده بود، به این شماره هم ارسال نمی‌شوند.',
    o_confirm: 'این شماره قبلاً به «پیغام» پیامک ارسال کرده است. اگر سیم‌کارت اوست، آن پیامک‌ها به نام او ثبت می‌شوند.',
    o_confirm_send: 'سیم‌کارت اوست',
  },
  ps: {
    parties: 'څوک پیغامونه لولي', parties_intro: 'پرته له هغو کسانو چې له دې پاڼې کار اخلي، دا ادارې د هغو پیغامونو متن لوستلی شي چې پیغام یې لېږي او ترلاسه کوي. له هرې یوې سره لیکلی تړون پکار دی: پیغامونه یوازې د همدې خدمت لپاره کارول کېږي، بل چا ته نه ورکول کېږي، له ټاکلې مودې زیات نه ساتل کېږي، او د معلوماتو د هر ډول افشا راپور ورکول کېږي.',
    inside: 'په دې پاڼه کې مدیران او اپراتوران پیغامونه او راغلي پیغامونه لولي؛ روغتیايي کارکوونکي یادونې، نوبتونه او زنګونه ویني، د پیغامونو متن نه.',
    organisation: 'اداره', their_role: 'رول', messages_of: 'چینلونه', agreement: 'لیکلی تړون', agreement_until: 'تر {0} پورې',
    pr_aggregator: 'د اس‌ام‌اس او USSD شرکت', pr_mobile_operator: 'مخابراتي شرکت', pr_host: 'د سرور کوربه', pr_other: 'نور',
    every_channel: 'ټول چینلونه', no_agreement: 'لیکلی تړون نه لري', agreement_ended: 'په {0} پای ته ورسېد', no_end: 'د پای نېټه نه لري', nobody_listed: 'هېڅ اداره نه ده ثبت شوې.',
    gap_no_party: 'چینل {0}: د دې چینل د پیغامونو لپاره هېڅ اداره نه ده ثبت شوې، خو د اس‌ام‌اس شرکت یې لولي. دا شرکت په تنظیماتو کې د parties لاندې ورزیات کړئ.', gap_no_agreement: '{0} له لیکلي تړون پرته پیغامونه لولي.', gap_ended: 'له {0} سره تړون پای ته رسېدلی دی: تمدید یې کړئ یا یې چینلونه ودروئ.',
    title: 'پیغام', login: 'ننوتل', login_name: 'کارن نوم', password: 'پټنوم', logout: 'وتل',
    login_failed: 'کارن نوم یا پټنوم سم نه دی.', language: 'ژبه',
    calls: 'ناروغانو ته زنګ', broadcasts: 'عمومي پیغامونه', messages: 'پیغامونه', flows: 'بهیرونه', audit: 'د کړنو ثبت',
    role_admin: 'مدیر', role_operator: 'اپراتور', role_health_worker: 'روغتیايي کارکوونکی', disable_warn_worker: 'پین او پټنوم یې نور کار نه کوي، او ناروغان او زنګونه یې په {0} کې یوه بل همکار ته سپارل کېږي، که څوک پاتې وي.', disable_no: 'نه', disable_warn: 'پټنوم یې نور کار نه کوي او له سیستم څخه ایستل کېږي.', disable_yes: 'هو، غیرفعال دې شي', disabled_ok: '{0} غیرفعال شو.', handed_to: '{0} غیرفعال شو. یادونې ({1}) او زنګونه ({2}) یې اوس {3} ته وسپارل شول.', handed_nobody: '{0} غیرفعال شو. په {1} کې بل روغتیايي کارکوونکی نشته چې ناروغان یې په غاړه واخلي: هلته یو روغتیايي کارکوونکی اضافه کړئ، هغه به یې په غاړه واخلي.',
    phone: 'د ټیلیفون شمېره', unanswered: 'بې ځوابه', since: 'د انتظار پیل', called: 'زنګ مې ووهه', none_to_call: 'هېڅوک نشته چې زنګ ورته ووهل شي.',
    reason_no_reply: 'یادونو ته یې ځواب نه دی ورکړی', reason_not_taken: 'وایي دوا یې نه ده خوړلې: علت یې وپوښتئ', reason_missed_visits: 'وروستي ۲ نوبتونه یې پرېښي: راتلونکی نوبت ورسره ونیسئ',
    reason_not_wanted: 'ویلي یې دي چې په دې ټیلیفون یادونې نه غواړي (بندې شوې): شمېره وګورئ', reason_unconfirmed: 'نه یې دي ویلي چې یادونې لا هم د دې ټیلیفون لپاره دي: شمېره وګورئ', reason_urgent: 'د خطر خبرې یې لیکلي: همدا اوس زنګ ووهئ', reason_call_asked: 'غواړي چې ورته زنګ ووهئ', reason_cannot_come: 'نوبت ته نشي راتلای او بله ورځ یې نه ده ټاکلې: ورسره نوبت ونیسئ', reason_clinic_cancelled: 'کلینیک یې نوبت لغوه کړی او ناروغ بله ورځ نه ده ټاکلې: ورسره نوبت ونیسئ', reason_missed_visit: 'نوبت یې پرېښی او ځواب یې نه دی ورکړی: راتلونکی نوبت ورسره ونیسئ', call_soon: 'په یوه کاري ورځ کې زنګ ووهئ', call_low: 'ټیټ لومړیتوب', high_risk: 'د لوړ خطر امیندواري',
    new_broadcast: 'نوی عمومي پیغام', programme: 'پروګرام', area: 'سیمه (خالي: ټولې سیمې)', b_route: 'لار یا سرحدي بندر (خالي: ټول)', b_district: 'د دې سیمې ولسوالۍ (خالي: ټوله سیمه)', b_unknown_district: 'هغه کسان هم چې ولسوالۍ یې معلومه نه ده (ښايي هلته وي)', with_unknown: 'او هغه کسان چې ولسوالۍ یې معلومه نه ده', text_key: 'د متن نوم',
    priority: 'لومړیتوب', p_alert: 'P1 بیړنۍ خبرتیا (د شپې هم لېږل کېږي)', p_area: 'P2 سیمه‌ییزه خبرتیا', p_education: 'P3 پوهاوی',
    send: 'لېږل', encoding: 'کوډګذاري', parts: 'د اس‌ام‌اس برخې', cost: 'د ۱۰۰۰ کسانو لپاره لګښت', text: 'متن',
    confirm_needed: 'سیمه او متن وګورئ: {0}', confirm_send: 'ومې کتل: ولېږه',
    progress: 'عمومي پیغام شمېره {0}', audience: '{0} کسه', handed: 'له {1} څخه {0} بشپړ شول: ولېږل شول، یا په بل ډول پای ته ورسېدل ({2})',
    awaiting_approval: 'بیړنۍ خبرتیا په هر وخت کې {0} کسانو ته ځي، یوازې کله چې دویم کس یې تایید کړي.', approve_send: 'ما هم وکتل: تایید یې کړه او ولېږه', cancel_broadcast: 'لغوه یې کړه: هېڅ مه لېږه', broadcast_cancelled: 'لغوه شو: هېڅ پیغام ونه لېږل شو.', expires: 'څه چې تر {0} پورې ونه لېږل شي، هېڅکله نه لېږل کېږي.', waiting_other: 'بل مدیر یا اپراتور باید تایید یې کړي: د دې پاڼې لینک ورته ولېږئ.', recent_broadcasts: 'تر اوسه عمومي پیغامونه', bs_awaiting_approval: 'د دویم کس تایید ته انتظار', bs_cancelled: 'لغوه شو', bs_expired: 'بې تاییده پای ته ورسېد', bs_queuing: 'د لیکې کېدو په حال کې', bs_queued: 'په لیکه کې', stop_broadcast: 'ودې دروه: نور هېڅ مه لېږه', broadcast_stopped: 'ودرول شو: نور پیغام نه ځي. کوم پیغامونه چې مخکې تللي، تللي دي.',
    state: 'حالت', all_states: 'ټول حالتونه', search: 'لټون', to: 'ترلاسه کوونکی', at: 'وخت',
    history: 'تاریخچه', source: 'سرچینه', more: 'نور', actor: 'کارن', action: 'کړنه', target: 'موضوع',
    file: 'فایل', entries: 'د پیل کوډونه او کلیدي کلمې', new_flow: 'د بهیر نوی فایل (name.yaml)', open: 'پرانیستل',
    check: 'د بهیر کتنه', publish: 'فعالول', roll_back: 'مخکینۍ نسخه بېرته راوستل', checked_ok: 'هېڅ تېروتنه ونه موندل شوه.',
    published: 'فعال شو: سرور اوس همدا نسخه چلوي.', rolled_back: 'بېرته راوستل شوه: سرور اوس مخکینۍ نسخه چلوي.',
    changed_since: 'تاسو چې دا بهیر پرانیست، له هغې وروسته بل چا فعال کړ؛ ستاسو بدلون ونه ساتل شو. ستاسو متن لا همدلته دی.',
    clinics_file: 'د کلینیکونو فایل', no_clinics_file: 'دا سرور د کلینیکونو فایل نه لري (config: clinics).',
    clinics_file_intro: 'نوی کلینیک اضافه کړئ یا د یوه کلینیک نومونه بدل کړئ، بیا فایل فعال کړئ: د نوبت نیولو مینو به یې سمدستي وښيي. د کلینیک د کار ساعتونه د نوبتونو په پاڼه کې بدلولای شئ؛ خدمتونه، د وخت سیمه او نور یوازې پخپله په سرور کې.',
    clinics_changed_since: 'تاسو چې د کلینیکونو فایل پرانیست، له هغې وروسته بل چا فعال کړ؛ ستاسو بدلون ونه ساتل شو. ستاسو متن لا همدلته دی.',
    compare_live: 'له فعالې نسخې سره پرتله', live_loaded: 'فعاله نسخه راغله: «فعالول» اوس ښيي چې ستاسو متن به په هغې کې څه بدل کړي.',
    problems: 'تېروتنې', warnings: 'اخطارونه', line: 'کرښه {0}', simulator: 'د ټیلیفون سمولېټر', dial: 'شمېره وهل',
    reply: 'ځواب', as_language: 'د ټیلیفون ژبه', code: 'USSD کوډ', route: 'د USSD لار',
    route_latin: 'بې پښتو او فارسي تورو: لاتیني توري', route_digits: 'بې پښتو او فارسي تورو: یوازې عددونه، متن په اس‌ام‌اس',
    state_queued: 'په کتار کې', state_sending: 'لېږل کېږي', state_retrying: 'بیا هڅه کېږي', state_sent: 'ولېږل شو', state_delivered: 'ورسېد',
    state_failed: 'ناکام', state_expired: 'وخت یې تېر شو', state_cancelled: 'لغوه شو', state_unconfirmed: 'نه دی تایید شوی',
    patients: 'ناروغان', find: 'موندل', enrol: 'د یادونو لپاره نوم لیکنه', kind: 'د یادونې ډول', k_medicine: 'درمل، هره ورځ',
    k_pregnancy: 'د امیندوارۍ پاملرنه (۸ کتنې، WHO)', time: 'وخت', lmp: 'د وروستي میاشتني عادت لومړۍ ورځ',
    patient_language: 'د ناروغ ژبه', enrolled: 'نوم یې ولیکل شو. بله یادونه: {0}.', next: 'بله یادونه',
    none_enrolled: 'د دې شمېرې لپاره هېڅ یادونه فعاله نه ده.', end: 'یادونې پای ته رسول', reason: 'لامل',
    r_completed: 'پاملرنه بشپړه شوه', r_loss: 'امیندواري دوام ونه موند', r_transfer: 'بل کلینیک ته لاړ', r_opted_out: 'پخپله یې نه غوښتل', r_death: 'د ناروغ مړینه', r_other: 'بل لامل', ended: 'یادونې پای ته ورسېدې.',
    every_n_days: 'د درملو له اخیستلو یوه ورځ مخکې، هرې {0} ورځې',
    k_refill: 'د درملو اخیستل (له نېټې یوه ورځ مخکې، ۱۰ بجې)', k_refill_short: 'د درملو اخیستل', refill_date: 'د درملو د اخیستلو بله نېټه', refill_every: 'څو وخت وروسته', every_30: 'هره میاشت (۳۰ ورځې)', every_60: 'هرې ۲ میاشتې', every_90: 'هرې ۳ میاشتې',
    k_checkin: 'اوونۍ پوښتنه (دوشنبه ۱۰ بجې)', k_checkin_short: 'اوونۍ پوښتنه', k_medicine_short: 'درمل', k_pregnancy_short: 'د امیندوارۍ پاملرنه',
    visits: 'نوبتونه', clinic: 'کلینیک', service: 'خدمت', free_places: 'خالي نوبتونه', book: 'نوبت نیول',
    booked_ok: 'نوبت ونیول شو: کوډ {0}، {1}. دې کس ته اس‌ام‌اس ورځي.', for_whom: 'د چا لپاره', for_self: 'د ټیلیفون خاوند',
    for_other: 'بل کس چې همدا ټیلیفون کاروي', for_child: 'د ټیلیفون د خاوند ماشوم', for_partner: 'د ټیلیفون د خاوند مېړه یا ښځه', for_parent: 'د ټیلیفون د خاوند مور یا پلار', day: 'ورځ', visit_code: 'کوډ', mark_attended: 'حاضر', mark_missed: 'غیرحاضر',
    mark_cancelled: 'نوبت لغوه کول', close_day: 'په دې ورځ کلینیک بندول', close_day_warn: 'د دې ورځې نوبتونه ({0}) لغوه کېږي او هر چا ته د نورو ورځو سره پیغام ځي.', close_day_yes: 'هو، بند دې شي', day_closed: 'کلینیک په دې ورځ بند دی: هېڅوک نوبت نشي نیولای.', day_closed_ok: 'بند شو. لغوه شوي نوبتونه: {0}.', all_told: 'هر یوه ته د نورو ورځو سره پیغام ځي.', not_told: 'دې کسانو ته پیغام نه رسېږي، ورته زنګ ووهئ: {0}', reopen_day: 'دا ورځ بیا پرانیستل', cancel_told: 'لغوه شو: یو پیغام ورته ځي، د نورو ورځو سره.', cancel_untold: 'لغوه شو، خو هېڅ پیغام ورته نشي رسېدای: تاسو یې پخپله ورته ووایئ.', v_coming: 'ویلي یې دي چې راځي', v_unconfirmed: 'نه دی تایید شوی: یادونې ته یې ځواب نه دی ورکړی', visits_on: 'د {0} نوبتونه', no_visits: 'په دې ورځ هېڅ نوبت نشته.',
    hours: 'د کار ساعتونه', hours_file: 'ساعتونه د کلینیکونو د فایل سره سم دي.', hours_changed: 'ساعتونه په {0} دلته بدل شول: تر څو چې د کلینیکونو د فایل ساعتونو ته بېرته ستانه نه شئ، هغه نه کارول کېږي.', open_on_days: 'خلاصې ورځې', w_from: 'له', w_to: 'تر', w_places: 'د نوبتونو شمېر', w_kept: 'روغتیايي کارکوونکو ته ساتل شوي', add_window: 'د کار بل وخت اضافه کول', remove: 'لرې کول', save_hours: 'ساعتونه ثبتول', hours_saved: 'ثبت شول: له اوس وروسته نوبتونه د دې ساعتونو سره سم نیول کېږي. نیول شوي نوبتونه پاتې کېږي.', hours_outside: '{0} راتلونکي نوبتونه په داسې ورځو یا وختونو کې دي چې په نویو ساعتونو کې نشته. دا نوبتونه لغوه نه کېږي: له اړوندو ناروغانو سره په مشوره یې بل وخت ته واړوئ، یا هغه ورځې بندې کړئ.', hours_confirm: 'هو، ساعتونه دې بدل شي', back_to_file: 'د کلینیکونو د فایل ساعتونو ته ستنېدل', hours_outside_list: 'له نویو ساعتونو بهر:',
    no_slots: 'په راتلونکو ورځو کې خالي نوبت نشته.', show: 'ښودل',
    v_booked: 'نوبت لري', v_attended: 'حاضر', v_missed: 'غیرحاضر', v_cancelled: 'لغوه شو',
    svc_pregnancy: 'د امیندوارۍ پاملرنه', svc_chronic: 'مزمنه ناروغي', svc_general: 'عمومي', svc_counselling: 'مشوره',
    deliveries: 'د پیغامونو رسېدل', last_hours: 'وروستي {0} ساعته', per_hour: 'پیغامونه په هر ساعت کې', channel: 'چینل',
    running: 'لېږل کېږي', paused_until: 'تر {0} پورې درول شوی (د اس‌ام‌اس شرکت ستونزه درلوده یا یې موږ رد کړو)', in_last_hour: 'وروستی ساعت',
    reasons: 'ولې پیغامونه ناکام شول یا ونه لېږل شول', g_delivered: 'ورسېدل', g_failed: 'ناکام یا نه دي لېږل شوي',
    g_sent: 'ولېږل شول، لا راپور نه دی راغلی', g_waiting: 'د لېږلو په تمه', no_messages: 'په دې موده کې هېڅ پیغام نشته.',
    inbox: 'راغلي پیغامونه', hazard_only: 'یوازې د خطر راپورونه', take: 'په غاړه اخیستل', done: 'بشپړ شو', reply_sent: 'ځواب ولېږل شو.',
    i_new: 'نوی', i_read: 'لوستل شوی', i_done: 'بشپړ شوی', all: 'ټول', hazard: 'د خطر راپور', maybe_same: 'ښايي همغه', urgent: 'بیړني: ښايي څوک په خطر کې وي', someone_hurt: 'څوک ټپي دی', nobody_hurt: 'هېڅوک ټپي نه دی', may_call: 'منلي یې دي چې زنګ ورته ووهئ', no_call: 'زنګ ورته مه وهئ', yours: 'ستاسو په غاړه', taken: 'د بل چا په غاړه', nothing_here: 'دلته هېڅ نشته.',
    people: 'کسان', users: 'کارنان', tokens: 'د سیستمونو ټوکنونه', name: 'نوم', role: 'رول', disable: 'غیرفعالول',
    disabled: 'غیرفعال', locked: 'قفل شوی', revoke: 'باطلول', revoked: 'باطل شوی', new_token: 'د یوه سیستم لپاره نوی ټوکن',
    make: 'جوړول', token_once: 'همدا اوس یې کاپي کړئ: یوازې یو ځل ښودل کېږي.',
    changes: 'هغه بدلونونه چې فعالېږي', confirm_live: 'دا بدلونونه فعال کړئ', no_changes: 'هېڅ بدلون نه دی راغلی.',
    send_at: 'د لېږلو وخت (خالي: همدا اوس)', scheduled_for: 'له {0} څخه لېږل کېږي',
    error: 'یوه ستونزه پېښه شوه: {0}', session_open: 'پرانیستی (CON)', session_end: 'پای ته رسېدلی (END)',
    shared_phone: 'آیا نور خلک هم د دې ټیلیفون اس‌ام‌اس لولي؟', sp_unknown: 'معلومه نه ده', sp_yes: 'هو، نور یې هم لولي',
    sp_no: 'نه، یوازې ناروغ', explicit_texts: 'ناروغ غوښتي چې په پیغامونو کې د پاملرنې ډول (درمل، امیندواري) یاد شي', consent_given: 'دې کس د دې پیغامونو اخیستلو ته رضایت ورکړ',
    consent_needed: 'لومړی له خپله کسه وپوښتئ: باید پیغامونو ته رضایت ورکړي.', pause_until: 'تر دې نېټې درول',
    pause: 'درول', resume: 'بیا پیلول', reminders_paused: 'تر {0} پورې درول شوې', reminders_stopped: 'ناروغ دا پیغامونه بند کړي: یوازې پخپله یې د ۱۲ په لېږلو بیا پیلولی شي',
    move: 'وخت بدلول', moving: 'د {0} نوبت لپاره یو خالي ځای وټاکئ.', moved_ok: 'نوبت بدل شو: کوډ {0}، {1}. دې کس ته اس‌ام‌اس ورځي.',
    via_in_person: 'مخامخ', via_phone_call: 'په ټیلیفوني اړیکه', via_written: 'لیکلي',
    contacts: 'اړیکې', contact_unknown: 'پیغام دا شمېره نه پېژني.', c_stopped: 'ټول پیغامونه یې بند کړي (په ۱۲ بیا پیلېږي)',
    c_unreachable: 'د لاسرسي وړ نه ده: دې شمېرې ته پیغامونه نه رسېږي', c_recorded: 'ثبت کوونکی {0}، {1}', c_not_recorded: 'لا چا نه دي پوښتلي',
    rec_person: 'هغه څوک چې ټیلیفون ورسره دی، په پیغام', rec_user: 'کارن شمېره {0}', rec_token: 'د ماشین ټوکن شمېره {0}',
    consents: 'د ترلاسه کولو موافقه', via: 'څنګه', recorded_by: 'ثبت کوونکی', subscriptions: 'د خبرتیاوو ګډون', c_area: 'سیمه',
    c_since: 'له', c_ends: 'پای', never: 'هېڅکله', c_messages: 'دې کس ته پیغامونه', nothing_recorded: 'هېڅ نه دي ثبت شوي.',
    quiet_hours: 'د آرام ساعتونه: عادي پیغامونه په دې ساعتونو کې نه لېږل کېږي', q_hint: '۲۲:۰۰-۰۷:۰۰ د هغه کس په محلي وخت؛ خالي: د پروګرام د آرام ساعتونه',
    q_programme: 'د پروګرام د آرام ساعتونه', q_saved: 'د آرام ساعتونه ثبت شول.', save: 'ثبتول',
    w_not_mobile: 'ثبت شوه، خو دا شمېره د ثابت ټیلیفون ده، نه د موبایل: کېدای شي اس‌ام‌اس ورته ونه رسېږي. شمېره له هغه کس سره وګورئ.',
    months: 'د پیغامونو په نېټو کې د میاشتو نومونه', m_language: 'د هغه کس د ژبې له مخې', m_iranian: 'ایراني (آذر، دی …)',
    m_afghan: 'افغاني (لیندۍ، مرغومی …)', m_saved: 'د میاشتو نومونه ثبت شول.',
    also_read: 'هغه ژبې چې له خپلې ژبې وروسته یې لولي، په ترتیب', l_none: 'هیڅ', l_saved: 'ژبې ثبت شوې.',
    new_number: 'نوې شمېره', n_save: 'شمېره بدلول',
    n_hint: 'نوی سیم: یادونې، نوبتونه او خبرتیاوې ورسره نوې شمېرې ته ځي، هغه پیغامونه چې بند یې کړي دي بند پاتې کېږي، او د لېږلو په تمه پیغامونه نوې شمېرې ته لېږل کېږي.',
    vp_set: '«زما نوبتونه» هغه رمز غواړي چې پخپله یې ایښی دی.', vp_clear: 'رمز پاکول (هېر شوی)',
    vp_cleared: 'رمز پاک شو: «زما نوبتونه» تر نوي رمز پورې بې رمزه خلاصېږي.',
    vp_closed: 'له ۱۵ پرله‌پسې غلطو رمزونو وروسته بند شو: کېدای شي څوک اټکل کوي؛ یوازې د هغه کس لپاره یې پاک کړئ.',
    n_moved: 'شمېره بدله شوه. نوې شمېرې ته د لېږلو په تمه پیغامونه: {0}',
    n_same: 'دا یې همدا اوسنۍ شمېره ده.', n_took_in: 'هغه پیغامونه چې نوې شمېرې مخکې لېږلي وو، اوس د همدې کس په نوم ثبت دي.',
    n_confirm: 'دې شمېرې مخکې «پیغام» ته لیکلي دي. که دا یې نوی سیم وي، هغه پیغامونه به د همدې کس په نوم ثبت شي.',
    n_confirm_send: 'دا یې نوی سیم دی',
    other_numbers: 'نورې شمېرې چې له هغو پیغام لېږي', o_none: 'هېڅ', o_other: 'بله شمېره', o_add: 'شمېره زیاتول', o_remove: 'لرې کول',
    o_hint: 'دوهم سیم: څه چې ترې لېږي د همدې کس په نوم ثبتېږي او ځواب همغې شمېرې ته ځي؛ یادونې او خبرتیاوې بیا هم پورتنۍ شمېرې ته لېږل کېږي.',
    o_added: 'شمېره زیاته شوه.', o_removed: 'شمېره لرې شوه او اوس د هېچا نه ده. هغه پیغامونه چې بند یې کړي وو، دې شمېرې ته هم نه لېږل کېږي.',
    o_confirm: 'دې شمېرې مخکې «پیغام» ته لیکلي دي. که دا یې سیم وي، هغه پیغامونه به د همدې کس په نوم ثبت شي.',
    o_confirm_send: 'دا یې سیم دی',
  },
};
const LANGUAGES = [['en', 'English'], ['prs', 'دری'], ['ps', 'پښتو'], ['fa', 'فارسی']];
// Pashto dates in Pashto where the browser has its data, else in Dari's; both Solar Hijri.
const LOCALES = {
  en: 'en-GB', prs: 'fa-AF-u-ca-persian', fa: 'fa-IR-u-ca-persian',
  ps: Intl.DateTimeFormat.supportedLocalesOf(['ps-AF']).length ? 'ps-AF-u-ca-persian' : 'fa-AF-u-ca-persian',
};
const FINAL = ['delivered', 'failed', 'expired', 'cancelled', 'unconfirmed', 'sent'];

let lang = localStorage.getItem('paygham.lang') || 'en';
if (!WORDS[lang]) lang = 'en';
let me = null;
const main = document.getElementById('main');
const bar = document.getElementById('bar');
let stopPolling = () => {};

function t(key, ...args) {
  const text = WORDS[lang][key] ?? WORDS.en[key] ?? key;
  return text.replace(/\{(\d)\}/g, (_, i) => String(args[Number(i)]));
}

// An element: h('td', {class: 'ltr'}, 'text', child…). Strings become text nodes.
function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// A message state in the reader's language.
function state(s) { return t('state_' + s); }

function number(n) { return new Intl.NumberFormat(LOCALES[lang]).format(n); }
// What 1,000 recipients of a text cost on each priced channel (the config's `tariff:`), e.g.
// "IRR 1,400,000 (at)"; empty when no channel has a price.
function costs(list) {
  return (list || []).map((c) => `${new Intl.NumberFormat(LOCALES[lang], { style: 'currency', currency: c.currency }).format(c.per_1000)} (${c.channel})`).join(' · ');
}
// A moment in the deployment's time zone (a patient's own for their reminders), whatever the
// browser's clock says.
function when(ms, zone) {
  return new Intl.DateTimeFormat(LOCALES[lang], { dateStyle: 'medium', timeStyle: 'short', timeZone: zone || me?.time_zone })
    .format(new Date(ms));
}
// A calendar day ("2026-12-01") in the reader's calendar: «سه‌شنبه ۱۰ قوس».
function dayName(iso) {
  return new Intl.DateTimeFormat(LOCALES[lang], { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' })
    .format(Date.parse(iso + 'T12:00:00Z'));
}

// Phone numbers, codes and YAML read left to right inside right-to-left text.
function ltr(text) { return h('span', { class: 'ltr', dir: 'ltr' }, text); }

function applyLanguage() {
  document.documentElement.lang = lang === 'prs' ? 'fa-AF' : lang;
  document.documentElement.dir = lang === 'en' ? 'ltr' : 'rtl';
  document.title = t('title');
}

class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

// One call to the REST API. Changes carry the session's anti-CSRF value.
async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && me?.csrf) headers['X-CSRF-Token'] = me.csrf;
  const res = await fetch('/api/v1' + path, {
    method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try { data = await res.json(); } catch { data = null; }
  if (res.status === 401 && path !== '/session') {
    me = null;
    showLogin();
  }
  if (!res.ok && res.status !== 422) throw new ApiError(res.status, data);
  if (method !== 'GET') warn(data?.warnings);
  return data;
}

// What the server saved but wants checked (a number that is not a mobile, R-L6), above the page
// until the next change or page; lint's warnings (no code) are the flow editor's to show.
function warn(list) {
  document.getElementById('check-this')?.remove();
  const coded = (list || []).filter((w) => w.code);
  if (!coded.length) return;
  main.prepend(h('div', { id: 'check-this', role: 'alert' }, coded.map((w) =>
    h('p', { class: 'check-this' }, WORDS[lang]['w_' + w.code] ? t('w_' + w.code) : w.message))));
}

function show(...nodes) {
  stopPolling();
  stopPolling = () => {};
  main.replaceChildren(...nodes);
}

function failure(e) {
  return h('p', { class: 'error', role: 'alert' }, t('error', e.message || e));
}

// ---- log in and out -------------------------------------------------------------------

function languagePicker() {
  return h('select', {
    'aria-label': t('language'), id: 'language',
    onchange: (e) => {
      lang = e.target.value;
      localStorage.setItem('paygham.lang', lang);
      applyLanguage();
      if (me) { drawBar(); route(); } else showLogin();
    },
  }, LANGUAGES.map(([code, name]) => h('option', { value: code, selected: code === lang }, name)));
}

function showLogin() {
  bar.hidden = true;
  const status = h('p', { role: 'alert' });
  const loginInput = h('input', { id: 'login', name: 'login', autocomplete: 'username', required: true, dir: 'ltr' });
  const passwordInput = h('input', {
    id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true, dir: 'ltr',
  });
  const form = h('form', {
    class: 'card', onsubmit: async (e) => {
      e.preventDefault();
      status.textContent = '';
      try {
        me = await api('POST', '/session', { login: loginInput.value, password: passwordInput.value });
        passwordInput.value = '';
        start();
      } catch (err) {
        status.className = 'error';
        status.textContent = err.status === 401 ? t('login_failed') : err.message;
      }
    },
  },
  h('h1', {}, t('title')),
  h('label', { for: 'login' }, t('login_name')), loginInput,
  h('label', { for: 'password' }, t('password')), passwordInput,
  h('p', {}, h('button', { type: 'submit' }, t('login'))), status,
  h('label', { for: 'language' }, t('language')), languagePicker());
  show(h('section', { class: 'login' }, form));
}

function pagesFor(role) {
  const pages = [['patients', t('patients')], ['visits', t('visits')], ['calls', t('calls')]];
  if (role !== 'health_worker') {
    pages.push(['inbox', t('inbox')], ['broadcasts', t('broadcasts')], ['deliveries', t('deliveries')],
      ['messages', t('messages')], ['contacts', t('contacts')], ['flows', t('flows')]);
  }
  if (role === 'admin') pages.push(['people', t('people')], ['audit', t('audit')]);
  pages.push(['parties', t('parties')]);
  return pages;
}

function drawBar() {
  const here = location.hash.split('/')[1] || '';
  bar.replaceChildren(
    h('span', { class: 'brand' }, t('title')),
    h('nav', {}, pagesFor(me.role).map(([id, name]) => h('a', { href: `#/${id}`, class: here === id ? 'here' : '' }, name))),
    h('span', { class: 'who' }, `${me.name} · ${t('role_' + me.role)}${me.facility ? ' · ' + me.facility : ''}`),
    languagePicker(),
    h('button', {
      class: 'quiet', id: 'logout', onclick: async () => {
        try { await api('DELETE', '/session'); } finally { me = null; location.hash = ''; showLogin(); }
      },
    }, t('logout')));
  bar.hidden = false;
}

// ---- patients to call (health workers) -----------------------------------------------------

async function callsPage() {
  const list = await api('GET', '/escalations');
  const rows = list.items.map((e) => h('tr', {},
    h('td', {}, ltr(e.phone)),
    h('td', {}, t('reason_' + e.reason),
      e.priority === 'high' ? h('div', {}, h('strong', { class: 'soon' }, t('call_soon'))) : '',
      e.priority === 'low' ? h('div', { class: 'muted' }, t('call_low')) : ''),
    h('td', {}, number(e.unanswered)),
    h('td', {}, when(e.created_at)),
    h('td', {}, h('button', {
      onclick: async (ev) => {
        ev.target.disabled = true;
        await api('POST', `/escalations/${e.id}/resolve`);
        route();
      },
    }, t('called')))));
  show(h('h1', {}, t('calls')), rows.length
    ? h('table', { id: 'calls' }, h('thead', {}, h('tr', {}, [t('phone'), '', t('unanswered'), t('since'), ''].map((x) => h('th', {}, x)))),
      h('tbody', {}, rows))
    : h('p', { class: 'muted' }, t('none_to_call')));
}

// ---- patients: their reminders, enrolling (health workers) ---------------------------------

// Whether others read SMS on the phone: only a clear "no" counts as private (R-S11).
function sharedPhoneSelect(id) {
  return h('select', { id }, ['unknown', 'yes', 'no'].map((x) => h('option', { value: x }, t('sp_' + x))));
}

async function patientsPage(query) {
  const params = new URLSearchParams(query);
  const phone = h('input', { id: 'phone', value: params.get('phone') || '', dir: 'ltr', inputmode: 'tel' });
  const status = h('div', { role: 'status', id: 'patient-status' });
  const list = h('div', { id: 'enrolments' });
  const load = async () => {
    if (!phone.value) return;
    const r = await api('GET', `/enrolments?phone=${encodeURIComponent(phone.value)}`);
    if (!r.items.length) { list.replaceChildren(h('p', { class: 'muted' }, t('none_enrolled'))); return r; }
    const quiet = r.items[0].quiet_hours;  // the patient's own (R-S8), the same on every enrolment
    list.replaceChildren(quiet ? h('p', { id: 'patient-quiet' }, t('quiet_hours'), ': ', ltr(quiet)) : '', h('table', {},
      h('thead', {}, h('tr', {}, [t('kind'), t('time'), t('next'), t('unanswered'), ''].map((x) => h('th', {}, x)))),
      h('tbody', {}, r.items.map((e) => {
        const reason = h('select', { 'aria-label': t('reason') },
          ['completed', 'loss', 'transfer', 'opted_out', 'death', 'other'].map((x) => h('option', { value: x }, t('r_' + x))));
        return h('tr', { 'data-enrolment': e.id },
          h('td', {}, t('k_' + e.kind + '_short'), e.kind === 'pregnancy' ? riskControl(e) : ''),
          h('td', {}, ltr(e.time), e.every_days ? h('div', { class: 'muted every' }, t('every_n_days', number(e.every_days))) : ''),
          h('td', { class: 'next' }, e.next_at ? when(e.next_at, e.time_zone) : '—',
            e.stopped ? h('div', { class: 'muted stopped' }, t('reminders_stopped')) : '',
            e.paused_until ? h('div', { class: 'muted paused' }, t('reminders_paused', when(e.paused_until, e.time_zone))) : ''),
          h('td', {}, number(e.unanswered)),
          h('td', {}, pauseControl(e), ' ', reason, ' ', h('button', {
            class: 'quiet', onclick: async () => {
              try {
                await api('POST', `/enrolments/${e.id}/end`, { reason: reason.value });
                status.replaceChildren(h('p', { class: 'ok' }, t('ended')));
                await load();
              } catch (err) { status.replaceChildren(failure(err)); }
            },
          }, t('end'))));
      }))));
    return r;
  };
  // A pregnancy flagged high risk: calls about her are made within one working day (R-H3).
  const riskControl = (e) => {
    const box = h('input', {
      type: 'checkbox', id: `risk-${e.id}`, 'data-risk': e.id, checked: e.high_risk, onchange: async () => {
        try { await api('POST', `/enrolments/${e.id}/risk`, { high_risk: box.checked }); await load(); } catch (err) { status.replaceChildren(failure(err)); }
      },
    });
    return h('div', {}, box, ' ', h('label', { for: `risk-${e.id}`, class: 'inline' }, t('high_risk')));
  };
  // Paused: a button to resume. Running: a day and a button to pause until it.
  const pauseControl = (e) => {
    const act = async (what, body) => {
      try { await api('POST', `/enrolments/${e.id}/${what}`, body); await load(); } catch (err) { status.replaceChildren(failure(err)); }
    };
    if (e.paused_until) return h('button', { class: 'quiet', 'data-resume': e.id, onclick: () => act('resume', {}) }, t('resume'));
    const until = h('input', { type: 'date', dir: 'ltr', 'aria-label': t('pause_until'), 'data-pause-until': e.id });
    return h('span', {}, until, ' ', h('button', {
      class: 'quiet', 'data-pause': e.id, onclick: () => act('pause', { until: until.value }),
    }, t('pause')));
  };
  const kind = h('select', { id: 'kind' }, h('option', { value: 'medicine' }, t('k_medicine')),
    h('option', { value: 'pregnancy' }, t('k_pregnancy')), h('option', { value: 'checkin' }, t('k_checkin')),
    h('option', { value: 'refill' }, t('k_refill')));
  const time = h('input', { id: 'time', type: 'time', value: '08:00', dir: 'ltr' });
  const lmp = h('input', { id: 'lmp', dir: 'ltr', placeholder: lang === 'en' ? '2026-09-01' : '۱۴۰۵/۶/۱۰', hidden: true });
  const lmpLabel = h('label', { for: 'lmp', hidden: true }, t('lmp'));
  const timeLabel = h('label', { for: 'time' }, t('time'));
  // A refill: the next refill day (Solar Hijri or Gregorian, as lmp) and the days it lasts.
  const refillDate = h('input', { id: 'refill-date', dir: 'ltr', placeholder: lang === 'en' ? '2026-12-20' : '۱۴۰۵/۹/۲۹', hidden: true });
  const refillDateLabel = h('label', { for: 'refill-date', hidden: true }, t('refill_date'));
  const refillEvery = h('select', { id: 'refill-every', hidden: true },
    ['30', '60', '90'].map((d) => h('option', { value: d }, t('every_' + d))));
  const refillEveryLabel = h('label', { for: 'refill-every', hidden: true }, t('refill_every'));
  kind.addEventListener('change', () => {
    for (const el of [lmp, lmpLabel]) el.hidden = kind.value !== 'pregnancy';
    for (const el of [time, timeLabel]) el.hidden = kind.value !== 'medicine';  // a check-in: Mondays 10:00
    for (const el of [refillDate, refillDateLabel, refillEvery, refillEveryLabel]) el.hidden = kind.value !== 'refill';
  });
  const language = h('select', { id: 'patient-language' },
    [['prs', 'دری'], ['ps', 'پښتو'], ['fa', 'فارسی'], ['en', 'English']].map(([l, name]) => h('option', { value: l }, name)));
  const shared = sharedPhoneSelect('shared-phone');
  // Texts that name the care: only on a phone nobody else reads (R-S11), so only offered then.
  const explicit = h('input', { id: 'explicit-texts', type: 'checkbox' });
  const explicitRow = h('p', { hidden: true }, explicit, ' ', h('label', { for: 'explicit-texts', class: 'inline' }, t('explicit_texts')));
  shared.addEventListener('change', () => {
    explicitRow.hidden = shared.value !== 'no';
    if (explicitRow.hidden) explicit.checked = false;
  });
  const quietHours = h('input', { id: 'quiet-hours', dir: 'ltr', placeholder: '22:00-07:00', 'aria-describedby': 'quiet-hint' });
  const consent = h('input', { id: 'consent', type: 'checkbox', required: true });
  const enrol = h('form', {
    class: 'card', id: 'enrol', onsubmit: async (e) => {
      e.preventDefault();
      const body = {
        phone: phone.value, kind: kind.value, language: language.value, shared_phone: shared.value,
        explicit_texts: shared.value === 'no' && explicit.checked, consent_via: 'in_person',
      };
      if (kind.value === 'medicine') body.time = time.value;
      if (kind.value === 'pregnancy') body.lmp = lmp.value;
      if (kind.value === 'refill') Object.assign(body, { refill_date: refillDate.value, every_days: Number(refillEvery.value) });
      if (quietHours.value.trim()) body.quiet_hours = quietHours.value.trim();
      try {
        const made = await api('POST', '/enrolments', body);
        status.replaceChildren(h('p', { class: 'ok' }, t('enrolled', made.next_at ? when(made.next_at, made.time_zone) : '—')));
        await load();
      } catch (err) { status.replaceChildren(failure(err)); }
    },
  }, h('h2', {}, t('enrol')),
  h('div', { class: 'row' },
    h('div', {}, h('label', { for: 'kind' }, t('kind')), kind),
    h('div', {}, timeLabel, time, lmpLabel, lmp, refillDateLabel, refillDate),
    h('div', {}, refillEveryLabel, refillEvery),
    h('div', {}, h('label', { for: 'patient-language' }, t('patient_language')), language),
    h('div', {}, h('label', { for: 'shared-phone' }, t('shared_phone')), shared),
    h('div', {}, h('label', { for: 'quiet-hours' }, t('quiet_hours')), quietHours,
      h('div', { id: 'quiet-hint', class: 'muted' }, t('q_hint')))),
  explicitRow,
  h('p', {}, consent, ' ', h('label', { for: 'consent', class: 'inline' }, t('consent_given'))),
  h('p', {}, h('button', { type: 'submit', id: 'enrol-send' }, t('enrol'))));
  show(h('h1', {}, t('patients')),
    h('form', {
      class: 'row', onsubmit: (e) => { e.preventDefault(); location.hash = `#/patients?phone=${encodeURIComponent(phone.value)}`; },
    }, h('div', {}, h('label', { for: 'phone' }, t('phone')), phone), h('button', { type: 'submit', id: 'find' }, t('find'))),
    status, list, me.role === 'health_worker' && phone.value ? enrol : '');
  try { await load(); } catch (err) { list.replaceChildren(failure(err)); }
}

// ---- visits: free places, booking for a person, the day's list (reception) ---------------------

async function visitsPage() {
  const clinics = (await api('GET', '/clinics')).items;
  const clinic = h('select', { id: 'clinic' }, clinics.map((c) => h('option', { value: c.id }, c.name[lang] || c.name.en)));
  const service = h('select', { id: 'service' });
  const fillServices = () => {
    const c = clinics.find((x) => x.id === clinic.value);
    service.replaceChildren(...(c ? c.services : []).map((x) => h('option', { value: x }, t('svc_' + x))));
  };
  clinic.addEventListener('change', fillServices);
  fillServices();
  const phone = h('input', { id: 'visit-phone', dir: 'ltr', inputmode: 'tel' });
  // R-B4: the relation only; the API takes child-2 and so on for a second child of the phone.
  const forWhom = h('select', { id: 'for' },
    ['self', 'child', 'partner', 'parent', 'other'].map((x) => h('option', { value: x }, t('for_' + x))));
  const shared = sharedPhoneSelect('visit-shared-phone');
  const consent = h('input', { id: 'visit-consent', type: 'checkbox' });
  const status = h('div', { role: 'status', id: 'visit-status' });
  const slots = h('div', { id: 'slots' });
  const dayInput = h('input', { id: 'day', type: 'date', dir: 'ltr' });
  let moving = null;  // a visit being moved: the next free place chosen takes it
  let firstDay = '';  // the clinic's today, as the day's list first opens on it
  const dayList = h('div', { id: 'day-list' });

  const showDay = async () => {
    const q = new URLSearchParams({ clinic: clinic.value });
    if (dayInput.value) q.set('day', dayInput.value);
    const r = await api('GET', `/appointments?${q}`);
    firstDay = firstDay || r.day;
    dayInput.value = r.day;
    const noon = Date.parse(r.day + 'T12:00:00Z');
    const markButton = (v, as) => h('button', {
      class: 'quiet', 'data-mark': as, onclick: async () => {
        try {
          const done = await api('POST', `/appointments/${v.id}/mark`, { as });
          await showDay();
          // R-B5: the clinic cancelled it; the person hears of it by SMS, unless nothing can reach them.
          if (as === 'cancelled') {
            const told = done.sms === 'queued';
            status.replaceChildren(h('p', { class: told ? 'muted' : 'error', id: 'cancel-told' }, t(told ? 'cancel_told' : 'cancel_untold')));
          }
        } catch (e) { status.replaceChildren(failure(e)); }
      },
    }, t('mark_' + as));
    dayList.replaceChildren(h('h2', {}, t('visits_on', new Intl.DateTimeFormat(LOCALES[lang], { dateStyle: 'full', timeZone: 'UTC' }).format(noon))),
      r.items.length ? h('table', {},
        h('thead', {}, h('tr', {}, [t('time'), t('visit_code'), t('phone'), t('service'), t('state'), ''].map((x) => h('th', {}, x)))),
        h('tbody', {}, r.items.map((v) => h('tr', { 'data-visit': v.id },
          h('td', {}, ltr(v.time)), h('td', {}, ltr(v.code)), h('td', {}, ltr(v.phone)), h('td', {}, t('svc_' + v.service)),
          h('td', { 'data-status': v.status }, t('v_' + v.status),
            // R-H3: what the day-before reminder heard back.
            v.status === 'booked' && v.reminder_answer ? h('div', { class: v.reminder_answer === 'none' ? 'error reminder' : 'muted reminder' },
              t(v.reminder_answer === 'none' ? 'v_unconfirmed' : 'v_coming')) : ''),
          h('td', {}, v.status !== 'cancelled' ? [markButton(v, 'attended'), ' ', markButton(v, 'missed')] : '',
            v.status === 'booked' ? [' ', markButton(v, 'cancelled'), ' ', h('button', {
              class: 'quiet', 'data-move': v.id, onclick: async () => {
                moving = v;
                service.value = v.service;
                status.replaceChildren(h('p', {}, t('moving', v.code)));
                await showSlots().catch((e) => status.replaceChildren(failure(e)));
              },
            }, t('move'))] : '')))))
        : h('p', { class: 'muted' }, t('no_visits')), await closing(r));
  };
  // R-B5: the clinic closes for the day shown (an emergency, staff away): each visit booked
  // then is cancelled and its person told by SMS; asked twice, saying how many first.
  const closing = async (r) => {
    const k = (await api('GET', '/clinics')).items.find((x) => x.id === clinic.value);
    const box = h('div', { id: 'closing' });
    const act = async (path, body) => {
      try {
        const done = await api('POST', `/clinics/${encodeURIComponent(clinic.value)}/${path}`, body);
        await Promise.all([showDay(), slots.childElementCount ? showSlots().catch(() => {}) : null]);
        if (path !== 'close') return;
        const untold = done.not_told.flatMap((v, i) => (i ? [', ', ltr(v.phone)] : [ltr(v.phone)]));
        status.replaceChildren(h('p', { class: 'ok', id: 'closed-ok' }, t('day_closed_ok', number(done.cancelled)), ' ',
          done.not_told.length ? '' : t('all_told')),
          done.not_told.length ? h('p', { class: 'error' }, t('not_told', ''), ...untold) : '');
      } catch (e) { status.replaceChildren(failure(e)); }
    };
    if (k && k.closed.includes(r.day)) {
      box.replaceChildren(h('p', { class: 'error' }, t('day_closed')),
        h('button', { class: 'quiet', id: 'reopen-day', onclick: () => act('reopen', { day: r.day }) }, t('reopen_day')));
      return box;
    }
    // Days gone by cannot close (the list opens on the clinic's today).
    if (r.day < firstDay) return box;
    const booked = r.items.filter((v) => v.status === 'booked').length;
    box.replaceChildren(h('button', {
      class: 'quiet', id: 'close-day', onclick: () => box.replaceChildren(
        h('p', { class: 'warning' }, t('close_day_warn', number(booked))),
        h('button', { id: 'close-day-yes', onclick: () => act('close', { day: r.day, confirm: true }) }, t('close_day_yes'))),
    }, t('close_day')));
    return box;
  };
  // R-B1: the clinic's week (the days it opens, its windows and places) as it takes bookings
  // from now on: reception changes it here in place of the clinics file's, and goes back to it.
  const hoursBox = h('div', { id: 'hours' });
  const week = ['sat', 'sun', 'mon', 'tue', 'wed', 'thu', 'fri'];
  // 5 December 2026 was a Saturday: each weekday's name in the reader's language.
  const weekday = (d) => new Intl.DateTimeFormat(LOCALES[lang], { weekday: 'long', timeZone: 'UTC' })
    .format(Date.UTC(2026, 11, 5 + week.indexOf(d), 12));
  const showHours = async () => {
    const k = (await api('GET', '/clinics')).items.find((x) => x.id === clinic.value);
    if (!k) { hoursBox.replaceChildren(); return; }
    const days = week.map((d) => h('input', { type: 'checkbox', id: `open-${d}`, value: d, checked: k.open.includes(d) }));
    const rows = h('tbody', {});
    const addRow = (w) => {
      const cell = (cls, value, label, attrs = {}) => h('td', {}, h('input', { class: cls, value, dir: 'ltr', 'aria-label': t(label), ...attrs }));
      const tr = h('tr', { class: 'window' }, cell('w-from', w.from, 'w_from', { size: 5, placeholder: '08:00' }),
        cell('w-to', w.to, 'w_to', { size: 5, placeholder: '10:00' }),
        cell('w-places', w.capacity, 'w_places', { type: 'number', min: 1 }), cell('w-kept', w.kept, 'w_kept', { type: 'number', min: 0 }),
        h('td', {}, h('button', { class: 'quiet', type: 'button', onclick: () => tr.remove() }, t('remove'))));
      rows.append(tr);
    };
    k.windows.forEach(addRow);
    const said = h('div', { role: 'status', id: 'hours-status' });
    const path = `/clinics/${encodeURIComponent(clinic.value)}/hours`;
    const done = async (r) => {
      await Promise.all([showHours(), showDay(), slots.childElementCount ? showSlots().catch(() => {}) : null]);
      const st = document.getElementById('hours-status');
      st.replaceChildren(h('p', { class: 'ok', id: 'hours-ok' }, t('hours_saved')),
        r.outside.length ? h('p', { class: 'warning', id: 'hours-outside' }, t('hours_outside_list'), ' ',
          ...r.outside.flatMap((v, i) => [i ? ', ' : '', ltr(`${v.code} ${dayName(v.day)} ${v.time}`)])) : '');
    };
    // Visits ahead it has no place for stay booked: said first, then changed when confirmed
    // (with the week on screen then).
    const change = async (method, confirmed) => {
      let r;
      try {
        const q = method === 'DELETE' && confirmed ? '?confirm=true' : '';
        r = await api(method, path + q, method === 'PUT' ? { ...wanted(), confirm: confirmed || undefined } : undefined);
      } catch (e) {
        if (e.body?.error?.code !== 'confirm_needed') { said.replaceChildren(failure(e)); return; }
        said.replaceChildren(h('p', { class: 'warning' }, t('hours_outside', number(e.body.error.count))),
          h('button', { id: 'hours-confirm', onclick: () => change(method, true) }, t('hours_confirm')));
        return;
      }
      // Saved: a page that cannot be drawn again says so under the hours, not as if unsaved.
      await done(r).catch((e) => hoursBox.append(failure(e)));
    };
    const wanted = () => ({
      open: days.filter((x) => x.checked).map((x) => x.value),
      windows: [...rows.querySelectorAll('tr.window')].map((tr) => ({
        from: tr.querySelector('.w-from').value.trim(), to: tr.querySelector('.w-to').value.trim(),
        capacity: parseInt(tr.querySelector('.w-places').value, 10), kept: parseInt(tr.querySelector('.w-kept').value || '0', 10),
      })),
    });
    hoursBox.replaceChildren(h('h2', {}, t('hours')),
      h('p', { class: 'muted', id: 'hours-source' }, k.hours ? t('hours_changed', when(k.hours.changed_at, k.time_zone)) : t('hours_file')),
      h('fieldset', {}, h('legend', {}, t('open_on_days')),
        days.map((x) => h('span', { class: 'inline' }, x, ' ', h('label', { for: x.id, class: 'inline' }, weekday(x.value)), ' '))),
      h('table', {}, h('thead', {}, h('tr', {}, [t('w_from'), t('w_to'), t('w_places'), t('w_kept'), ''].map((x) => h('th', {}, x)))), rows),
      h('div', { class: 'row' },
        h('button', { class: 'quiet', type: 'button', id: 'add-window', onclick: () => addRow({ from: '', to: '', capacity: 1, kept: 0 }) }, t('add_window')),
        h('button', { id: 'save-hours', onclick: () => change('PUT', false) }, t('save_hours')),
        k.hours ? h('button', { class: 'quiet', id: 'hours-back', onclick: () => change('DELETE', false) }, t('back_to_file')) : ''),
      said);
  };
  clinic.addEventListener('change', () => showHours().catch((e) => hoursBox.replaceChildren(failure(e))));
  const showSlots = async () => {
    const r = await api('GET', `/slots?clinic=${encodeURIComponent(clinic.value)}&service=${encodeURIComponent(service.value)}`);
    slots.replaceChildren(r.items.length ? h('table', {}, h('tbody', {}, r.items.map((x) => h('tr', { 'data-slot': `${x.day} ${x.time}` },
      h('td', {}, dayName(x.day)), h('td', {}, ltr(x.label)),
      h('td', {}, h('button', {
        onclick: async () => {
          if (moving) {
            try {
              const b = await api('POST', `/appointments/${moving.id}/move`, { day: x.day, time: x.time });
              moving = null;
              status.replaceChildren(h('p', { class: 'ok' }, t('moved_ok', b.code, `${dayName(b.day)} ${b.time}`)));
              dayInput.value = b.day;
              await Promise.all([showSlots(), showDay()]);
            } catch (e) { status.replaceChildren(failure(e)); }
            return;
          }
          if (!consent.checked) { status.replaceChildren(h('p', { class: 'error' }, t('consent_needed'))); consent.focus(); return; }
          try {
            // "Not sure" at reception records nothing: it would undo what the patient said at
            // enrolment (texts that name the care go with a clear no, R-S11).
            const body = {
              phone: phone.value, clinic: clinic.value, service: service.value, day: x.day, time: x.time, for: forWhom.value,
              consent_via: 'in_person',
            };
            if (shared.value !== 'unknown') body.shared_phone = shared.value;
            const b = await api('POST', '/appointments', body);
            status.replaceChildren(h('p', { class: 'ok' }, t('booked_ok', b.code, `${dayName(b.day)} ${b.time}`)));
            dayInput.value = b.day;
            await Promise.all([showSlots(), showDay()]);
          } catch (e) { status.replaceChildren(failure(e)); }
        },
      }, t('book')))))))
      : h('p', { class: 'muted' }, t('no_slots')));
  };
  show(h('h1', {}, t('visits')),
    h('section', { class: 'card' },
      h('div', { class: 'row' },
        h('div', {}, h('label', { for: 'clinic' }, t('clinic')), clinic),
        h('div', {}, h('label', { for: 'service' }, t('service')), service),
        h('button', { id: 'show-slots', onclick: () => showSlots().catch((e) => slots.replaceChildren(failure(e))) }, t('free_places'))),
      h('div', { class: 'row' },
        h('div', {}, h('label', { for: 'visit-phone' }, t('phone')), phone),
        h('div', {}, h('label', { for: 'for' }, t('for_whom')), forWhom),
        h('div', {}, h('label', { for: 'visit-shared-phone' }, t('shared_phone')), shared)),
      h('p', {}, consent, ' ', h('label', { for: 'visit-consent', class: 'inline' }, t('consent_given'))),
      status, slots),
    h('section', { class: 'card' },
      h('div', { class: 'row' }, h('div', {}, h('label', { for: 'day' }, t('day')), dayInput),
        h('button', { id: 'show-day', onclick: () => showDay().catch((e) => dayList.replaceChildren(failure(e))) }, t('show'))),
      dayList),
    h('section', { class: 'card' }, hoursBox));
  await Promise.all([showDay(), showHours()]);
}

// ---- broadcasts ------------------------------------------------------------------------------

// To whom a broadcast goes: programme · area · district · route, and whether those whose
// district is not known get it too.
function whom(b) {
  return [ltr([b.topic, b.area, b.district, b.route].filter(Boolean).join(' · ')),
    b.district && b.unknown_district ? ` (${t('with_unknown')})` : ''];
}

async function broadcastsPage() {
  const keys = await api('GET', '/texts');
  const topic = h('input', { id: 'topic', value: 'mine_safety', dir: 'ltr' });
  const area = h('input', { id: 'area', dir: 'ltr' });
  const route = h('input', { id: 'route', dir: 'ltr' });
  // One district of the area (R-M1): those whose district is not known get it too, unless unticked.
  const district = h('input', { id: 'district', dir: 'ltr' });
  const unknownDistrict = h('input', { id: 'unknown-district', type: 'checkbox', checked: true });
  const unknownRow = h('p', { hidden: true }, unknownDistrict, ' ',
    h('label', { for: 'unknown-district', class: 'inline' }, t('b_unknown_district')));
  district.addEventListener('input', () => { unknownRow.hidden = !district.value; });
  const key = h('input', { id: 'text', list: 'text-keys', dir: 'ltr', autocomplete: 'off' });
  const priority = h('select', { id: 'priority' },
    h('option', { value: 'alert' }, t('p_alert')), h('option', { value: 'area', selected: true }, t('p_area')),
    h('option', { value: 'education' }, t('p_education')));
  const sendAt = h('input', { id: 'send-at', type: 'datetime-local', dir: 'ltr' });
  const preview = h('div', { id: 'preview' });
  const status = h('div', { role: 'alert' });
  // Only a new text redraws the preview: leaving the field (to press Send) must not move the
  // button under the pointer.
  let shown = '';
  key.addEventListener('change', async () => {
    if (key.value === shown) return;
    shown = key.value;
    if (!key.value) { preview.replaceChildren(); return; }
    try {
      const text = await api('GET', `/texts/${encodeURIComponent(key.value)}`);
      const priced = text.items.some((i) => i.cost_per_1000.length);
      preview.replaceChildren(h('table', {},
        h('thead', {}, h('tr', {}, [t('language'), t('text'), t('encoding'), t('parts'), ...(priced ? [t('cost')] : [])].map((x) => h('th', {}, x)))),
        h('tbody', {}, text.items.map((i) => h('tr', {},
          h('td', {}, i.language), h('td', { class: 'preview', dir: 'auto' }, i.text), h('td', {}, i.encoding),
          h('td', { class: 'parts' }, number(i.parts)),
          ...(priced ? [h('td', { class: 'cost' }, costs(i.cost_per_1000))] : []))))));
    } catch (e) { preview.replaceChildren(failure(e)); }
  });
  const send = async (confirm) => {
    status.replaceChildren();
    const body = { topic: topic.value, area: area.value, route: route.value, text: key.value, priority: priority.value };
    if (district.value) Object.assign(body, { district: district.value, unknown_district: unknownDistrict.checked });
    if (confirm) body.confirm = true;
    // The browser's clock and zone are the operator's; the API takes UTC.
    if (sendAt.value) body.at = new Date(sendAt.value).toISOString().replace(/\.\d+Z$/, 'Z');
    try {
      const b = await api('POST', '/broadcasts', body);
      location.hash = `#/broadcasts/${b.id}`;
    } catch (e) {
      if (e.body?.error?.code === 'confirm_needed') {
        status.replaceChildren(h('p', { class: 'error' }, t('confirm_needed', e.message)),
          h('button', { id: 'confirm', onclick: () => send(true) }, t('confirm_send')));
      } else status.replaceChildren(failure(e));
    }
  };
  // What was sent so far, newest first: an urgent alert awaiting a second person stands out.
  const recent = await api('GET', '/broadcasts?limit=20');
  const so_far = recent.items.length === 0 ? '' : h('section', { class: 'card' },
    h('h2', {}, t('recent_broadcasts')),
    h('table', { id: 'recent' },
      h('thead', {}, h('tr', {}, ['', t('programme'), t('priority'), '', ''].map((x) => h('th', {}, x)))),
      h('tbody', {}, recent.items.map((b) => h('tr', { 'data-status': b.status },
        h('td', {}, h('a', { href: `#/broadcasts/${b.id}` }, t('progress', number(b.id)))),
        h('td', {}, whom(b)),
        h('td', {}, t('p_' + b.priority)),
        h('td', { class: b.status === 'awaiting_approval' ? 'warning' : '' }, t('bs_' + b.status)),
        h('td', {}, t('audience', number(b.audience))))))));
  show(h('h1', {}, t('broadcasts')), so_far, h('section', { class: 'card' },
    h('h2', {}, t('new_broadcast')),
    h('datalist', { id: 'text-keys' }, keys.items.map((k) => h('option', { value: k }))),
    h('div', { class: 'row' },
      h('div', {}, h('label', { for: 'topic' }, t('programme')), topic),
      h('div', {}, h('label', { for: 'area' }, t('area')), area),
      h('div', {}, h('label', { for: 'district' }, t('b_district')), district),
      h('div', {}, h('label', { for: 'route' }, t('b_route')), route),
      h('div', {}, h('label', { for: 'text' }, t('text_key')), key),
      h('div', {}, h('label', { for: 'priority' }, t('priority')), priority),
      h('div', {}, h('label', { for: 'send-at' }, t('send_at')), sendAt)),
    unknownRow,
    preview,
    h('p', {}, h('button', { id: 'send', onclick: () => send(false) }, t('send'))), status));
}

async function broadcastProgressPage(id) {
  const head = h('h1', {}, t('progress', number(id)));
  const bar_ = h('progress', { max: 100, value: 0, id: 'progress' });
  const line = h('p', { id: 'progress-line' });
  const states = h('div', { class: 'states' });
  // An urgent alert waits here for a second person (R-M3): the count first, then the choice.
  const approval = h('div', { id: 'approval' });
  show(head, h('section', { class: 'card' }, approval, bar_, line, states),
    h('p', {}, h('a', { href: `#/messages?broadcast=${id}` }, t('messages'))));
  let timer = null;
  const decide = async (action) => {
    try { await api('POST', `/broadcasts/${id}/${action}`); await draw(); } catch (e) { approval.append(failure(e)); }
  };
  const draw = async () => {
    const b = await api('GET', `/broadcasts/${id}`);
    if (b.status === 'awaiting_approval') {
      // Whoever asked for it waits for someone else; they may still cancel it.
      const mine = b.requested_by === `user:${me.user}`;
      // What the second person approves: to whom (area, route) and the words, in their language.
      let words = '';
      try {
        const text = await api('GET', `/texts/${encodeURIComponent(b.text)}`);
        words = (text.items.find((i) => i.language === lang) || text.items[0])?.text || '';
      } catch { words = ''; }
      approval.replaceChildren(h('p', { class: 'warning' }, t('awaiting_approval', number(b.audience))),
        h('p', { id: 'broadcast-what' }, whom(b), ' · ', ltr(b.text)),
        words ? h('p', { class: 'preview', dir: 'auto' }, words) : '',
        h('p', {}, mine ? t('waiting_other') : h('button', { id: 'approve', onclick: () => decide('approve') }, t('approve_send')),
          ' ', h('button', { id: 'cancel-broadcast', class: 'quiet', onclick: () => decide('cancel') }, t('cancel_broadcast'))));
    } else if (b.status === 'cancelled') {
      // Refused before anyone approved it, or stopped once under way (what went stays sent).
      approval.replaceChildren(h('p', { class: 'error' }, t(b.approved_by ? 'broadcast_stopped' : 'broadcast_cancelled')));
    } else if (b.status !== 'expired' && (!b.done || (b.states.queued || 0) + (b.states.retrying || 0) > 0)) {
      // Found wrong while it goes, or while it waits for its time or for sending hours.
      approval.replaceChildren(h('p', {}, h('button', { id: 'stop-broadcast', class: 'quiet', onclick: () => decide('cancel') },
        t('stop_broadcast'))));
    } else approval.replaceChildren();
    if (b.expires_at > 0 && b.status !== 'cancelled') approval.append(h('p', {}, t('expires', when(b.expires_at))));
    const all = b.audience || 1;
    let handed = 0;
    for (const s of FINAL) handed += b.states[s] || 0;
    const pct = Math.floor((100 * handed) / all);
    bar_.value = pct;
    line.textContent = `${t('audience', number(b.audience))} · ${t('handed', number(handed), number(b.audience),
      new Intl.NumberFormat(LOCALES[lang], { style: 'percent' }).format(handed / all))}`;
    line.dataset.percent = String(pct);
    if (b.not_before > Date.now()) line.append(' · ', t('scheduled_for', when(b.not_before)));
    states.replaceChildren(...Object.entries(b.states).map(([s, n]) => h('span', { 'data-state': s }, `${state(s)}: ${number(n)}`)));
    return b.status === 'cancelled' ? null : pct;  // null: nothing more will happen
  };
  const tick = async () => {
    try {
      const pct = await draw();
      if (pct !== null && pct < 100) timer = setTimeout(tick, 1000);
    } catch (e) { states.replaceChildren(failure(e)); }
  };
  stopPolling = () => clearTimeout(timer);
  tick();
}

// ---- deliveries: states over time, channels, failure reasons --------------------------------------

// Message states in four groups, drawn in this order from the bottom of each bar.
const GROUPS = [
  ['delivered', ['delivered'], '#1e6b35'],
  ['failed', ['failed', 'expired', 'cancelled'], '#b3261e'],
  ['sent', ['sent', 'unconfirmed'], '#c98a00'],
  ['waiting', ['queued', 'retrying', 'sending'], '#8a94a0'],
];

// A stacked bar a hour, as SVG drawn here (no chart library: the console works offline).
function chart(hours, since, until) {
  const NS = 'http://www.w3.org/2000/svg';
  const svg = (tag, attrs) => {
    const el = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    return el;
  };
  const n = Math.round((until - since) / 3600000);
  const width = 720, height = 200, pad = 28, bar = (width - pad) / n;
  const totals = hours.map((h) => Object.values(h.states).reduce((a, b) => a + b, 0));
  const max = Math.max(1, ...totals);
  const root = svg('svg', { viewBox: `0 0 ${width} ${height + 20}`, width: '100%', role: 'img', id: 'chart', 'aria-label': t('per_hour') });
  root.style.direction = 'ltr';
  root.append(svg('line', { x1: pad, y1: height, x2: width, y2: height, stroke: '#d5dae0' }));
  const top = svg('text', { x: 0, y: 12, 'font-size': 11, fill: '#5b6470' });
  top.textContent = number(max);
  root.append(top);
  for (const h of hours) {
    const i = Math.round((h.hour - since) / 3600000);
    let y = height;
    for (const [name, states, colour] of GROUPS) {
      const v = states.reduce((a, st) => a + (h.states[st] || 0), 0);
      if (!v) continue;
      const tall = (v / max) * (height - 16);
      y -= tall;
      const rect = svg('rect', { x: pad + i * bar + 1, y, width: Math.max(1, bar - 2), height: tall, fill: colour, 'data-group': name });
      const tip = svg('title', {});
      tip.textContent = `${when(h.hour)}: ${t('g_' + name)} ${number(v)}`;
      rect.append(tip);
      root.append(rect);
    }
  }
  for (const at of [since, until - 3600000]) {
    const label = svg('text', {
      x: at === since ? pad : width, y: height + 16, 'font-size': 11, fill: '#5b6470', 'text-anchor': at === since ? 'start' : 'end',
    });
    label.textContent = when(at);
    root.append(label);
  }
  return root;
}

async function deliveriesPage(query) {
  const params = new URLSearchParams(query);
  const hours = params.get('hours') || '24';
  const pick = h('select', { id: 'hours', onchange: (e) => { location.hash = `#/deliveries?hours=${e.target.value}`; } },
    ['6', '24', '168'].map((x) => h('option', { value: x, selected: x === hours }, t('last_hours', number(Number(x))))));
  const body = h('div', { id: 'dashboard' });
  let timer = null;
  const draw = async () => {
    const d = await api('GET', `/deliveries?hours=${hours}`);
    const legend = h('p', { class: 'states' }, GROUPS.map(([name, , colour]) => h('span', {}, swatch(colour), t('g_' + name))));
    body.replaceChildren(
      h('section', { class: 'card' }, h('h2', {}, t('per_hour')),
        d.hours.length ? chart(d.hours, d.since, d.until) : h('p', { class: 'muted' }, t('no_messages')), legend),
      h('section', { class: 'card' }, h('table', { id: 'channels' },
        h('thead', {}, h('tr', {}, [t('channel'), t('state'), t('in_last_hour'), ''].map((x) => h('th', {}, x)))),
        h('tbody', {}, d.channels.map((c) => h('tr', { 'data-channel': c.id },
          h('td', {}, ltr(c.id)),
          h('td', {}, Object.entries(c.states).map(([st, n]) => `${state(st)}: ${number(n)}`).join(' · ')),
          h('td', {}, number(c.last_hour)),
          h('td', { class: c.paused_until ? 'error' : 'ok' }, c.paused_until ? t('paused_until', when(c.paused_until)) : t('running'))))))),
      d.reasons.length ? h('section', { class: 'card' }, h('h2', {}, t('reasons')),
        h('table', { id: 'reasons' }, h('tbody', {}, d.reasons.map((r) => h('tr', {}, h('td', {}, number(r.n)), h('td', { dir: 'ltr' }, r.reason))))))
        : '');
  };
  const tick = async () => {
    try { await draw(); } catch (e) { body.replaceChildren(failure(e)); }
    timer = setTimeout(tick, 10000);
  };
  show(h('h1', {}, t('deliveries')), h('div', { class: 'row' }, pick), body);
  stopPolling = () => clearTimeout(timer);
  await tick();
}

// A coloured square for a legend (its colour is data, so it is set here, not in the CSS).
function swatch(colour) {
  const el = h('span', { 'aria-hidden': 'true' }, '■ ');
  el.style.color = colour;
  return el;
}

// ---- inbox: what people wrote, hazard reports ------------------------------------------------------

async function inboxPage(query) {
  const params = new URLSearchParams(query);
  const status = params.get('status') ?? 'new';
  const hazards = params.get('flow') === 'mine_safety';
  const filter = h('select', { id: 'inbox-status' }, ['new', 'read', 'done', ''].map((x) =>
    h('option', { value: x, selected: x === status }, x ? t('i_' + x) : t('all'))));
  const onlyHazards = h('input', { id: 'hazards', type: 'checkbox', checked: hazards });
  const go = () => {
    const q = new URLSearchParams({ status: filter.value });
    if (onlyHazards.checked) q.set('flow', 'mine_safety');
    location.hash = `#/inbox?${q}`;
  };
  filter.addEventListener('change', go);
  onlyHazards.addEventListener('change', go);
  const q = new URLSearchParams();
  if (status) q.set('status', status);
  if (hazards) q.set('flow', 'mine_safety');
  const page = await api('GET', `/inbox?${q}`);
  const act = (item, body, path = '') => async () => {
    try { await api('POST', `/inbox/${item.id}${path}`, body); await inboxPage(query); } catch (e) { main.append(failure(e)); }
  };
  const rows = page.items.map((item) => {
    const answer = h('input', { dir: 'auto', 'aria-label': t('reply'), class: 'reply' });
    return h('tr', { 'data-inbox': item.id },
      h('td', {}, when(item.created_at)), h('td', {}, ltr(item.phone)),
      h('td', {}, item.urgent ? h('strong', { class: 'error urgent' }, t('urgent')) : '',
        item.flow === 'mine_safety' ? [h('strong', { class: 'error' }, t('hazard')), ` #${item.id}`,
        item.someone_hurt === true ? h('div', { class: 'error hurt' }, t('someone_hurt'))
          : item.someone_hurt === false ? h('div', { class: 'muted hurt' }, t('nobody_hurt')) : '',
        // R-D3: the reporter's answer to "may the team call you about it?"
        item.may_call === true ? h('div', { class: 'may-call' }, t('may_call'))
          : item.may_call === false ? h('div', { class: 'muted may-call' }, t('no_call')) : '',
        // Its province, and the district its place names (the districts file), when known.
        item.area ? h('div', { class: 'muted place' }, ltr([item.area, item.district].filter(Boolean).join(' · '))) : '',
        // R-M4: another report from the same place within a day; both stay, for a person to judge.
        item.duplicate_of ? h('div', { class: 'muted duplicate' }, `${t('maybe_same')} #${item.duplicate_of}`) : ''] : ''),
      h('td', { dir: 'auto', class: 'text' }, item.text),
      h('td', { 'data-status': item.status }, t('i_' + item.status),
        item.assigned_to ? ` · ${item.assigned_to === me.user ? t('yours') : t('taken')}` : ''),
      h('td', {},
        h('form', {
          class: 'row', onsubmit: (e) => { e.preventDefault(); if (answer.value) act(item, { text: answer.value }, '/reply')(); },
        }, answer, h('button', { type: 'submit', class: 'send-reply' }, t('reply'))),
        item.assigned_to !== me.user ? h('button', { class: 'quiet take', onclick: act(item, { assign: 'me' }) }, t('take')) : '',
        ' ', item.status !== 'done' ? h('button', { class: 'quiet close', onclick: act(item, { status: 'done' }) }, t('done')) : ''));
  });
  show(h('h1', {}, t('inbox')),
    h('div', { class: 'row' }, h('div', {}, h('label', { for: 'inbox-status' }, t('state')), filter),
      h('label', { for: 'hazards' }, onlyHazards, ' ', t('hazard_only'))),
    rows.length ? h('table', { id: 'inbox' }, h('tbody', {}, rows)) : h('p', { class: 'muted' }, t('nothing_here')));
}

// ---- messages ----------------------------------------------------------------------------------

async function messagesPage(query) {
  const params = new URLSearchParams(query);
  const to = h('input', { id: 'to', value: params.get('to') || '', dir: 'ltr' });
  const stateFilter = h('select', { id: 'state' }, h('option', { value: '' }, t('all_states')),
    ['queued', 'sending', 'sent', 'delivered', 'failed', 'expired', 'cancelled', 'unconfirmed']
      .map((s) => h('option', { value: s, selected: params.get('status') === s }, state(s))));
  const body = h('tbody');
  const more = h('button', { class: 'quiet', hidden: true }, t('more'));
  let next = null;
  const load = async () => {
    const q = new URLSearchParams();
    for (const k of ['to', 'contact', 'broadcast', 'status']) if (params.get(k)) q.set(k, params.get(k));
    if (next) q.set('before', next);
    const page = await api('GET', `/messages?${q}`);
    for (const m of page.items) {
      body.append(h('tr', {}, h('td', {}, h('a', { href: `#/message/${m.id}` }, number(m.id))), h('td', {}, ltr(m.to)),
        h('td', { dir: 'auto' }, m.body), h('td', { 'data-state': m.status }, state(m.status)), h('td', {}, when(m.updated_at))));
    }
    next = page.next;
    more.hidden = !next;
  };
  more.onclick = load;
  const search = (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    if (to.value) q.set('to', to.value);
    if (stateFilter.value) q.set('status', stateFilter.value);
    location.hash = `#/messages?${q}`;
  };
  show(h('h1', {}, t('messages')),
    h('form', { class: 'row', onsubmit: search },
      h('div', {}, h('label', { for: 'to' }, t('phone')), to),
      h('div', {}, h('label', { for: 'state' }, t('state')), stateFilter),
      h('button', { type: 'submit' }, t('search'))),
    h('table', { id: 'messages' }, h('thead', {}, h('tr', {}, ['#', t('to'), t('text'), t('state'), t('at')].map((x) => h('th', {}, x)))), body),
    more);
  await load();
}

async function messagePage(id) {
  const m = await api('GET', `/messages/${encodeURIComponent(id)}`);
  show(h('h1', {}, `${t('messages')} ${number(m.id)}`),
    h('section', { class: 'card' }, h('p', {}, ltr(m.to), ' · ', m.channel, ' · ', m.priority),
      h('p', { class: 'preview', dir: 'auto' }, m.body)),
    h('h2', {}, t('history')),
    h('table', {}, h('thead', {}, h('tr', {}, [t('state'), t('source'), t('at')].map((x) => h('th', {}, x)))),
      h('tbody', {}, (m.history || []).map((e) => h('tr', {}, h('td', {}, state(e.status)), h('td', {}, e.source), h('td', {}, when(e.at)))))));
}

// ---- a person behind a number: what they agreed to, what is known of their phone --------------

// Who recorded it, as the API names them: "person", "user:3", "token:2".
function recorder(by) {
  const [kind, id] = by.split(':');
  if (kind === 'person') return t('rec_person');
  if (kind === 'user' || kind === 'token') return t('rec_' + kind, number(Number(id)));
  return by;
}

const LANGUAGE_NAMES = { prs: 'دری', ps: 'پښتو', fa: 'فارسی', en: 'English' };

// A person's own quiet hours (R-S8): shown, changed, or given back to their programmes' ("").
function quietForm(c) {
  const hours = h('input', { id: 'contact-quiet', dir: 'ltr', value: c.quiet_hours || '', placeholder: t('q_programme'),
    'aria-describedby': 'contact-quiet-hint' });
  const said = h('span', { role: 'status' });
  return h('form', {
    class: 'row', onsubmit: async (e) => {
      e.preventDefault();
      try {
        const saved = await api('POST', '/contacts', { phone: c.phone, quiet_hours: hours.value.trim() });
        hours.value = saved.quiet_hours || '';
        said.replaceChildren(h('span', { class: 'ok' }, t('q_saved')));
      } catch (err) { said.replaceChildren(failure(err)); }
    },
  }, h('div', {}, h('label', { for: 'contact-quiet' }, t('quiet_hours')), hours,
    h('div', { id: 'contact-quiet-hint', class: 'muted' }, t('q_hint'))),
  h('button', { type: 'submit', id: 'contact-quiet-save' }, t('save')), said);
}

// The solar month names a person's dates show (R-L3): an Afghan long in Iran may know the
// Iranian ones better than those of their language.
function monthsForm(c) {
  const choice = h('select', { id: 'contact-months' },
    [['', 'm_language'], ['iranian', 'm_iranian'], ['afghan', 'm_afghan']].map(([v, k]) =>
      h('option', { value: v, selected: (c.months || '') === v }, t(k))));
  const said = h('span', { role: 'status' });
  return h('form', {
    class: 'row', onsubmit: async (e) => {
      e.preventDefault();
      try {
        const saved = await api('POST', '/contacts', { phone: c.phone, months: choice.value });
        choice.value = saved.months || '';
        said.replaceChildren(h('span', { class: 'ok' }, t('m_saved')));
      } catch (err) { said.replaceChildren(failure(err)); }
    },
  }, h('div', {}, h('label', { for: 'contact-months' }, t('months')), choice),
  h('button', { type: 'submit', id: 'contact-months-save' }, t('save')), said);
}

// The languages a person reads after their own (R-L2): a text missing in theirs comes in the
// first of these that has it (an education broadcast, a screen on a route without their letters).
function languagesForm(c) {
  // Not their own language; a stored one this page has no name for is shown as it is.
  const offered = Object.entries(LANGUAGE_NAMES).filter(([v]) => v !== c.language);
  const pick = (id, value, n) => h('select', { id, 'aria-label': `${t('also_read')} (${number(n)})` },
    [['', t('l_none')], ...offered, ...(value && !LANGUAGE_NAMES[value] ? [[value, value]] : [])]
      .map(([v, name]) => h('option', { value: v, selected: value === v }, name)));
  const given = c.languages || [];
  const first = pick('contact-lang2', given[0] || '', 1), second = pick('contact-lang3', given[1] || '', 2);
  const said = h('span', { role: 'status' });
  return h('form', {
    class: 'row', onsubmit: async (e) => {
      e.preventDefault();
      try {
        const languages = [first.value, second.value].filter((l, i, all) => l && all.indexOf(l) === i);
        const saved = await api('POST', '/contacts', { phone: c.phone, languages });
        first.value = (saved.languages || [])[0] || '';
        second.value = (saved.languages || [])[1] || '';
        said.replaceChildren(h('span', { class: 'ok' }, t('l_saved')));
      } catch (err) { said.replaceChildren(failure(err)); }
    },
  }, h('fieldset', {}, h('legend', {}, t('also_read')), first, ' ', second),
  h('button', { type: 'submit', id: 'contact-langs-save' }, t('save')), said);
}

// What the last number change said, shown once on the contact's page at the new number.
let numberNotice = null;

// A person's new number (R-L6): a returnee's new SIM. Everything of theirs goes with them, so
// the page opens again at the new number.
function numberForm(c) {
  const phone = h('input', { id: 'contact-new-number', dir: 'ltr', inputmode: 'tel', 'aria-describedby': 'contact-new-number-hint' });
  const said = h('span', { role: 'status' });
  const change = async (confirm) => {
    try {
      const saved = await api('POST', `/contacts/${c.id}/number`, { phone: phone.value.trim(), confirm });
      if (saved.phone === c.phone) { said.replaceChildren(h('span', { class: 'ok' }, t('n_same'))); return; }
      numberNotice = t('n_moved', number(saved.readdressed)) + (saved.took_in ? ' ' + t('n_took_in') : '');
      location.hash = `#/contacts?phone=${encodeURIComponent(saved.phone)}`;
    } catch (err) {
      // The number wrote before the change was recorded: the operator says it is theirs.
      if (err.body?.error?.code === 'confirm_needed') {
        said.replaceChildren(h('span', { class: 'error' }, t('n_confirm')),
          h('button', { type: 'button', id: 'contact-new-number-confirm', onclick: () => change(true) }, t('n_confirm_send')));
      } else said.replaceChildren(failure(err));
    }
  };
  return h('form', {
    class: 'row', onsubmit: (e) => { e.preventDefault(); change(false); },
  }, h('div', {}, h('label', { for: 'contact-new-number' }, t('new_number')), phone,
    h('div', { id: 'contact-new-number-hint', class: 'muted' }, t('n_hint'))),
  h('button', { type: 'submit', id: 'contact-new-number-save' }, t('n_save')), said);
}

// The other numbers a person writes from (R-L6: a second SIM, often a dual-SIM phone), each
// removable; the page opens again with what changed.
function otherNumbers(c) {
  const phone = h('input', { id: 'contact-other-number', dir: 'ltr', inputmode: 'tel', 'aria-describedby': 'contact-other-number-hint' });
  const said = h('span', { role: 'status' });
  const again = (notice) => { numberNotice = notice; contactsPage(`phone=${encodeURIComponent(c.phone)}`); };
  const add = async (confirm) => {
    try {
      await api('POST', `/contacts/${c.id}/numbers`, { phone: phone.value.trim(), confirm });
      again(t('o_added'));
    } catch (err) {
      if (err.body?.error?.code === 'confirm_needed') {
        said.replaceChildren(h('span', { class: 'error' }, t('o_confirm')),
          h('button', { type: 'button', id: 'contact-other-number-confirm', onclick: () => add(true) }, t('o_confirm_send')));
      } else said.replaceChildren(failure(err));
    }
  };
  const remove = async (other) => {
    try {
      await api('DELETE', `/contacts/${c.id}/numbers/${encodeURIComponent(other)}`);
      again(t('o_removed'));
    } catch (err) { said.replaceChildren(failure(err)); }
  };
  const list = c.other_numbers.length
    ? h('ul', { id: 'contact-other-numbers' }, c.other_numbers.map((other, i) => h('li', {}, ltr(other), ' ',
      h('button', { type: 'button', id: `contact-other-remove-${i}`, onclick: () => remove(other) }, t('o_remove')))))
    : h('p', { id: 'contact-other-numbers', class: 'muted' }, t('o_none'));
  return h('div', {}, h('h3', {}, t('other_numbers')), list,
    h('form', { class: 'row', onsubmit: (e) => { e.preventDefault(); add(false); } },
      h('div', {}, h('label', { for: 'contact-other-number' }, t('o_other')), phone,
        h('div', { id: 'contact-other-number-hint', class: 'muted' }, t('o_hint'))),
      h('button', { type: 'submit', id: 'contact-other-number-save' }, t('o_add')), said));
}

// The PIN a person chose for My visits (R-S12): cleared when they forgot it and ask at the clinic.
function visitPin(c) {
  if (!c.visit_pin) return '';
  const said = h('span', { role: 'status' });
  const clear = h('button', {
    type: 'button', id: 'contact-visit-pin-clear', onclick: async () => {
      try {
        await api('DELETE', `/contacts/${c.id}/visit_pin`);
        clear.remove();
        said.replaceChildren(h('span', { class: 'ok' }, t('vp_cleared')));
      } catch (err) { said.replaceChildren(failure(err)); }
    },
  }, t('vp_clear'));
  return h('p', { id: 'contact-visit-pin' }, t('vp_set'), ' ',
    c.visit_pin_closed ? h('strong', { class: 'error' }, t('vp_closed'), ' ') : '', clear, ' ', said);
}

async function contactsPage(query) {
  const params = new URLSearchParams(query);
  const phone = h('input', { id: 'contact-phone', value: params.get('phone') || '', dir: 'ltr', inputmode: 'tel' });
  const card = h('div', { id: 'contact' });
  show(h('h1', {}, t('contacts')),
    h('form', {
      class: 'row', onsubmit: (e) => { e.preventDefault(); location.hash = `#/contacts?phone=${encodeURIComponent(phone.value)}`; },
    }, h('div', {}, h('label', { for: 'contact-phone' }, t('phone')), phone), h('button', { type: 'submit', id: 'contact-find' }, t('find'))),
    card);
  const notice = numberNotice;
  numberNotice = null;
  if (!phone.value) return;
  let c;
  try {
    c = await api('GET', `/contacts?phone=${encodeURIComponent(phone.value)}`);
  } catch (err) {
    card.replaceChildren(err.status === 404 ? h('p', { class: 'muted' }, t('contact_unknown')) : failure(err));
    return;
  }
  const table = (heads, rows) => rows.length
    ? h('table', {}, h('thead', {}, h('tr', {}, heads.map((x) => h('th', {}, x)))), h('tbody', {}, rows))
    : h('p', { class: 'muted' }, t('nothing_recorded'));
  const shared = h('p', { id: 'contact-shared' }, t('shared_phone'), ' ', h('strong', {}, t('sp_' + c.shared_phone)), ' · ',
    c.phone_recorded_by ? t('c_recorded', recorder(c.phone_recorded_by), when(c.phone_recorded_at)) : t('c_not_recorded'));
  card.replaceChildren(h('section', { class: 'card' },
    h('h2', {}, ltr(c.phone), c.name ? ' · ' + c.name : ''),
    c.language ? h('p', {}, t('language'), ': ', LANGUAGE_NAMES[c.language] || c.language) : '',
    c.opted_out ? h('p', { class: 'error' }, t('c_stopped')) : '',
    c.unreachable ? h('p', { class: 'error' }, t('c_unreachable')) : '',
    shared,
    visitPin(c),
    notice ? h('p', { class: 'ok', role: 'status' }, notice) : '',
    quietForm(c),
    monthsForm(c),
    languagesForm(c),
    numberForm(c),
    otherNumbers(c),
    // Every message to the person, on whichever number they had (R-L6).
    h('p', {}, h('a', { href: `#/messages?contact=${c.id}` }, t('c_messages')))),
  h('h2', {}, t('consents')),
  table([t('programme'), t('via'), t('recorded_by'), t('at')], c.consents.map((k) => h('tr', {},
    h('td', {}, k.programme), h('td', {}, WORDS[lang]['via_' + k.via] ? t('via_' + k.via) : k.via), h('td', {}, recorder(k.recorded_by)), h('td', {}, when(k.at))))),
  h('h2', {}, t('subscriptions')),
  table([t('programme'), t('c_area'), t('c_since'), t('c_ends')], c.subscriptions.map((x) => h('tr', {},
    h('td', {}, x.programme), h('td', {}, x.area, x.district ? ' · ' + x.district : '', x.in_district ? ' (' + x.in_district + ')' : ''), h('td', {}, when(x.since)),
    h('td', {}, x.ends ? when(x.ends) : t('never'))))));
}

// ---- flows ---------------------------------------------------------------------------------------

async function flowsPage() {
  const list = await api('GET', '/flows');
  const name = h('input', { id: 'new-flow', dir: 'ltr', placeholder: 'report.yaml' });
  show(h('h1', {}, t('flows')),
    h('table', {}, h('thead', {}, h('tr', {}, [t('file'), t('entries')].map((x) => h('th', {}, x)))),
      h('tbody', {}, list.items.map((f) => h('tr', {},
        h('td', {}, h('a', { href: `#/flow/${f.file}` }, ltr(f.file))), h('td', {}, ltr(f.entries.join(', '))))))),
    h('form', {
      class: 'row', onsubmit: (e) => { e.preventDefault(); if (name.value) location.hash = `#/flow/${name.value}`; },
    }, h('div', {}, h('label', { for: 'new-flow' }, t('new_flow')), name), h('button', { type: 'submit' }, t('open'))),
    h('p', {}, h('a', { href: '#/clinics-file', id: 'clinics-file' }, t('clinics_file'))));
}

// The lines of `before` and `after` as a diff (longest common subsequence): [' '|'-'|'+', line].
function lineDiff(before, after) {
  const a = before.split('\n'), b = after.split('\n');
  const n = a.length, m = b.length;
  const same = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) same[i][j] = a[i] === b[j] ? same[i + 1][j + 1] + 1 : Math.max(same[i + 1][j], same[i][j + 1]);
  }
  const out = [];
  let i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) { out.push([' ', a[i]]); i++; j++; }
    else if (i < n && (j === m || same[i + 1][j] >= same[i][j + 1])) out.push(['-', a[i++]]);
    else out.push(['+', b[j++]]);
  }
  return out;
}

async function flowPage(file) {
  const path = `/flows/${encodeURIComponent(file)}`;
  let got = null;
  try {
    got = await api('GET', path);
  } catch (e) {
    if (e.status !== 404) throw e;
  }
  // A new file: the simulator dials by the server's routes all the same.
  const routes = got ? got.ussd_routes : (await api('GET', '/flows')).ussd_routes;
  yamlEditor({
    name: file, text: got?.yaml ?? '', version: got?.version, changedSince: 'changed_since',
    load: () => api('GET', path),
    check: (yaml) => api('POST', '/flows/validate', { file, yaml }),
    publish: (yaml, version) => api('PUT', path, { yaml, version }),
    rollback: (version) => api('POST', `${path}/rollback`, { version }),
    below: (area) => simulator(file, area, routes),
  });
}

// The clinics file (admins, operators): a clinic added or renamed, published as a flow is.
// Its hours are the visits page's; anything else in it is changed on the server itself.
async function clinicsFilePage() {
  let got;
  try {
    got = await api('GET', '/clinics/file');
  } catch (e) {
    if (e.status !== 404) throw e;
    show(h('h1', {}, t('clinics_file')), h('p', { class: 'muted', id: 'no-clinics-file' }, t('no_clinics_file')));
    return;
  }
  yamlEditor({
    name: t('clinics_file'), title: t('clinics_file'), text: got.yaml, version: got.version, changedSince: 'clinics_changed_since',
    intro: h('p', { class: 'muted' }, t('clinics_file_intro')),
    load: () => api('GET', '/clinics/file'),
    publish: (yaml, version) => api('PUT', '/clinics/file', { yaml, version }),
  });
}

// A YAML file edited in the page: numbered lines, lint's problems at theirs (Check, when the
// server can check without publishing), and Make live showing what changes against the
// version live now before a second click makes it live, refused when someone else made
// another live since it was opened. `load`, `check`, `publish`, `rollback` call the API;
// `title` is a file's name left to right, unless given (a translated one).
function yamlEditor({ name, title = ltr(name), text, version, changedSince, intro = '', load, check, publish, rollback, below }) {
  let live = text;  // the version the server runs now
  const gutter = h('div', { class: 'gutter', 'aria-hidden': 'true' });
  const area = h('textarea', { id: 'yaml', spellcheck: false, wrap: 'off', 'aria-label': name });
  area.value = text;
  const report = h('div', { id: 'report', role: 'status' });
  let bad = new Set();
  const drawGutter = () => {
    const n = area.value.split('\n').length;
    gutter.replaceChildren(...Array.from({ length: n }, (_, i) => h('div', { class: bad.has(i + 1) ? 'bad' : '' }, String(i + 1))));
  };
  area.addEventListener('input', () => { bad = new Set(); drawGutter(); });
  area.addEventListener('scroll', () => { gutter.scrollTop = area.scrollTop; });
  const goToLine = (line) => {
    const lines = area.value.split('\n');
    const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    area.focus();
    area.setSelectionRange(start, start + (lines[line - 1] || '').length);
  };
  const showReport = (r, okText) => {
    bad = new Set(r.problems.filter((p) => p.line).map((p) => p.line));
    drawGutter();
    const item = (p) => h('li', {},
      p.line ? h('a', { href: '#', 'data-line': p.line, onclick: (e) => { e.preventDefault(); goToLine(p.line); } }, t('line', p.line)) : '',
      p.line ? ': ' : '', h('span', { dir: 'ltr' }, p.message));
    report.replaceChildren(
      r.ok ? h('p', { class: 'ok' }, okText) : h('h2', { class: 'error' }, t('problems')),
      h('ul', { class: 'problems' }, r.problems.map(item)),
      r.warnings.length ? h('h2', {}, t('warnings')) : '', h('ul', { class: 'problems' }, r.warnings.map(item)));
  };
  const run = (what) => async () => {
    try {
      if (what === 'check') showReport(await check(area.value), t('checked_ok'));
      if (what === 'publish') {
        // What goes live, against the version live now; made live only on a second click.
        const changed = lineDiff(live, area.value).filter(([k]) => k !== ' ');
        report.replaceChildren(h('h2', {}, t('changes')),
          changed.length ? h('pre', { class: 'diff', dir: 'ltr', id: 'diff' },
            changed.map(([k, line]) => h('div', { class: k === '+' ? 'added' : 'removed' }, `${k} ${line}`)))
            : h('p', { class: 'muted' }, t('no_changes')),
          changed.length ? h('button', { id: 'confirm-live', onclick: run('live') }, t('confirm_live')) : '');
      }
      if (what === 'live') {
        const r = await publish(area.value, version);
        if (r.ok) { live = area.value; version = r.version; }
        showReport(r, t('published'));
      }
      if (what === 'rollback') {
        const r = await rollback(version);
        if (r.ok) {
          const got = await load();
          area.value = live = got.yaml;
          version = got.version;
        }
        showReport(r, t('rolled_back'));
      }
    } catch (e) {
      if (e.body?.error?.code !== 'changed_since') { report.replaceChildren(failure(e)); return; }
      // Someone published since it was opened: their change is live. The text here stays;
      // Make live then shows what it would change against theirs.
      report.replaceChildren(h('p', { class: 'error', role: 'alert', id: 'changed-since' }, t(changedSince)),
        h('button', { id: 'load-live', onclick: async () => {
          const got = await load();
          live = got.yaml;
          version = got.version;
          report.replaceChildren(h('p', { class: 'muted' }, t('live_loaded')));
        } }, t('compare_live')));
    }
  };
  drawGutter();
  show(h('h1', {}, title), intro,
    h('div', { class: 'editor' }, gutter, area),
    h('p', { class: 'row' }, check ? h('button', { id: 'check', onclick: run('check') }, t('check')) : '',
      h('button', { id: 'publish', onclick: run('publish') }, t('publish')),
      rollback ? h('button', { id: 'rollback', class: 'quiet', onclick: run('rollback') }, t('roll_back')) : ''),
    report, below ? below(area) : '');
}

// A basic phone: dial the flow's code (or send its keyword) by one of the server's USSD routes,
// answer, see each screen and SMS as the phone shows it, with its encoding and length. Each step
// replays the walk from the dial on a throwaway store, with the editor's text as the flow.
function simulator(file, area, routes) {
  const code = h('input', { id: 'sim-code', dir: 'ltr', placeholder: '*384*12#' });
  const language = h('select', { id: 'sim-lang' },
    [['en', 'English'], ['prs', 'دری'], ['fa', 'فارسی'], ['ps', 'پښتو']].map(([l, name]) => h('option', { value: l }, name)));
  // A route without Persian letters shows the screens in Latin letters, or by numbers (R-U4).
  const route = h('select', { id: 'sim-route' }, routes.map((r) => h('option', { value: r.name },
    r.ucs2 ? r.name : `${r.name} · ${t(r.fallback === 'digits' ? 'route_digits' : 'route_latin')}`)));
  const answer = h('input', { id: 'sim-reply', dir: 'auto', disabled: true });
  const screen = h('div', { class: 'phone', id: 'sim-screen', dir: 'auto' });
  const info = h('p', { class: 'muted', id: 'sim-info' });
  const sms = h('div', { id: 'sim-sms' });
  let replies = null;
  const walk = async () => {
    try {
      const r = await api('POST', '/flows/simulate',
        { file, yaml: area.value, ussd_code: code.value, language: language.value, ussd_route: route.value, replies });
      if (!r.ok) { screen.replaceChildren(failure((r.problems[0] || {}).message || '')); return; }
      const last = r.screens[r.screens.length - 1];
      screen.textContent = last.text;
      info.textContent = `${t(last.end ? 'session_end' : 'session_open')} · ${last.encoding} · ${last.units}/${last.limit}`;
      answer.disabled = last.end;
      sms.replaceChildren(...r.sms.map((m) => h('div', { class: 'card' }, h('div', { class: 'phone', dir: 'auto' }, m.text),
        h('p', { class: 'muted' }, `${m.encoding} · ${t('parts')}: ${number(m.parts)}` +
          (m.cost_per_1000.length ? ` · ${t('cost')}: ${costs(m.cost_per_1000)}` : '')))));
    } catch (e) { screen.replaceChildren(failure(e)); }
  };
  return h('section', { class: 'card' }, h('h2', {}, t('simulator')),
    h('div', { class: 'row' },
      h('div', {}, h('label', { for: 'sim-code' }, t('code')), code),
      h('div', {}, h('label', { for: 'sim-lang' }, t('as_language')), language),
      routes.length > 1 ? h('div', {}, h('label', { for: 'sim-route' }, t('route')), route) : '',
      h('button', { id: 'sim-dial', onclick: () => { replies = []; answer.disabled = false; walk(); } }, t('dial'))),
    screen, info,
    h('form', {
      class: 'row', onsubmit: (e) => {
        e.preventDefault();
        if (replies === null) return;
        replies.push(answer.value);
        answer.value = '';
        walk();
      },
    }, h('div', {}, h('label', { for: 'sim-reply' }, t('reply')), answer), h('button', { type: 'submit', id: 'sim-send' }, t('send'))),
    sms);
}

// ---- people and machines (admins) ------------------------------------------------------------------

async function peoplePage() {
  const [users, tokens] = await Promise.all([api('GET', '/users'), api('GET', '/tokens')]);
  const status = h('div', { role: 'status', id: 'people-status' });
  const act = (method, path) => async () => {
    try { await api(method, path); await peoplePage(); } catch (e) { status.replaceChildren(failure(e)); }
  };
  // Disabling is asked twice, saying what follows; then where a health worker's patients went,
  // or that nobody at the clinic is left to take them (actions::disable_user).
  const asked = (e, u) => e.target.parentNode.replaceChildren(
    h('p', { class: 'warning' }, u.role === 'health_worker' ? t('disable_warn_worker', u.facility) : t('disable_warn')),
    h('button', { class: 'disable-yes', onclick: (ev) => { ev.target.disabled = true; disable(u); } }, t('disable_yes')),
    ' ', h('button', { class: 'quiet disable-no', onclick: () => peoplePage().catch((err) => status.replaceChildren(failure(err))) },
      t('disable_no')));
  const disable = async (u) => {
    let said;
    try {
      const done = await api('POST', `/users/${u.id}/disable`);
      const to = done.handed_over;
      said = !to ? h('p', { class: 'ok' }, t('disabled_ok', u.name))
        : to.to ? h('p', { class: 'ok' }, t('handed_to', u.name, number(to.series), number(to.calls), to.to_name))
          : h('p', { class: 'error' }, t('handed_nobody', u.name, u.facility));
    } catch (err) { said = failure(err); }
    // Only while the admin is still on this page (not after they went elsewhere, or were
    // logged out): the list drawn again, with what happened above it.
    if (location.hash.split('/')[1] !== 'people') return;
    await peoplePage().catch(() => {});
    said.id = 'disabled-said';
    document.getElementById('people-status')?.replaceChildren(said);
  };
  const name = h('input', { id: 'token-name', dir: 'auto' });
  const role = h('select', { id: 'token-role' }, ['operator', 'health_worker', 'admin'].map((r) => h('option', { value: r }, t('role_' + r))));
  const facility = h('input', { id: 'token-facility', dir: 'ltr', placeholder: 'golshahr' });
  const made = h('div', { id: 'token-made' });
  show(h('h1', {}, t('people')), status,
    h('section', { class: 'card' }, h('h2', {}, t('users')),
      h('table', { id: 'users' },
        h('thead', {}, h('tr', {}, ['#', t('name'), t('login_name'), t('role'), t('clinic'), t('phone'), ''].map((x) => h('th', {}, x)))),
        h('tbody', {}, users.items.map((u) => h('tr', { 'data-user': u.id },
          h('td', {}, number(u.id)), h('td', { dir: 'auto' }, u.name), h('td', {}, ltr(u.login || '—')), h('td', {}, t('role_' + u.role)),
          h('td', {}, u.facility || '—', u.duty ? h('span', { class: 'muted' }, ' ', ltr(u.duty)) : ''), h('td', {}, ltr(u.phone || '—')),
          h('td', {}, u.disabled ? h('span', { class: 'muted' }, t('disabled'))
            : u.id === me.user ? '' : h('button', { class: 'quiet disable', onclick: (e) => asked(e, u) }, t('disable')),
          u.locked ? h('span', { class: 'error' }, ' ', t('locked')) : '')))))),
    h('section', { class: 'card' }, h('h2', {}, t('tokens')),
      h('table', { id: 'tokens' }, h('tbody', {}, tokens.items.map((k) => h('tr', { 'data-token': k.id },
        h('td', {}, number(k.id)), h('td', { dir: 'auto' }, k.name), h('td', {}, t('role_' + k.role)), h('td', {}, k.facility || '—'),
        h('td', {}, when(k.created_at)),
        h('td', {}, k.revoked ? h('span', { class: 'muted' }, t('revoked'))
          : h('button', { class: 'quiet revoke', onclick: act('DELETE', `/tokens/${k.id}`) }, t('revoke'))))))),
      h('h2', {}, t('new_token')),
      h('form', {
        class: 'row', onsubmit: async (e) => {
          e.preventDefault();
          try {
            const k = await api('POST', '/tokens', { name: name.value, role: role.value, facility: facility.value });
            made.replaceChildren(h('p', { class: 'ok' }, t('token_once')), h('code', { class: 'ltr', id: 'token-secret' }, k.token));
          } catch (err) { made.replaceChildren(failure(err)); }
        },
      }, h('div', {}, h('label', { for: 'token-name' }, t('name')), name),
      h('div', {}, h('label', { for: 'token-role' }, t('role')), role),
      h('div', {}, h('label', { for: 'token-facility' }, t('clinic')), facility),
      h('button', { type: 'submit', id: 'token-make' }, t('make'))),
      made));
}

// ---- who reads messages (everyone, R-D5) ------------------------------------------------------

// A calendar day ("2027-06-30") with its year, in the reader's calendar.
function dateName(iso) {
  return new Intl.DateTimeFormat(LOCALES[lang], { dateStyle: 'long', timeZone: 'UTC' }).format(Date.parse(iso + 'T12:00:00Z'));
}

async function partiesPage() {
  const list = await api('GET', '/parties');
  const agreement = (p) => {
    if (!p.agreement) return h('span', { class: 'error' }, t('no_agreement'));
    const until = !p.until ? h('span', { class: 'muted' }, t('no_end'))
      : p.ended ? h('span', { class: 'error' }, t('agreement_ended', dateName(p.until)))
        : h('span', {}, t('agreement_until', dateName(p.until)));
    return [h('span', { dir: 'auto' }, p.agreement), h('br'), until];
  };
  show(h('h1', {}, t('parties')), h('p', {}, t('parties_intro')),
    list.gaps.length ? h('ul', { id: 'party-gaps', class: 'error' },
      list.gaps.map((g) => h('li', {}, t('gap_' + g.kind, g.name)))) : '',
    list.parties.length ? h('table', { id: 'parties' },
      h('thead', {}, h('tr', {}, [t('organisation'), t('their_role'), t('messages_of'), t('agreement')].map((x) => h('th', {}, x)))),
      h('tbody', {}, list.parties.map((p) => h('tr', {},
        h('td', { dir: 'auto' }, p.name), h('td', {}, t('pr_' + p.role)),
        h('td', {}, p.channels.length ? ltr(p.channels.join(', ')) : t('every_channel')),
        h('td', {}, agreement(p))))))
      : h('p', { class: 'muted' }, t('nobody_listed')),
    h('p', { class: 'muted' }, t('inside')));
}

// ---- audit log (admins) ----------------------------------------------------------------------------

async function auditPage() {
  const body = h('tbody');
  const more = h('button', { class: 'quiet', hidden: true }, t('more'));
  let next = null;
  const load = async () => {
    const page = await api('GET', '/audit' + (next ? `?before=${next}` : ''));
    for (const e of page.items) {
      body.append(h('tr', {}, h('td', {}, when(e.at)), h('td', {}, ltr(e.actor)), h('td', {}, ltr(e.action)), h('td', {}, ltr(e.target))));
    }
    next = page.next;
    more.hidden = !next;
  };
  more.onclick = load;
  show(h('h1', {}, t('audit')),
    h('table', { id: 'audit' }, h('thead', {}, h('tr', {}, [t('at'), t('actor'), t('action'), t('target')].map((x) => h('th', {}, x)))), body), more);
  await load();
}

// ---- routing ----------------------------------------------------------------------------------------

async function route() {
  if (!me) return showLogin();
  const [path, query] = location.hash.slice(1).split('?');
  const parts = path.split('/').filter(Boolean);
  const allowed = pagesFor(me.role).map(([id]) => id);
  const page = allowed.includes(parts[0]) || ['message', 'flow', 'clinics-file'].includes(parts[0]) ? parts[0] : allowed[0];
  drawBar();
  try {
    if (page === 'patients') await patientsPage(query || '');
    else if (page === 'visits') await visitsPage();
    else if (page === 'calls') await callsPage();
    else if (page === 'broadcasts' && parts[1]) await broadcastProgressPage(parts[1]);
    else if (page === 'broadcasts') await broadcastsPage();
    else if (page === 'deliveries') await deliveriesPage(query || '');
    else if (page === 'inbox') await inboxPage(query || '');
    else if (page === 'messages') await messagesPage(query || '');
    else if (page === 'message') await messagePage(parts[1]);
    else if (page === 'contacts') await contactsPage(query || '');
    else if (page === 'flows') await flowsPage();
    else if (page === 'flow') await flowPage(decodeURIComponent(parts[1] || ''));
    else if (page === 'clinics-file') await clinicsFilePage();
    else if (page === 'audit') await auditPage();
    else if (page === 'people') await peoplePage();
    else if (page === 'parties') await partiesPage();
  } catch (e) {
    if (me) show(failure(e));
  }
}

function start() {
  drawBar();
  route();
}

window.addEventListener('hashchange', () => { if (me) route(); });
applyLanguage();
// A session from before (the cookie is sent by itself): its person and anti-CSRF value.
fetch('/api/v1/session', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
  .then((res) => (res.ok ? res.json() : null))
  .then((who) => { me = who && who.user ? who : null; if (me) start(); else showLogin(); })
  .catch(() => showLogin());
