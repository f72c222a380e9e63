package brand_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/plutopro/plutopro/internal/account"
	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/brand"
	"github.com/plutopro/plutopro/internal/mail"
	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/store/storetest"
	"github.com/plutopro/plutopro/internal/tenant"
)

type testBundle struct {
	db    *store.DB
	svc   *brand.Service
	accts *account.Service
	n     int
}

func setup(t *testing.T, db *store.DB) *testBundle {
	t.Helper()
	return &testBundle{db: db, svc: brand.NewService(db), accts: account.NewService(db, mail.NewOutbox(db, nil, nil), "http://x")}
}

// user adds a user with an account of their own and returns their scope in
// it, with role set by a direct update of the membership.
func (b *testBundle) user(t *testing.T, role tenant.Role) tenant.Scope {
	t.Helper()
	ctx := context.Background()
	b.n++
	u, _, err := b.accts.AddUser(ctx, fmt.Sprintf("user%d@example.com", b.n), fmt.Sprintf("User %d", b.n), "")
	if err != nil {
		t.Fatalf("AddUser: %v", err)
	}
	return b.setRole(t, u.ID, role)
}

func (b *testBundle) setRole(t *testing.T, userID string, role tenant.Role) tenant.Scope {
	t.Helper()
	ctx := context.Background()
	if _, err := b.db.Exec(ctx, "UPDATE memberships SET role = ? WHERE user_id = ?", role, userID); err != nil {
		t.Fatal(err)
	}
	sc, err := b.accts.DefaultScope(ctx, userID)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Role != role {
		t.Fatalf("scope role = %s, want %s", sc.Role, role)
	}
	return sc
}

func (b *testBundle) create(t *testing.T, sc tenant.Scope, name string) *brand.Brand {
	t.Helper()
	br, err := b.svc.Create(context.Background(), sc, brand.Input{Name: &name})
	if err != nil {
		t.Fatalf("Create(%q): %v", name, err)
	}
	return br
}

func ptr[T any](v T) *T { return &v }

// fieldsOf returns the invalid fields of a ValidationError, failing the test
// for any other error.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	var ve *brand.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T) is not a ValidationError", err, err)
	}
	if !apperr.Is(err, apperr.Invalid) || apperr.HTTPStatus(err) != 400 {
		t.Errorf("validation error code = %s, want invalid", apperr.CodeOf(err))
	}
	var out []string
	for _, f := range ve.Fields {
		if f.Message == "" {
			t.Errorf("field %s has no message", f.Field)
		}
		out = append(out, f.Field)
	}
	return out
}

func sameBrand(t *testing.T, got, want *brand.Brand) {
	t.Helper()
	if got.ID != want.ID || got.AccountID != want.AccountID || got.Name != want.Name || got.Description != want.Description ||
		got.Voice != want.Voice || got.Audience != want.Audience || got.Guidelines != want.Guidelines ||
		!slices.Equal(got.WordsAvoid, want.WordsAvoid) || !slices.Equal(got.WordsPrefer, want.WordsPrefer) ||
		got.Language != want.Language || got.DefaultChannel != want.DefaultChannel ||
		!got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Errorf("brand = %+v\nwant    %+v", got, want)
	}
}

func TestCreateDefaults(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		ctx := context.Background()
		sc := b.user(t, tenant.Owner)
		br := b.create(t, sc, "  Acme Candles  ")
		if br.Name != "Acme Candles" {
			t.Errorf("Name = %q, want trimmed", br.Name)
		}
		if !store.ValidID(br.ID) || br.AccountID != sc.AccountID {
			t.Errorf("ID %q, AccountID %q", br.ID, br.AccountID)
		}
		if br.Language != "en" || br.DefaultChannel != "shopify" {
			t.Errorf("Language %q, DefaultChannel %q; want en, shopify", br.Language, br.DefaultChannel)
		}
		if br.WordsAvoid == nil || len(br.WordsAvoid) != 0 || br.WordsPrefer == nil || len(br.WordsPrefer) != 0 {
			t.Errorf("word lists = %#v, %#v; want empty, not nil", br.WordsAvoid, br.WordsPrefer)
		}
		if br.CreatedAt.IsZero() || !br.CreatedAt.Equal(br.UpdatedAt) {
			t.Errorf("CreatedAt %v, UpdatedAt %v", br.CreatedAt, br.UpdatedAt)
		}
		got, err := b.svc.Get(ctx, sc, br.ID)
		if err != nil {
			t.Fatal(err)
		}
		sameBrand(t, got, br)

		full := brand.Input{
			Name: ptr("Full"), Description: ptr("Hand-poured."), Voice: ptr("Warm"), Audience: ptr("Gift buyers"),
			Guidelines: ptr("No caps."), WordsAvoid: &[]string{"cheap"}, WordsPrefer: &[]string{"crafted", "small-batch"},
			Language: ptr("de"), DefaultChannel: ptr("etsy"),
		}
		br2, err := b.svc.Create(ctx, sc, full)
		if err != nil {
			t.Fatal(err)
		}
		got2, err := b.svc.Get(ctx, sc, br2.ID)
		if err != nil {
			t.Fatal(err)
		}
		sameBrand(t, got2, br2)
		if got2.Language != "de" || got2.DefaultChannel != "etsy" || got2.Voice != "Warm" || !slices.Equal(got2.WordsPrefer, []string{"crafted", "small-batch"}) {
			t.Errorf("stored brand = %+v", got2)
		}
	})
}

