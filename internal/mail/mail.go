// Package mail keeps an outbox of emails. Services add a message inside their
// own transaction; with SMTP configured a River job sends it, otherwise it
// stays listed for the operator (so password reset works on the embedded
// default with no mail server).
package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"

	"github.com/plutopro/plutopro/internal/jobs"
	"github.com/plutopro/plutopro/internal/store"
)

// Message is one email.
type Message struct {
	ID        string
	To        string
	Subject   string
	Body      string
	Kind      string // password_reset, invitation, ...
	CreatedAt time.Time
	SentAt    *time.Time
	Attempts  int
	LastError string
}

// Outbox stores and sends messages.
type Outbox struct {
	db     *store.DB
	jobs   *jobs.Client
	sender *SMTPSender // nil: keep messages for the operator
}

// NewOutbox returns an outbox. sender may be nil.
func NewOutbox(db *store.DB, jc *jobs.Client, sender *SMTPSender) *Outbox {
	return &Outbox{db: db, jobs: jc, sender: sender}
}

// Sends reports whether messages are sent over SMTP (false: listed for the operator).
func (o *Outbox) Sends() bool { return o.sender != nil }

// SetJobs sets the job client after construction (the client needs the
// outbox's worker first).
func (o *Outbox) SetJobs(jc *jobs.Client) { o.jobs = jc }

