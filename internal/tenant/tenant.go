// Package tenant holds the scope every tenant-data query takes: which account
// is acting, as which user, with which role. Handlers build it once from the
// session or API token; services filter every query by Scope.AccountID.
package tenant

import "github.com/plutopro/plutopro/internal/apperr"

// Role is a member's role in an account.
type Role string

// The roles, from most to least rights.
const (
	Owner  Role = "owner"
	Admin  Role = "admin"
	Editor Role = "editor"
	Viewer Role = "viewer"
)

// Roles lists every role, most rights first.
var Roles = []Role{Owner, Admin, Editor, Viewer}

// ParseRole returns the role named s.
func ParseRole(s string) (Role, bool) {
	for _, r := range Roles {
		if string(r) == s {
			return r, true
		}
	}
	return "", false
}

func (r Role) rank() int {
	switch r {
	case Owner:
		return 4
	case Admin:
		return 3
	case Editor:
		return 2
	case Viewer:
		return 1
	}
	return 0
}

// AtLeast reports whether r has at least min's rights.
func (r Role) AtLeast(min Role) bool { return r.rank() >= min.rank() && r.rank() > 0 }

// Permission is something a role may do.
type Permission int

// The permissions, and the least role holding each (see Allows).
const (
	Read          Permission = iota // see brands, products, drafts
	EditContent                     // edit brand profiles, generate, review
	ManageBrands                    // create and delete brands
	ManageMembers                   // invite, change roles, remove members
	ManageAccount                   // billing, account deletion
)

var leastRole = map[Permission]Role{
	Read:          Viewer,
	EditContent:   Editor,
	ManageBrands:  Admin,
	ManageMembers: Admin,
	ManageAccount: Owner,
}

// Allows reports whether role r holds permission p.
func (r Role) Allows(p Permission) bool { return r.AtLeast(leastRole[p]) }

// Scope is who is acting in which account.
type Scope struct {
	AccountID string
	UserID    string
	Role      Role
}

// Require returns a Forbidden error unless the scope's role holds p.
func (s Scope) Require(p Permission) error {
	if s.AccountID == "" || !s.Role.Allows(p) {
		return apperr.E(apperr.Forbidden, "Your role (%s) does not allow this; ask an account owner or admin.", s.Role)
	}
	return nil
}
