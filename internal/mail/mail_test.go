package mail_test

import (
	"context"
	"fmt"
	"mime"
	"net"
	netmail "net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/plutopro/plutopro/internal/jobs"
	"github.com/plutopro/plutopro/internal/mail"
	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/store/storetest"
)

const (
	smtpPassword = "smtp-pa55-canary"
	fromAddr     = "noreply@plutopro.example.com"
)

func smtpURL(addr string) string { return "smtp://mailer:" + smtpPassword + "@" + addr }

func newSender(t *testing.T, f *fakeSMTP) *mail.SMTPSender {
	t.Helper()
	s, err := mail.NewSMTPSender(smtpURL(f.Addr), fromAddr)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func noPassword(t *testing.T, what string, s string) {
	t.Helper()
	if strings.Contains(s, smtpPassword) {
		t.Errorf("%s contains the SMTP password: %q", what, s)
	}
}

func TestNewSMTPSender(t *testing.T) {
	cases := []struct {
		url, from string
		wantErr   string // "" means valid
	}{
		{"smtp://user:pass@mail.example.com:587", fromAddr, ""},
		{"smtps://user:pass@mail.example.com:465", fromAddr, ""},
		{"smtp://mail.example.com", fromAddr, ""},
		{"smtp://u:" + smtpPassword + "@mail.example.com", "PlutoPro <noreply@example.com>", ""},
		{"", fromAddr, "SMTP_URL"},
		{"mail.example.com:587", fromAddr, "SMTP_URL"},
		{"http://u:" + smtpPassword + "@mail.example.com", fromAddr, "SMTP_URL"},
		{"smtp://u:" + smtpPassword + "@", fromAddr, "SMTP_URL"},
		{"smtp://u:" + smtpPassword + "@mail.example.com:bad", fromAddr, "SMTP_URL"},
		{"smtp:///path", fromAddr, "SMTP_URL"},
		{"smtp://mail.example.com", "", "PLUTOPRO_MAIL_FROM"},
		{"smtp://mail.example.com", "not an address", "PLUTOPRO_MAIL_FROM"},
	}
	for _, c := range cases {
		t.Run(c.url+" "+c.from, func(t *testing.T) {
			s, err := mail.NewSMTPSender(c.url, c.from)
			if c.wantErr == "" {
				if err != nil || s == nil {
					t.Fatalf("NewSMTPSender = %v, want a sender", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("NewSMTPSender accepted %q, %q", c.url, c.from)
			}
			if !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("error %q does not name %s", err, c.wantErr)
			}
			noPassword(t, "error", err.Error())
		})
	}
}

func receive(t *testing.T, f *fakeSMTP) fakeMsg {
	t.Helper()
	select {
	case m := <-f.received:
		return m
	case <-time.After(20 * time.Second):
		t.Fatal("the SMTP server received no message")
		return fakeMsg{}
	}
}

func TestSend(t *testing.T) {
	f := newFakeSMTP(t)
	s := newSender(t, f)
	ctx := context.Background()
	subject := "Réinitialisez votre mot de passe ☕"
	body := "Hello Ada,\n.hidden line\n..two dots\n.\n\nReset: https://x.test/reset?t=abc\r\nBye"
	start := time.Now()
	if err := s.Send(ctx, mail.Message{ID: "01-msg", To: "ada@example.com", Subject: subject, Body: body}); err != nil {
		t.Fatal(err)
	}
	got := receive(t, f)

	if got.Auth != "\x00mailer\x00"+smtpPassword {
		t.Errorf("AUTH PLAIN = %q", got.Auth)
	}
	if got.From != fromAddr || !slices.Equal(got.To, []string{"ada@example.com"}) {
		t.Errorf("envelope from %q to %q", got.From, got.To)
	}
	// Lines starting with a dot are stuffed once on the wire.
	for _, want := range []string{"..hidden line", "...two dots", ".."} {
		if !slices.Contains(got.Raw, want) {
			t.Errorf("DATA has no stuffed line %q: %q", want, got.Raw)
		}
	}
	for _, l := range got.Raw {
		if len(l) > 998 {
			t.Errorf("line longer than 998 octets: %d", len(l))
		}
	}

	msg, err := netmail.ReadMessage(strings.NewReader(got.Data))
	if err != nil {
		t.Fatalf("parse message: %v\n%s", err, got.Data)
	}
	h := msg.Header
	if a, err := netmail.ParseAddress(h.Get("From")); err != nil || a.Address != fromAddr {
		t.Errorf("From = %q (%v)", h.Get("From"), err)
	}
	if a, err := netmail.ParseAddress(h.Get("To")); err != nil || a.Address != "ada@example.com" {
		t.Errorf("To = %q (%v)", h.Get("To"), err)
	}
	raw := h.Get("Subject")
	for _, r := range raw {
		if r > 127 {
			t.Errorf("Subject header is not ASCII: %q", raw)
			break
		}
	}
	if dec, err := new(mime.WordDecoder).DecodeHeader(raw); err != nil || dec != subject {
		t.Errorf("Subject = %q, decodes to %q (%v); want %q", raw, dec, err, subject)
	}
	if d, err := h.Date(); err != nil || d.Before(start.Add(-2*time.Second)) || d.After(time.Now().Add(2*time.Second)) {
		t.Errorf("Date = %q (%v), want now", h.Get("Date"), err)
	}
	if id := h.Get("Message-ID"); id != "<01-msg@plutopro>" {
		t.Errorf("Message-ID = %q", id)
	}
	if ct := h.Get("Content-Type"); !strings.Contains(ct, "charset=utf-8") {
		t.Errorf("Content-Type = %q", ct)
	}
	b := new(strings.Builder)
	if _, err := fmt.Fprint(b, readAll(t, msg)); err != nil {
		t.Fatal(err)
	}
	gotBody := strings.ReplaceAll(b.String(), "\r\n", "\n")
	wantBody := strings.ReplaceAll(body, "\r\n", "\n") + "\n"
	if gotBody != wantBody {
		t.Errorf("body = %q\nwant   %q", gotBody, wantBody)
	}
}

func readAll(t *testing.T, m *netmail.Message) string {
	t.Helper()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := m.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return b.String()
}

func TestSendHeaderInjection(t *testing.T) {
	f := newFakeSMTP(t)
	s := newSender(t, f)
	if err := s.Send(context.Background(), mail.Message{ID: "inj", To: "ada@example.com",
		Subject: "Hello\r\nBcc: evil@example.com\nX-Evil: 1", Body: "hi"}); err != nil {
		t.Fatal(err)
	}
	got := receive(t, f)
	msg, err := netmail.ReadMessage(strings.NewReader(got.Data))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Header.Get("Bcc") != "" || msg.Header.Get("X-Evil") != "" {
		t.Errorf("subject injected headers: %v", msg.Header)
	}
	if !strings.HasPrefix(msg.Header.Get("Subject"), "Hello") || !slices.Equal(got.To, []string{"ada@example.com"}) {
		t.Errorf("Subject %q, recipients %q", msg.Header.Get("Subject"), got.To)
	}
}

// PLUTOPRO_MAIL_FROM may carry a display name (config accepts one): the
// envelope sender is still the bare address, and the From header shows the name.
func TestSendFrom(t *testing.T) {
	cases := []struct {
		from, wantAddr, wantName string
	}{
		{"noreply@acme.example", "noreply@acme.example", "PlutoPro"},
		{"Acme Support <support@acme.example>", "support@acme.example", "Acme Support"},
		{`"Acme, Inc." <support@acme.example>`, "support@acme.example", "Acme, Inc."},
		{"=?utf-8?q?Caf=C3=A9_Lumi=C3=A8re?= <hello@cafe.example>", "hello@cafe.example", "Café Lumière"},
	}
	for _, c := range cases {
		t.Run(c.from, func(t *testing.T) {
			f := newFakeSMTP(t)
			s, err := mail.NewSMTPSender(smtpURL(f.Addr), c.from)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Send(context.Background(), mail.Message{ID: "dn", To: "ada@example.com", Subject: "Hi", Body: "hi"}); err != nil {
				t.Fatalf("Send = %v", err)
			}
			got := receive(t, f)
			if got.From != c.wantAddr {
				t.Errorf("envelope sender = %q, want %q", got.From, c.wantAddr)
			}
			msg, err := netmail.ReadMessage(strings.NewReader(got.Data))
			if err != nil {
				t.Fatal(err)
			}
			a, err := netmail.ParseAddress(msg.Header.Get("From"))
			if err != nil || a.Address != c.wantAddr || a.Name != c.wantName {
				t.Errorf("From header %q = %+v (%v), want %s <%s>", msg.Header.Get("From"), a, err, c.wantName, c.wantAddr)
			}
		})
	}
}

func TestSendErrors(t *testing.T) {
	closed := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		return addr
	}()
	cases := []struct {
		name  string
		setup func(f *fakeSMTP) string // returns the server address
		want  string
	}{
		{"auth refused", func(f *fakeSMTP) string { f.setAuthFail(true); return f.Addr }, "auth"},
		{"recipient deferred", func(f *fakeSMTP) string { f.setRcptFault(true); return f.Addr }, "451"},
		{"connection refused", func(f *fakeSMTP) string { return closed }, "connect"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeSMTP(t)
			s, err := mail.NewSMTPSender(smtpURL(c.setup(f)), fromAddr)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err = s.Send(ctx, mail.Message{ID: "e", To: "ada@example.com", Subject: "s", Body: "b"})
			if err == nil {
				t.Fatal("Send succeeded")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
			noPassword(t, "error", err.Error())
			if n := len(f.messages()); n != 0 {
				t.Errorf("server received %d messages", n)
			}
		})
	}
}

type outboxRow struct {
	sentAt    *time.Time
	attempts  int
	lastError string
}

func loadRow(t *testing.T, db *store.DB, id string) outboxRow {
	t.Helper()
	var r outboxRow
	if err := db.QueryRow(context.Background(), "SELECT sent_at, attempts, last_error FROM outbox WHERE id = ?", id).
		Scan(&r.sentAt, &r.attempts, &r.lastError); err != nil {
		t.Fatalf("load outbox %s: %v", id, err)
	}
	return r
}

func countJobs(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), "SELECT COUNT(*) FROM river_job").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestOutboxWithoutSender(t *testing.T) {
	storetest.Each(t, jobs.Migrate, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		jc, err := jobs.New(db, jobs.Options{Workers: river.NewWorkers()})
		if err != nil {
			t.Fatal(err)
		}
		o := mail.NewOutbox(db, jc, nil)
		if o.Sends() {
			t.Error("Sends() = true without a sender")
		}
		var id string
		if err := db.Tx(ctx, func(tx *store.Tx) error {
			var err error
			id, err = o.Add(ctx, tx, mail.Message{To: "ada@example.com", Subject: "Reset", Body: "Link", Kind: "password_reset"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if n := countJobs(t, db); n != 0 {
			t.Errorf("river_job rows = %d, want 0 without a sender", n)
		}
		// A message added in a rolled-back transaction does not exist.
		_ = db.Tx(ctx, func(tx *store.Tx) error {
			if _, err := o.Add(ctx, tx, mail.Message{To: "ghost@example.com", Subject: "x", Body: "x", Kind: "k"}); err != nil {
				t.Fatal(err)
			}
			return fmt.Errorf("roll back")
		})
		// A bad recipient is refused.
		if err := db.Tx(ctx, func(tx *store.Tx) error {
			_, err := o.Add(ctx, tx, mail.Message{To: "not an address", Subject: "x", Body: "x", Kind: "k"})
			return err
		}); err == nil {
			t.Error("Add accepted a bad recipient")
		}
		msgs, err := o.Recent(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 1 {
			t.Fatalf("Recent = %d messages, want 1: %+v", len(msgs), msgs)
		}
		m := msgs[0]
		if m.ID != id || m.To != "ada@example.com" || m.Subject != "Reset" || m.Body != "Link" || m.Kind != "password_reset" ||
			m.SentAt != nil || m.Attempts != 0 || m.CreatedAt.IsZero() {
			t.Errorf("stored message = %+v", m)
		}
	})
}

func waitEvent(t *testing.T, events <-chan *river.Event, jobID int64, kind river.EventKind) *river.Event {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.Job != nil && ev.Job.ID == jobID && ev.Kind == kind {
				return ev
			}
			if ev.Job != nil && ev.Job.ID == jobID {
				t.Fatalf("job %d: event %s, want %s", jobID, ev.Kind, kind)
			}
		case <-timeout:
			t.Fatalf("job %d: no %s event", jobID, kind)
			return nil
		}
	}
}

// startClient starts a River client working mail jobs for o.
func startClient(t *testing.T, db *store.DB, o *mail.Outbox) (*jobs.Client, <-chan *river.Event) {
	t.Helper()
	workers := river.NewWorkers()
	river.AddWorker(workers, &mail.SendWorker{Outbox: o})
	jc, err := jobs.New(db, jobs.Options{Workers: workers, Work: true, Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	events, cancel := jc.River().Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled)
	t.Cleanup(cancel)
	if err := jc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = jc.Stop(ctx)
	})
	return jc, events
}

func addMessage(t *testing.T, db *store.DB, o *mail.Outbox, to string) (msgID string, jobID int64) {
	t.Helper()
	ctx := context.Background()
	before := countJobs(t, db)
	if err := db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		msgID, err = o.Add(ctx, tx, mail.Message{To: to, Subject: "Your link", Body: "Click\n.here", Kind: "password_reset"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(ctx, "SELECT MAX(id) FROM river_job").Scan(&jobID); err != nil {
		t.Fatal(err)
	}
	if after := countJobs(t, db); after != before+1 {
		t.Fatalf("river_job rows %d → %d, want one job enqueued by Add", before, after)
	}
	return msgID, jobID
}

func TestSendWorker(t *testing.T) {
	storetest.Each(t, jobs.Migrate, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFakeSMTP(t)
		o := mail.NewOutbox(db, nil, newSender(t, f))
		if !o.Sends() {
			t.Fatal("Sends() = false with a sender")
		}
		jc, events := startClient(t, db, o)
		o.SetJobs(jc)

		t.Run("delivers once", func(t *testing.T) {
			msgID, jobID := addMessage(t, db, o, "ada@example.com")
			waitEvent(t, events, jobID, river.EventKindJobCompleted)
			msgs := f.messages()
			if len(msgs) != 1 || !slices.Equal(msgs[0].To, []string{"ada@example.com"}) {
				t.Fatalf("server received %+v, want one message to ada", msgs)
			}
			if !strings.Contains(msgs[0].Data, "Message-ID: <"+msgID+"@plutopro>") {
				t.Errorf("delivered message is not %s:\n%s", msgID, msgs[0].Data)
			}
			r := loadRow(t, db, msgID)
			if r.sentAt == nil || r.attempts != 1 || r.lastError != "" {
				t.Errorf("outbox row = sent %v, attempts %d, last error %q; want sent, 1, none", r.sentAt, r.attempts, r.lastError)
			}
			<-f.received
		})

		t.Run("fault, then retry", func(t *testing.T) {
			f.setRcptFault(true)
			msgID, jobID := addMessage(t, db, o, "bob@example.com")
			waitEvent(t, events, jobID, river.EventKindJobFailed)
			// Stop River so its own retry does not race the manual one below.
			stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			if err := jc.Stop(stopCtx); err != nil {
				t.Fatal(err)
			}
			if n := len(f.messages()); n != 1 {
				t.Fatalf("server has %d messages during the fault, want still 1", n)
			}
			r := loadRow(t, db, msgID)
			if r.sentAt != nil || r.attempts != 1 || !strings.Contains(r.lastError, "451") {
				t.Errorf("after the fault: sent %v, attempts %d, last error %q; want unsent, 1, a 451", r.sentAt, r.attempts, r.lastError)
			}
			noPassword(t, "last_error", r.lastError)
			job, err := jc.River().JobGet(ctx, jobID)
			if err != nil {
				t.Fatal(err)
			}
			// River marks a job due soon "available" rather than "retryable".
			if (job.State != "retryable" && job.State != "available") || job.Attempt != 1 || len(job.Errors) != 1 || !strings.Contains(job.Errors[0].Error, "451") {
				t.Errorf("job after the fault: state %s, attempt %d, errors %+v", job.State, job.Attempt, job.Errors)
			}
			for _, e := range job.Errors {
				noPassword(t, "job error", e.Error)
			}

			// The fault clears; the retry sends it.
			f.setRcptFault(false)
			w := &mail.SendWorker{Outbox: o}
			rj := &river.Job[mail.SendArgs]{JobRow: job, Args: mail.SendArgs{MessageID: msgID}}
			if err := w.Work(ctx, rj); err != nil {
				t.Fatalf("retry: %v", err)
			}
			if msgs := f.messages(); len(msgs) != 2 || !slices.Equal(msgs[1].To, []string{"bob@example.com"}) {
				t.Fatalf("after the retry the server has %+v", msgs)
			}
			<-f.received
			r = loadRow(t, db, msgID)
			if r.sentAt == nil || r.attempts != 2 || r.lastError != "" {
				t.Errorf("after the retry: sent %v, attempts %d, last error %q; want sent, 2, none", r.sentAt, r.attempts, r.lastError)
			}

			// Running the job again (a duplicate run) sends nothing.
			if err := w.Work(ctx, rj); err != nil {
				t.Fatalf("second run: %v", err)
			}
			// So does River's own retry of the job, on a fresh client.
			jc2, events2 := startClient(t, db, o)
			if _, err := jc2.River().JobRetry(ctx, jobID); err != nil {
				t.Fatal(err)
			}
			waitEvent(t, events2, jobID, river.EventKindJobCompleted)
			if n := len(f.messages()); n != 2 {
				t.Errorf("server has %d messages after the job ran again, want 2", n)
			}
			if r2 := loadRow(t, db, msgID); r2.attempts != 2 || !r2.sentAt.Equal(*r.sentAt) {
				t.Errorf("a run of a sent message changed it: %+v, was %+v", r2, r)
			}
		})
	})
}

func TestWorkerErrorsKeepPasswordOut(t *testing.T) {
	storetest.Each(t, jobs.Migrate, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFakeSMTP(t)
		f.setAuthFail(true)
		o := mail.NewOutbox(db, nil, newSender(t, f))
		var msgID string
		if err := db.Tx(ctx, func(tx *store.Tx) error {
			var err error
			msgID, err = o.Add(ctx, tx, mail.Message{To: "ada@example.com", Subject: "s", Body: "b", Kind: "k"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		err := (&mail.SendWorker{Outbox: o}).Work(ctx, &river.Job[mail.SendArgs]{Args: mail.SendArgs{MessageID: msgID}})
		if err == nil {
			t.Fatal("Work succeeded with auth refused")
		}
		noPassword(t, "error", err.Error())
		r := loadRow(t, db, msgID)
		if r.attempts != 1 || r.lastError == "" || r.sentAt != nil {
			t.Errorf("outbox row = %+v, want one failed attempt recorded", r)
		}
		noPassword(t, "last_error", r.lastError)
	})
}
