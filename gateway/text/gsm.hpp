// The GSM 03.38 default alphabet (3GPP TS 23.038): which characters an SMS can carry in
// 7-bit encoding, and at what cost. National shift tables are not used.
#pragma once

namespace paygham::text {

// Septets a code point costs in GSM-7: 1 for the basic table, 2 for the extension table
// (escape + code: ^ { } \ [ ~ ] | € and form feed), 0 when GSM-7 cannot carry it.
int gsm_septets(char32_t cp);

}  // namespace paygham::text