func TestValidation(t *testing.T) {
	words := func(n int) *[]string {
		w := make([]string, n)
		for i := range w {
			w[i] = fmt.Sprintf("word%d", i)
		}
		return &w
	}
	cases := []struct {
		name   string
		in     brand.Input
		fields []string // invalid fields; nil means valid
		check  func(t *testing.T, br *brand.Brand)
	}{
		{"no name", brand.Input{}, []string{"name"}, nil},
		{"empty name", brand.Input{Name: ptr("")}, []string{"name"}, nil},
		{"blank name", brand.Input{Name: ptr(" \t ")}, []string{"name"}, nil},
		{"name too long", brand.Input{Name: ptr(strings.Repeat("n", 101))}, []string{"name"}, nil},
		{"name at limit in runes", brand.Input{Name: ptr(strings.Repeat("é", 100))}, nil, nil},
		{"name invalid utf-8", brand.Input{Name: ptr("Acme\xff")}, []string{"name"}, nil},
		{"name with NUL", brand.Input{Name: ptr("Ac\x00me")}, []string{"name"}, nil},
		{"name on two lines", brand.Input{Name: ptr("Acme\nEvil")}, []string{"name"}, nil},
		{"description too long", brand.Input{Name: ptr("A"), Description: ptr(strings.Repeat("d", 4001))}, []string{"description"}, nil},
		{"voice invalid utf-8", brand.Input{Name: ptr("A"), Voice: ptr("\xc3\x28")}, []string{"voice"}, nil},
		{"guidelines at limit", brand.Input{Name: ptr("A"), Guidelines: ptr(strings.Repeat("g", 4000))}, nil, nil},
		{"unknown language", brand.Input{Name: ptr("A"), Language: ptr("klingon")}, []string{"language"}, nil},
		{"language is case-sensitive tag", brand.Input{Name: ptr("A"), Language: ptr("en-GB")}, nil,
			func(t *testing.T, br *brand.Brand) {
				if br.Language != "en-GB" {
					t.Errorf("Language = %q", br.Language)
				}
			}},
		{"unknown channel", brand.Input{Name: ptr("A"), DefaultChannel: ptr("ebay")}, []string{"default_channel"}, nil},
		{"words trimmed and deduplicated", brand.Input{Name: ptr("A"),
			WordsAvoid:  &[]string{" Cheap ", "cheap", "CHEAP", "", "   ", "tacky"},
			WordsPrefer: &[]string{"Crafted", " crafted", "Ünique", "üNIQUE"}}, nil,
			func(t *testing.T, br *brand.Brand) {
				if want := []string{"Cheap", "tacky"}; !slices.Equal(br.WordsAvoid, want) {
					t.Errorf("WordsAvoid = %q, want %q", br.WordsAvoid, want)
				}
				if want := []string{"Crafted", "Ünique"}; !slices.Equal(br.WordsPrefer, want) {
					t.Errorf("WordsPrefer = %q, want %q", br.WordsPrefer, want)
				}
			}},
		{"200 words", brand.Input{Name: ptr("A"), WordsAvoid: words(200)}, nil, nil},
		{"too many words", brand.Input{Name: ptr("A"), WordsPrefer: words(201)}, []string{"words_prefer"}, nil},
		{"duplicates do not count toward the limit", brand.Input{Name: ptr("A"), WordsAvoid: ptr(append(*words(200), "WORD0", "word1 "))}, nil, nil},
		{"word too long", brand.Input{Name: ptr("A"), WordsAvoid: &[]string{strings.Repeat("w", 61)}}, []string{"words_avoid"}, nil},
		{"word on two lines", brand.Input{Name: ptr("A"), WordsAvoid: &[]string{"one\ntwo"}}, []string{"words_avoid"}, nil},
		{"word invalid utf-8", brand.Input{Name: ptr("A"), WordsPrefer: &[]string{"ok", "\xff"}}, []string{"words_prefer"}, nil},
		{"every bad field reported", brand.Input{Name: ptr(""), Language: ptr("xx"), DefaultChannel: ptr("ebay"), WordsAvoid: words(300)},
			[]string{"name", "words_avoid", "language", "default_channel"}, nil},
	}
	storetest.Each(t, nil, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		ctx := context.Background()
		sc := b.user(t, tenant.Admin)
		existing := b.create(t, sc, "Existing")
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				in := c.in
				if in.Name != nil && *in.Name == "A" && c.fields == nil {
					in.Name = ptr(fmt.Sprintf("A%d", i)) // unique names for valid cases
				}
				br, err := b.svc.Create(ctx, sc, in)
				if c.fields == nil {
					if err != nil {
						t.Fatalf("Create = %v, want success", err)
					}
					got, err := b.svc.Get(ctx, sc, br.ID)
					if err != nil {
						t.Fatal(err)
					}
					sameBrand(t, got, br)
					if c.check != nil {
						c.check(t, got)
					}
					return
				}
				if err == nil {
					t.Fatalf("Create succeeded, want errors on %v", c.fields)
				}
				if got := fieldsOf(t, err); !slices.Equal(got, c.fields) {
					t.Errorf("Create: invalid fields = %v, want %v (%v)", got, c.fields, err)
				}
				// Update checks the same rules and leaves the brand as it was.
				upd := c.in
				if upd.Name == nil {
					upd.Name = ptr("")
				}
				if _, err := b.svc.Update(ctx, sc, existing.ID, upd); err == nil {
					t.Errorf("Update succeeded, want errors on %v", c.fields)
				} else if got := fieldsOf(t, err); !slices.Equal(got, c.fields) {
					t.Errorf("Update: invalid fields = %v, want %v", got, c.fields)
				}
				got, err := b.svc.Get(ctx, sc, existing.ID)
				if err != nil {
					t.Fatal(err)
				}
				sameBrand(t, got, existing)
			})
		}
		// Nothing invalid was stored.
		list, err := b.svc.List(ctx, sc)
		if err != nil {
			t.Fatal(err)
		}
		valid := 1
		for _, c := range cases {
			if c.fields == nil {
				valid++
			}
		}
		if len(list) != valid {
			t.Errorf("List has %d brands, want %d", len(list), valid)
		}
	})
}