// Add stores m inside tx and, when SMTP is configured, enqueues its sending in
// the same transaction.
func (o *Outbox) Add(ctx context.Context, tx *store.Tx, m Message) (string, error) {
	if _, err := mail.ParseAddress(m.To); err != nil {
		return "", fmt.Errorf("mail: bad recipient: %w", err)
	}
	id := store.NewID()
	if _, err := tx.Exec(ctx, `INSERT INTO outbox (id, to_addr, subject, body_text, kind, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, id, m.To, m.Subject, m.Body, m.Kind, tx.Now()); err != nil {
		return "", fmt.Errorf("mail: add to outbox: %w", err)
	}
	if o.sender != nil && o.jobs != nil {
		if _, err := o.jobs.InsertTx(ctx, tx, SendArgs{MessageID: id}, nil); err != nil {
			return "", err
		}
	}
	return id, nil
}

// Recent lists the newest messages, newest first.
func (o *Outbox) Recent(ctx context.Context, limit int) ([]Message, error) {
	rows, err := o.db.Query(ctx, `SELECT id, to_addr, subject, body_text, kind, created_at, sent_at, attempts, last_error
		FROM outbox ORDER BY created_at DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("mail: list outbox: %w", err)
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		if err := rows.Scan(&m.ID, &m.To, &m.Subject, &m.Body, &m.Kind, &m.CreatedAt, &m.SentAt, &m.Attempts, &m.LastError); err != nil {
			return nil, fmt.Errorf("mail: scan outbox: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// SendArgs is the job that sends one outbox message.
type SendArgs struct {
	MessageID string `json:"message_id"`
}

// Kind names the job.
func (SendArgs) Kind() string { return "mail_send" }

// SendWorker sends outbox messages over SMTP.
type SendWorker struct {
	river.WorkerDefaults[SendArgs]
	Outbox *Outbox
}

// Work sends one message, once: a message already marked sent is skipped.
func (w *SendWorker) Work(ctx context.Context, j *river.Job[SendArgs]) error {
	o := w.Outbox
	if o.sender == nil {
		return nil
	}
	var m Message
	err := o.db.QueryRow(ctx, `SELECT id, to_addr, subject, body_text, sent_at FROM outbox WHERE id = ?`, j.Args.MessageID).
		Scan(&m.ID, &m.To, &m.Subject, &m.Body, &m.SentAt)
	if err != nil {
		return fmt.Errorf("mail: load message: %w", err)
	}
	if m.SentAt != nil {
		return nil
	}
	sendErr := o.sender.Send(ctx, m)
	if sendErr != nil {
		_, _ = o.db.Exec(ctx, `UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?`, truncate(sendErr.Error(), 500), m.ID)
		return sendErr
	}
	_, err = o.db.Exec(ctx, `UPDATE outbox SET attempts = attempts + 1, sent_at = ?, last_error = '' WHERE id = ?`, store.Now(), m.ID)
	return err
}

// truncate cuts s to at most n bytes without splitting a UTF-8 character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// SMTPSender sends over SMTP: smtp://user:pass@host:587 (STARTTLS when the
// server offers it) or smtps://user:pass@host:465 (implicit TLS).
type SMTPSender struct {
	u          *url.URL
	from       string // bare address, the envelope sender
	fromHeader string // the From header: "PlutoPro" <from>, or the name PLUTOPRO_MAIL_FROM gives
}

// NewSMTPSender parses SMTP_URL. from is the sender address.
func NewSMTPSender(rawURL, from string) (*SMTPSender, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Host == "" {
		return nil, errors.New("SMTP_URL must look like smtp://user:pass@host:587 or smtps://user:pass@host:465")
	}
	a, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("PLUTOPRO_MAIL_FROM: %q is not an email address", from)
	}
	if a.Name == "" {
		a.Name = "PlutoPro"
	}
	return &SMTPSender{u: u, from: a.Address, fromHeader: a.String()}, nil
}

// Send delivers one message.
func (s *SMTPSender) Send(ctx context.Context, m Message) error {
	host := s.u.Hostname()
	addr := s.u.Host
	if s.u.Port() == "" {
		if s.u.Scheme == "smtps" {
			addr = net.JoinHostPort(host, "465")
		} else {
			addr = net.JoinHostPort(host, "587")
		}
	}
	d := net.Dialer{Timeout: 15 * time.Second}
	var conn net.Conn
	var err error
	if s.u.Scheme == "smtps" {
		conn, err = (&tls.Dialer{NetDialer: &d, Config: &tls.Config{ServerName: host}}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return fmt.Errorf("mail: connect to SMTP server: %w", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	} else {
		_ = conn.SetDeadline(time.Now().Add(time.Minute))
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("mail: SMTP greeting: %w", err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok && s.u.Scheme == "smtp" {
		if err := c.StartTLS(&tls.Config{ServerName: host}); err != nil {
			return fmt.Errorf("mail: STARTTLS: %w", err)
		}
	}
	if s.u.User != nil {
		pw, _ := s.u.User.Password()
		if err := c.Auth(smtp.PlainAuth("", s.u.User.Username(), pw, host)); err != nil {
			return fmt.Errorf("mail: SMTP auth refused")
		}
	}
	if err := c.Mail(s.from); err != nil {
		return fmt.Errorf("mail: MAIL FROM: %w", err)
	}
	if err := c.Rcpt(m.To); err != nil {
		return fmt.Errorf("mail: RCPT TO: %w", err)
	}
	wc, err := c.Data()
	if err != nil {
		return fmt.Errorf("mail: DATA: %w", err)
	}
	if _, err := wc.Write(format(s.fromHeader, m)); err != nil {
		return fmt.Errorf("mail: write message: %w", err)
	}
	if err := wc.Close(); err != nil {
		return fmt.Errorf("mail: end message: %w", err)
	}
	return c.Quit()
}

func format(fromHeader string, m Message) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\n", fromHeader)
	fmt.Fprintf(&b, "To: %s\r\n", m.To)
	fmt.Fprintf(&b, "Subject: %s\r\n", mimeHeader(m.Subject))
	fmt.Fprintf(&b, "Date: %s\r\n", time.Now().UTC().Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s@plutopro>\r\n", m.ID)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	// No dot-stuffing here: the writer smtp.Client.Data returns does it.
	body := strings.ReplaceAll(m.Body, "\r\n", "\n")
	for _, line := range strings.Split(body, "\n") {
		b.WriteString(line + "\r\n")
	}
	return []byte(b.String())
}

func mimeHeader(s string) string {
	s = strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
	for _, r := range s {
		if r > 127 {
			return mime.QEncoding.Encode("utf-8", s)
		}
	}
	return s
}
