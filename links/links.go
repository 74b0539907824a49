// Package links names Privacy Desk's addresses once: the route patterns
// app registers (in Gin's syntax, ":id" a path parameter) and the paths
// built from them for emails, redirects and pages. It imports nothing of
// the project, so app and workflows both use it.
package links

import (
	"net/url"
	"strings"
)

// Customer pages.
const (
	Home         = "/"
	Policy       = "/privacy-policy"
	NewRequest   = "/requests/new"
	Received     = "/requests/received"
	Verify       = "/requests/verify"
	Lookup       = "/requests/lookup"
	Resend       = "/requests/resend"
	Status       = "/requests/:id/status"
	Cancel       = "/requests/:id/cancel"
	Appeal       = "/requests/:id/appeal"
	Download     = "/requests/:id/download"
	DownloadLink = "/requests/:id/download-link"
	// VerifyReceipt checks a signed receipt; ReceiptKey publishes the key
	// receipts are signed with (JSON, stable: receipts name it).
	VerifyReceipt = "/receipts/verify"
	ReceiptKey    = "/.well-known/privacydesk-receipt-key"
)

// Staff pages.
const (
	Staff         = "/staff"
	StaffLogin    = Staff + "/login"
	StaffLogout   = Staff + "/logout"
	Queue         = Staff + "/queue"
	StaffNew      = Staff + "/requests/new"
	StaffRequest  = Staff + "/requests/:id"
	StaffAnyAct   = StaffRequest + "/:action" // a GET on an action's address
	StaffAdmin    = Staff + "/admin/staff"
	StaffAgents   = Staff + "/admin/agents"
	StaffMember   = StaffAdmin + "/:sid"
	StaffPassword = StaffMember + "/password"
	Reports       = Staff + "/reports"
	ReportsCSV    = Staff + "/reports.csv"
	QueueBulk     = Queue + "/bulk"           // POST: one action on the selected requests of the filtered queue
	QueueCSV      = Staff + "/queue.csv"      // the filtered queue as a CSV list of requests
	ReportsList   = Reports + "/requests.csv" // the requests filed in a period, as a CSV list
	StaffWording  = Staff + "/admin/wording"
	StaffWordOne  = StaffWording + "/:kind/:lang" // one wording's editor
)

// The JSON API.
const (
	APIRequests = "/api/v1/requests"
	APIRequest  = APIRequests + "/:id"
)

// Staff actions on a request, each POSTed to StaffAction(id, act).
const (
	ActAssign       = "assign"
	ActNote         = "note"
	ActAdvance      = "advance"
	ActApprove      = "approve"
	ActDeny         = "deny"
	ActExtend       = "extend"
	ActCancel       = "cancel"
	ActRetry        = "retry"
	ActRetryErasure = "retry-erasure"
	ActCorrection   = "correction"
	ActUnlock       = "unlock-verification"
	ActEscalate     = "escalate"
	ActDecideAppeal = "appeal"
)

// StaffActs returns every staff action on a request.
func StaffActs() []string {
	return []string{ActAssign, ActNote, ActAdvance, ActApprove, ActDeny, ActExtend, ActCancel, ActRetry,
		ActRetryErasure, ActCorrection, ActUnlock, ActEscalate, ActDecideAppeal}
}

// ActPattern is the route pattern of a staff action.
func ActPattern(act string) string { return StaffRequest + "/" + act }

// Path fills pattern's parameters (":id", ":sid", …), in order, with
// params, each escaped as one path segment. A parameter without a value
// is left as it is, which no route answers.
func Path(pattern string, params ...string) string {
	segs := strings.Split(pattern, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, ":") && len(params) > 0 {
			segs[i], params = url.PathEscape(params[0]), params[1:]
		}
	}
	return strings.Join(segs, "/")
}

// withToken adds the token query parameter to path.
func withToken(path, token string) string { return path + "?token=" + url.QueryEscape(token) }

// StatusPage is the path of a request's status page for the token holder.
func StatusPage(id, token string) string { return withToken(Path(Status, id), token) }

// DownloadPage is the path of an export's download page.
func DownloadPage(id, token string) string { return withToken(Path(Download, id), token) }

// VerifyPage is the path of an emailed verification link.
func VerifyPage(token string) string { return withToken(Verify, token) }

// ReceivedPage is the page shown after filing a request of type typ.
func ReceivedPage(typ string) string { return Received + "?type=" + url.QueryEscape(typ) }

// StaffRequestPage is the staff page of request id.
func StaffRequestPage(id string) string { return Path(StaffRequest, id) }

// StaffAction is the address a staff action on request id is POSTed to.
func StaffAction(id, act string) string { return Path(ActPattern(act), id) }

// StaffMemberPath is the address of one staff account (sid: its id).
func StaffMemberPath(sid string) string { return Path(StaffMember, sid) }

// StaffWordingPath is the editor of the wording of kind in lang.
func StaffWordingPath(kind, lang string) string { return Path(StaffWordOne, kind, lang) }

// StaffPasswordPath is the address that resets one staff account's password.
func StaffPasswordPath(sid string) string { return Path(StaffPassword, sid) }

// QueuePage is the queue with the query q.
func QueuePage(q url.Values) string { return Queue + "?" + q.Encode() }

// QueueCSVPage is the CSV list of the queue filtered by q.
func QueueCSVPage(q url.Values) string { return QueueCSV + "?" + q.Encode() }

// LoginPage is the sign-in page that returns to next once signed in.
func LoginPage(next string) string { return StaffLogin + "?next=" + url.QueryEscape(next) }

// APIRequestPath is the API address of request id.
func APIRequestPath(id string) string { return Path(APIRequest, id) }