func TestDuplicateName(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		ctx := context.Background()
		a, other := b.user(t, tenant.Owner), b.user(t, tenant.Owner)
		b.create(t, a, "Acme")
		_, err := b.svc.Create(ctx, a, brand.Input{Name: ptr(" Acme ")})
		if err == nil {
			t.Fatal("a second brand named Acme in one account was created")
		}
		if got := fieldsOf(t, err); !slices.Equal(got, []string{"name"}) {
			t.Errorf("fields = %v, want [name]", got)
		}
		if !strings.Contains(err.Error(), "Acme") {
			t.Errorf("message %q does not name the brand", err)
		}
		// Another account may use the name.
		b.create(t, other, "Acme")

		// Renaming onto an existing name is the same error, and changes nothing.
		second := b.create(t, a, "Second")
		_, err = b.svc.Update(ctx, a, second.ID, brand.Input{Name: ptr("Acme"), Voice: ptr("new voice")})
		if err == nil {
			t.Fatal("renaming onto an existing name succeeded")
		}
		if got := fieldsOf(t, err); !slices.Equal(got, []string{"name"}) {
			t.Errorf("fields = %v, want [name]", got)
		}
		got, err := b.svc.Get(ctx, a, second.ID)
		if err != nil {
			t.Fatal(err)
		}
		sameBrand(t, got, second)
	})
}

