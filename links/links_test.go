package links

import (
	"net/url"
	"testing"
)

// TestLinksFillEachParameterAsOneEscapedSegment proves a parameter never
// adds a segment or a query to a path, and a token is one query value.
func TestLinksFillEachParameterAsOneEscapedSegment(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{StatusPage("PD-AAAAA-BBBBB", "tok_-9"), "/requests/PD-AAAAA-BBBBB/status?token=tok_-9"},
		{StatusPage("a/../b?x", "a&b=c"), "/requests/a%2F..%2Fb%3Fx/status?token=a%26b%3Dc"},
		{DownloadPage("PD-1", "t"), "/requests/PD-1/download?token=t"},
		{VerifyPage("v"), "/requests/verify?token=v"},
		{ReceivedPage("opt_out"), "/requests/received?type=opt_out"},
		{StaffRequestPage("PD-1"), "/staff/requests/PD-1"},
		{StaffAction("PD-1", ActRetryErasure), "/staff/requests/PD-1/retry-erasure"},
		{StaffMemberPath("7"), "/staff/admin/staff/7"},
		{StaffPasswordPath("7"), "/staff/admin/staff/7/password"},
		{QueuePage(url.Values{"status": {"verified"}}), "/staff/queue?status=verified"},
		{LoginPage("/staff/requests/PD-1?x=1"), "/staff/login?next=%2Fstaff%2Frequests%2FPD-1%3Fx%3D1"},
		{APIRequestPath("PD-1"), "/api/v1/requests/PD-1"},
		{Path(StaffPassword), StaffPassword}, // nothing to fill: left as it is
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
