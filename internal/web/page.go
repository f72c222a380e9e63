package web

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/plutopro/plutopro/internal/account"
	"github.com/plutopro/plutopro/internal/tenant"
)

// basePage is what the layout shows on every page. Each page's data struct
// embeds it; render fills it in.
type basePage struct {
	Title string
	// Nav names the active navigation item.
	Nav string
	// Notice is a one-line confirmation shown at the top ("Brand saved.").
	Notice string

	CSRF      string
	HXHeaders string // JSON for hx-headers on <body>
	Sandbox   bool
	Version   string

	// Signed in only.
	User    *account.User
	Account *account.Account
	Role    tenant.Role
	Can     permissions
}

// permissions says which controls the layout and pages show; the services
// enforce the same rules.
type permissions struct {
	EditContent   bool
	ManageBrands  bool
	ManageMembers bool
	ManageAccount bool
}

func permissionsOf(r tenant.Role) permissions {
	return permissions{
		EditContent:   r.Allows(tenant.EditContent),
		ManageBrands:  r.Allows(tenant.ManageBrands),
		ManageMembers: r.Allows(tenant.ManageMembers),
		ManageAccount: r.Allows(tenant.ManageAccount),
	}
}

func (b *basePage) base() *basePage { return b }

// pager is a page's data: a struct embedding basePage.
type pager interface{ base() *basePage }

// fillBase sets the fields every page shows.
func (s *Server) fillBase(w http.ResponseWriter, r *http.Request, b *basePage) error {
	b.CSRF = s.csrfToken(w, r)
	h, _ := json.Marshal(map[string]string{csrfHeader: b.CSRF})
	b.HXHeaders = string(h)
	b.Sandbox = s.sandbox
	b.Version = s.version
	if b.Notice == "" {
		b.Notice = notices[r.URL.Query().Get("notice")]
	}
	sess := sessionFrom(r.Context())
	if sess == nil {
		return nil
	}
	acct, err := s.accounts.AccountByID(r.Context(), sess.Scope)
	if err != nil {
		return err
	}
	u := sess.User
	b.User, b.Account, b.Role = &u, acct, sess.Scope.Role
	b.Can = permissionsOf(sess.Scope.Role)
	return nil
}

// notices are the confirmations a redirect can ask for with ?notice=; only
// these fixed texts are shown, never text from the URL.
var notices = map[string]string{
	"signed-out":       "You are signed out.",
	"password-reset":   "Your password is changed. Sign in with the new one.",
	"brand-created":    "Brand created.",
	"brand-saved":      "Brand saved.",
	"brand-deleted":    "Brand deleted.",
	"invited":          "Invitation sent.",
	"invited-outbox":   "Invitation created. Mail is not sent from this server; the operator can read it at /dev/outbox.",
	"role-changed":     "Role changed.",
	"member-removed":   "Member removed.",
	"invitation-gone":  "Invitation revoked.",
	"token-revoked":    "Token revoked.",
	"profile-saved":    "Your name is saved.",
	"password-changed": "Your password is changed. Your other sessions have ended.",
	"account-saved":    "Account name saved.",
	"account-switched": "Switched account.",
	"joined":           "You joined the account.",
	"left":             "You left the account.",
	"canceled":         "Generation canceled. Drafts already written are kept.",

	// Review queue and learning page.
	"draft-approved":       "Draft approved.",
	"draft-rejected":       "Draft rejected. The reason helps the writer learn.",
	"draft-saved":          "Your edit is saved as a new version, still to review.",
	"draft-saved-approved": "Your edit is saved as a new version and approved.",
	"draft-unchanged":      "Nothing to save: the text is the same as the draft.",
	"draft-restored":       "The old version is restored as a new version to review.",
	"memory-saved":         "Memory line saved.",
	"memory-enabled":       "Memory item switched on.",
	"memory-disabled":      "Memory item switched off: new drafts no longer follow it.",
	"memory-deleted":       "Memory item deleted. Only new reviews can teach it again.",

	// Stores page.
	"store-connected":     "Store connected. PlutoPro is copying its catalog now.",
	"store-disconnected":  "Store disconnected. Its products stay in the catalog; publishing to it stops until you connect it again.",
	"sync-started":        "Sync started.",
	"nothing-to-publish":  "Nothing to publish: no approved draft is waiting to go to this store.",
	"publication-retried": "Publication queued again.",
	"revert-queued":       "Revert queued: the store gets the earlier version in a moment.",
}

// field is one labelled form control for the "field" partial.
type field struct {
	Name  string
	Label string
	Value string
	Error string
	Help  string
	Type  string // text, email, password, textarea
	// Required and Autocomplete are passed to the input.
	Required     bool
	Autocomplete string
}

// newField builds a field from a template: field "name" "Label" value error [type] [help] [autocomplete] [required].
func newField(name, label, value, err string, opts ...string) field {
	f := field{Name: name, Label: label, Value: value, Error: err, Type: "text"}
	if len(opts) > 0 && opts[0] != "" {
		f.Type = opts[0]
	}
	if len(opts) > 1 {
		f.Help = opts[1]
	}
	if len(opts) > 2 {
		f.Autocomplete = opts[2]
	}
	if len(opts) > 3 {
		f.Required = opts[3] == "required"
	}
	return f
}

// formErrors holds a form-level message and per-field messages.
type formErrors struct {
	Error  string
	Fields map[string]string
}

func (e formErrors) For(name string) string { return e.Fields[name] }

// DescribedBy lists the ids of the field's help and error texts for aria-describedby.
func (f field) DescribedBy() string {
	var ids []string
	if f.Error != "" {
		ids = append(ids, "f-"+f.Name+"-error")
	}
	if f.Help != "" {
		ids = append(ids, "f-"+f.Name+"-help")
	}
	return strings.Join(ids, " ")
}