func TestOtherAccountIsNotFound(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		ctx := context.Background()
		owner, stranger := b.user(t, tenant.Owner), b.user(t, tenant.Owner)
		br, err := b.svc.Create(ctx, owner, brand.Input{Name: ptr("Private"), Voice: ptr("secret voice")})
		if err != nil {
			t.Fatal(err)
		}
		ops := []struct {
			name string
			run  func(id string) error
		}{
			{"Get", func(id string) error { _, err := b.svc.Get(ctx, stranger, id); return err }},
			{"Find", func(id string) error { _, err := b.svc.Find(ctx, stranger, id); return err }},
			{"Find by name", func(string) error { _, err := b.svc.Find(ctx, stranger, "Private"); return err }},
			{"Update", func(id string) error {
				_, err := b.svc.Update(ctx, stranger, id, brand.Input{Name: ptr("Stolen"), Voice: ptr("pwned")})
				return err
			}},
			{"Delete", func(id string) error { return b.svc.Delete(ctx, stranger, id) }},
		}
		for _, op := range ops {
			for _, id := range []string{br.ID, store.NewID(), "garbage", ""} {
				err := op.run(id)
				if !apperr.Is(err, apperr.NotFound) {
					t.Errorf("%s(%q) from another account = %v, want not found", op.name, id, err)
				}
				if err != nil && strings.Contains(apperr.MessageOf(err), "secret") {
					t.Errorf("%s leaks the brand: %q", op.name, apperr.MessageOf(err))
				}
			}
		}
		got, err := b.svc.Get(ctx, owner, br.ID)
		if err != nil {
			t.Fatalf("owner's brand after the attempts: %v", err)
		}
		sameBrand(t, got, br)
		if list, err := b.svc.List(ctx, stranger); err != nil || len(list) != 0 {
			t.Errorf("stranger's List = %d brands, %v; want none", len(list), err)
		}
	})
}

func TestRoles(t *testing.T) {
	cases := []struct {
		role                            tenant.Role
		canCreate, canUpdate, canDelete bool
	}{
		{tenant.Viewer, false, false, false},
		{tenant.Editor, false, true, false},
		{tenant.Admin, true, true, true},
		{tenant.Owner, true, true, true},
	}
	storetest.Each(t, nil, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		ctx := context.Background()
		for _, c := range cases {
			t.Run(string(c.role), func(t *testing.T) {
				// The user makes a brand as owner, then has the role.
				sc := b.user(t, tenant.Owner)
				br := b.create(t, sc, "Mine")
				sc = b.setRole(t, sc.UserID, c.role)

				expect := func(op string, allowed bool, err error) {
					t.Helper()
					switch {
					case allowed && err != nil:
						t.Errorf("%s as %s = %v, want allowed", op, c.role, err)
					case !allowed && !apperr.Is(err, apperr.Forbidden):
						t.Errorf("%s as %s = %v, want forbidden", op, c.role, err)
					}
				}
				// Every role reads.
				if _, err := b.svc.Get(ctx, sc, br.ID); err != nil {
					t.Errorf("Get as %s = %v", c.role, err)
				}
				if _, err := b.svc.Find(ctx, sc, "mine"); err != nil {
					t.Errorf("Find as %s = %v", c.role, err)
				}
				if list, err := b.svc.List(ctx, sc); err != nil || len(list) != 1 {
					t.Errorf("List as %s = %d, %v", c.role, len(list), err)
				}

				_, err := b.svc.Create(ctx, sc, brand.Input{Name: ptr("New")})
				expect("Create", c.canCreate, err)
				upd, err := b.svc.Update(ctx, sc, br.ID, brand.Input{Voice: ptr("Bold")})
				expect("Update", c.canUpdate, err)
				got, gerr := b.svc.Get(ctx, sc, br.ID)
				if gerr != nil {
					t.Fatal(gerr)
				}
				if c.canUpdate {
					if got.Voice != "Bold" || upd.Voice != "Bold" || got.Name != "Mine" {
						t.Errorf("after Update: %+v", got)
					}
					if got.UpdatedAt.Before(br.UpdatedAt) || !got.CreatedAt.Equal(br.CreatedAt) {
						t.Errorf("times after Update: created %v updated %v, before %v", got.CreatedAt, got.UpdatedAt, br.UpdatedAt)
					}
				} else {
					sameBrand(t, got, br)
				}
				err = b.svc.Delete(ctx, sc, br.ID)
				expect("Delete", c.canDelete, err)
				_, gerr = b.svc.Get(ctx, sc, br.ID)
				if c.canDelete != apperr.Is(gerr, apperr.NotFound) {
					t.Errorf("Get after Delete as %s = %v", c.role, gerr)
				}
				if c.canDelete {
					if err := b.svc.Delete(ctx, sc, br.ID); !apperr.Is(err, apperr.NotFound) {
						t.Errorf("second Delete = %v, want not found", err)
					}
				}
			})
		}
		// A scope with no role, or no account, may do nothing.
		sc := b.user(t, tenant.Owner)
		br := b.create(t, sc, "Guarded")
		for _, bad := range []tenant.Scope{{AccountID: sc.AccountID, UserID: sc.UserID}, {UserID: sc.UserID, Role: tenant.Owner}} {
			if _, err := b.svc.Get(ctx, bad, br.ID); !apperr.Is(err, apperr.Forbidden) {
				t.Errorf("Get with scope %+v = %v, want forbidden", bad, err)
			}
			if _, err := b.svc.List(ctx, bad); !apperr.Is(err, apperr.Forbidden) {
				t.Errorf("List with scope %+v = %v, want forbidden", bad, err)
			}
		}
	})
}

