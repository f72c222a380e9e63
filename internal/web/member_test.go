package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/plutopro/plutopro/internal/tenant"
)

func TestInviteViewerWhoCannotManageMembers(t *testing.T) {
	env := newEnv(t)
	ctx := context.Background()
	owner := env.newBrowser()
	owner.signUp("Olga", "olga@example.com")

	// The viewer already has a login (and an account of their own).
	viewerUser, _, err := env.accounts.AddUser(ctx, "vic@example.com", "Vic", testPassword)
	if err != nil {
		t.Fatal(err)
	}

	p := owner.submit("/members", "/members/invite", url.Values{"email": {"vic@example.com"}, "role": {"viewer"}})
	mustStatus(t, "invite", p, http.StatusOK)
	mustSee(t, "invite", p, "Invitation created.", "/dev/outbox", "Pending invitations", "vic@example.com")

	p = owner.submit("/members", "/members/invite", url.Values{"email": {"not-an-email"}, "role": {"viewer"}})
	mustStatus(t, "invite bad email", p, http.StatusBadRequest)
	mustSee(t, "invite bad email", p, "is not a valid email address.", `id="f-email-error"`)

	// Vic signs in, opens the link from the mail and accepts.
	viewer := env.newBrowser()
	viewer.signIn("vic@example.com", testPassword)
	link := env.lastMailLink("vic@example.com")
	p = viewer.get(link)
	mustStatus(t, "invitation page", p, http.StatusOK)
	mustSee(t, "invitation page", p, "Olga's shop", "viewer", "Accept and join")
	p = viewer.post("/invitations/accept", url.Values{"token": {tokenOf(link)}})
	mustStatus(t, "accept", p, http.StatusOK)
	if p.path != "/dashboard" {
		t.Fatalf("accept ended at %s, want /dashboard", p.path)
	}
	mustSee(t, "after accepting", p, "You joined the account.", "Olga's shop", "viewer")
	mustNotSee(t, "viewer dashboard", p, "New brand")

	// The viewer sees the members but none of the controls.
	p = viewer.get("/members")
	mustStatus(t, "viewer members", p, http.StatusOK)
	mustSee(t, "viewer members", p, "Olga", "Vic")
	mustNotSee(t, "viewer members", p, "Send invitation", "Pending invitations", "/role", "Remove")

	// ...and every member-management action is refused.
	ownerID := env.scopeOf("olga@example.com").UserID
	sc := env.scopeOf("olga@example.com")
	if _, err := env.accounts.Invite(ctx, sc, "pending@example.com", tenant.Editor); err != nil {
		t.Fatal(err)
	}
	invs, err := env.accounts.Invitations(ctx, sc)
	if err != nil || len(invs) != 1 {
		t.Fatalf("Invitations = %v, %v; want one", invs, err)
	}
	tests := []struct {
		path string
		form url.Values
	}{
		{"/members/invite", url.Values{"email": {"eve@example.com"}, "role": {"admin"}}},
		{"/members/" + ownerID + "/role", url.Values{"role": {"viewer"}}},
		{"/members/" + ownerID + "/remove", nil},
		{"/invitations/" + invs[0].ID + "/revoke", nil},
		{"/brands", brandForm("Viewer brand")},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			viewer.get("/members")
			p := viewer.post(tt.path, tt.form)
			mustStatus(t, "viewer POST "+tt.path, p, http.StatusForbidden)
			mustSee(t, "viewer POST "+tt.path, p, "Your role (viewer) does not allow this")
		})
	}
	members, err := env.accounts.Members(ctx, sc)
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != 2 || members[0].Role != tenant.Owner || members[1].Role != tenant.Viewer {
		t.Fatalf("members after refused actions = %+v", members)
	}
	if invs, _ := env.accounts.Invitations(ctx, sc); len(invs) != 1 {
		t.Fatalf("pending invitations = %d, want 1", len(invs))
	}

	// The owner sees the controls, and promotes Vic.
	p = owner.get("/members")
	mustSee(t, "owner members", p, "Send invitation", "/members/"+viewerUser.ID+"/role", "pending@example.com")
	p = owner.post("/members/"+viewerUser.ID+"/role", url.Values{"role": {"editor"}})
	mustStatus(t, "promote", p, http.StatusOK)
	mustSee(t, "promote", p, "Role changed.")

	// Revoke the pending invitation and remove Vic.
	p = owner.post("/invitations/"+invs[0].ID+"/revoke", nil)
	mustSee(t, "revoke invitation", p, "Invitation revoked.")
	mustNotSee(t, "revoke invitation", p, "pending@example.com")
	p = owner.submit("/members", "/members/"+viewerUser.ID+"/remove", nil)
	mustSee(t, "remove member", p, "Member removed.")
	mustNotSee(t, "remove member", p, "vic@example.com")
	// Vic's session in that account ended with the membership.
	if p := viewer.get("/dashboard"); p.path != "/login" {
		t.Fatalf("removed member still signed in to the account (at %s)", p.path)
	}
}

func TestSignUpThroughInvitation(t *testing.T) {
	env := newEnv(t)
	owner := env.newBrowser()
	owner.signUp("Ines", "ines@example.com")
	owner.submit("/members", "/members/invite", url.Values{"email": {"new@example.com"}, "role": {"editor"}})
	link := env.lastMailLink("new@example.com")

	b := env.newBrowser()
	p := b.get(link)
	mustSee(t, "invitation (signed out)", p, "Create your login", "new@example.com")
	p = b.post("/invitations/accept", url.Values{"token": {tokenOf(link)}, "name": {"Neo"}, "password": {testPassword}})
	mustStatus(t, "invited sign-up without age", p, http.StatusBadRequest)
	mustSee(t, "invited sign-up without age", p, "please confirm your age")
	p = b.post("/invitations/accept", url.Values{"token": {tokenOf(link)}, "name": {"Neo"}, "password": {testPassword}, "age_confirmed": {"yes"}})
	mustStatus(t, "invited sign-up", p, http.StatusOK)
	if p.path != "/dashboard" {
		t.Fatalf("invited sign-up ended at %s", p.path)
	}
	mustSee(t, "invited sign-up", p, "Ines's shop", "editor")
	// The link is spent.
	mustStatus(t, "spent invitation", b.get(link), http.StatusNotFound)
}

func TestAccountSwitch(t *testing.T) {
	env := newEnv(t)
	owner := env.newBrowser()
	owner.signUp("Ann", "ann@example.com")
	owner.submit("/members", "/members/invite", url.Values{"email": {"ben@example.com"}, "role": {"admin"}})
	ben := env.newBrowser()
	ben.signUp("Ben", "ben@example.com")
	link := env.lastMailLink("ben@example.com")
	ben.get(link)
	ben.post("/invitations/accept", url.Values{"token": {tokenOf(link)}})

	p := ben.get("/settings")
	mustSee(t, "settings", p, "Switch account", "You belong to 2 accounts", "Ann's shop", "Ben's shop")
	own := env.scopeOf("ben@example.com").AccountID
	p = ben.post("/account/switch", url.Values{"account_id": {own}})
	mustStatus(t, "switch", p, http.StatusOK)
	mustSee(t, "switched", p, "Switched account.", "Ben's shop", "owner")
	ben.get("/settings")
	p = ben.post("/account/switch", url.Values{"account_id": {"00000000-0000-7000-8000-000000000000"}})
	mustStatus(t, "switch to a stranger's account", p, http.StatusNotFound)
}
