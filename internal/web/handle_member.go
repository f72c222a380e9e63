package web

import (
	"net/http"

	"github.com/plutopro/plutopro/internal/account"
	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/tenant"
)

type memberRow struct {
	account.Member
	IsSelf        bool
	CanChangeRole bool
	CanRemove     bool
	RoleOptions   []tenant.Role
}

type membersPage struct {
	basePage
	Members     []memberRow
	Invitations []account.Invitation
	InviteEmail string
	InviteRole  tenant.Role
	InviteRoles []tenant.Role
	Errors      formErrors
}

var inviteRoles = []tenant.Role{tenant.Admin, tenant.Editor, tenant.Viewer}

// membersData loads the members page; only managers see invitations and controls.
func (s *Server) membersData(r *http.Request) (*membersPage, error) {
	sc := sessionFrom(r.Context()).Scope
	members, err := s.accounts.Members(r.Context(), sc)
	if err != nil {
		return nil, err
	}
	manage := sc.Role.Allows(tenant.ManageMembers)
	owners := 0
	for _, m := range members {
		if m.Role == tenant.Owner {
			owners++
		}
	}
	p := &membersPage{basePage: basePage{Title: "Members", Nav: "members"}, InviteRole: tenant.Editor, InviteRoles: inviteRoles}
	for _, m := range members {
		row := memberRow{Member: m, IsSelf: m.UserID == sc.UserID}
		// Only an owner makes or unmakes owners; the services enforce it too.
		ownerOnly := m.Role == tenant.Owner
		row.CanChangeRole = manage && !row.IsSelf && (!ownerOnly || sc.Role == tenant.Owner)
		// The last owner cannot leave or be removed.
		lastOwner := ownerOnly && owners == 1
		row.CanRemove = !lastOwner && (row.IsSelf || (manage && (!ownerOnly || sc.Role == tenant.Owner)))
		if sc.Role == tenant.Owner {
			row.RoleOptions = tenant.Roles
		} else {
			row.RoleOptions = inviteRoles
		}
		p.Members = append(p.Members, row)
	}
	if manage {
		if p.Invitations, err = s.accounts.Invitations(r.Context(), sc); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (s *Server) handleMembers(w http.ResponseWriter, r *http.Request) {
	p, err := s.membersData(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "members", p)
}

func (s *Server) handleMemberInvite(w http.ResponseWriter, r *http.Request) {
	sc := sessionFrom(r.Context()).Scope
	if err := sc.Require(tenant.ManageMembers); err != nil {
		s.renderError(w, r, err)
		return
	}
	email := r.PostForm.Get("email")
	role, ok := tenant.ParseRole(r.PostForm.Get("role"))
	var err error
	if !ok {
		err = apperr.E(apperr.Invalid, "Choose a role.")
	} else {
		_, err = s.accounts.Invite(r.Context(), sc, email, role)
	}
	if err != nil {
		if apperr.HTTPStatus(err) >= 500 || apperr.Is(err, apperr.Forbidden) {
			s.renderError(w, r, err)
			return
		}
		p, perr := s.membersData(r)
		if perr != nil {
			s.renderError(w, r, perr)
			return
		}
		p.InviteEmail, p.InviteRole = email, role
		p.Errors = formErrors{Fields: map[string]string{"email": apperr.MessageOf(err)}}
		s.render(w, r, apperr.HTTPStatus(err), "members", p)
		return
	}
	notice := "invited"
	if !s.outbox.Sends() {
		notice = "invited-outbox"
	}
	redirect(w, r, "/members?notice="+notice)
}

func (s *Server) handleMemberRole(w http.ResponseWriter, r *http.Request) {
	sc := sessionFrom(r.Context()).Scope
	if err := sc.Require(tenant.ManageMembers); err != nil {
		s.renderError(w, r, err)
		return
	}
	role, ok := tenant.ParseRole(r.PostForm.Get("role"))
	if !ok {
		s.renderError(w, r, apperr.E(apperr.Invalid, "Choose a role."))
		return
	}
	if err := s.accounts.SetRole(r.Context(), sc, r.PathValue("userID"), role); err != nil {
		s.renderError(w, r, err)
		return
	}
	redirect(w, r, "/members?notice=role-changed")
}

func (s *Server) handleMemberRemove(w http.ResponseWriter, r *http.Request) {
	sc := sessionFrom(r.Context()).Scope
	userID := r.PathValue("userID")
	if userID != sc.UserID {
		if err := sc.Require(tenant.ManageMembers); err != nil {
			s.renderError(w, r, err)
			return
		}
	}
	if err := s.accounts.RemoveMember(r.Context(), sc, userID); err != nil {
		s.renderError(w, r, err)
		return
	}
	if userID == sc.UserID {
		// Leaving ends this session (it pointed at the account left).
		clearCookie(w, sessionCookie)
		redirect(w, r, "/login?notice=left")
		return
	}
	if isHTMX(r) {
		w.WriteHeader(http.StatusOK) // the row is swapped for nothing
		return
	}
	redirect(w, r, "/members?notice=member-removed")
}

func (s *Server) handleInvitationRevoke(w http.ResponseWriter, r *http.Request) {
	sc := sessionFrom(r.Context()).Scope
	if err := s.accounts.RevokeInvitation(r.Context(), sc, r.PathValue("id")); err != nil {
		s.renderError(w, r, err)
		return
	}
	if isHTMX(r) {
		w.WriteHeader(http.StatusOK)
		return
	}
	redirect(w, r, "/members?notice=invitation-gone")
}