func TestRoleChangeBySetRole(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		ctx := context.Background()
		owner := b.user(t, tenant.Owner)
		br := b.create(t, owner, "Shared")
		member := b.user(t, tenant.Owner)
		// The member joins the owner's account as admin, and is demoted by SetRole.
		if _, err := db.Exec(ctx, "INSERT INTO memberships (account_id, user_id, role, created_at) VALUES (?, ?, ?, ?)",
			owner.AccountID, member.UserID, tenant.Admin, store.Now()); err != nil {
			t.Fatal(err)
		}
		sc, err := b.accts.Scope(ctx, member.UserID, owner.AccountID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.svc.Update(ctx, sc, br.ID, brand.Input{Audience: ptr("Everyone")}); err != nil {
			t.Fatalf("admin Update = %v", err)
		}
		if err := b.accts.SetRole(ctx, owner, member.UserID, tenant.Viewer); err != nil {
			t.Fatal(err)
		}
		if sc, err = b.accts.Scope(ctx, member.UserID, owner.AccountID); err != nil {
			t.Fatal(err)
		}
		if _, err := b.svc.Update(ctx, sc, br.ID, brand.Input{Audience: ptr("No one")}); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("Update after demotion to viewer = %v, want forbidden", err)
		}
		if err := b.svc.Delete(ctx, sc, br.ID); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("Delete after demotion to viewer = %v, want forbidden", err)
		}
		got, err := b.svc.Get(ctx, sc, br.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Audience != "Everyone" {
			t.Errorf("Audience = %q, want the admin's edit only", got.Audience)
		}
	})
}

func TestFind(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		ctx := context.Background()
		sc := b.user(t, tenant.Owner)
		acme := b.create(t, sc, "Acme Candles")
		b.create(t, sc, "Other")
		cases := []struct {
			ref    string
			wantID string // "" means not found
		}{
			{acme.ID, acme.ID},
			{"Acme Candles", acme.ID},
			{"acme candles", acme.ID},
			{"  ACME CANDLES ", acme.ID},
			{"Acme", ""},
			{"", ""},
			{store.NewID(), ""},
			{"%", ""},
		}
		for _, c := range cases {
			got, err := b.svc.Find(ctx, sc, c.ref)
			if c.wantID == "" {
				if !apperr.Is(err, apperr.NotFound) {
					t.Errorf("Find(%q) = %v, %v; want not found", c.ref, got, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("Find(%q) = %v", c.ref, err)
				continue
			}
			if got.ID != c.wantID {
				t.Errorf("Find(%q) = %s (%s), want %s", c.ref, got.ID, got.Name, c.wantID)
			}
		}
	})
}

func TestList(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		ctx := context.Background()
		sc, other := b.user(t, tenant.Owner), b.user(t, tenant.Owner)
		empty, err := b.svc.List(ctx, sc)
		if err != nil || empty == nil || len(empty) != 0 {
			t.Fatalf("empty List = %#v, %v; want an empty, non-nil list", empty, err)
		}
		for _, n := range []string{"banana", "Cherry", "apricot", "Apple"} {
			b.create(t, sc, n)
		}
		b.create(t, other, "Aardvark")
		b.create(t, other, "zebra")
		list, err := b.svc.List(ctx, sc)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, br := range list {
			names = append(names, br.Name)
			if br.AccountID != sc.AccountID {
				t.Errorf("List returned %q of account %s", br.Name, br.AccountID)
			}
		}
		if want := []string{"Apple", "apricot", "banana", "Cherry"}; !slices.Equal(names, want) {
			t.Errorf("List = %q, want %q", names, want)
		}
	})
}
