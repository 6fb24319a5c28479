// privacy.erase → ok: the person asked, over USSD or SMS, that what Paygham holds about them be
// deleted (R-D6). It is erased as an admin's erasure is (store::tx::erase_contact: a stop they
// made stays as a hash, R-S7) by a job due at once, after this step's own writes.
#include "gateway/actions/privacy.hpp"

#include "gateway/actions/action.hpp"
#include "gateway/store/tx.hpp"

namespace paygham::actions {

flow::action_result privacy_erase(store::tx& t, const request& r) {
  t.add_job(erase_request::kind, t.now(), erase_request{r.contact_id}.json());
  return {"ok", {}};
}

}  // namespace paygham::actions
