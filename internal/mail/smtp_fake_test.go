package mail_test

import (
	"encoding/base64"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
)

// fakeSMTP is a tiny SMTP server on 127.0.0.1 that records what it receives:
// EHLO offers AUTH PLAIN (and no STARTTLS), DATA is dot-unstuffed.
type fakeSMTP struct {
	Addr string

	mu        sync.Mutex
	rcptFault bool // answer 451 to RCPT
	authFail  bool // answer 535 to AUTH
	msgs      []fakeMsg
	received  chan fakeMsg
	wg        sync.WaitGroup
}

type fakeMsg struct {
	Auth     string   // decoded AUTH PLAIN response: "\x00user\x00pass"
	From     string   // envelope sender
	FromArgs string   // MAIL parameters, e.g. BODY=8BITMIME
	To       []string // envelope recipients
	Raw      []string // DATA lines as sent, still dot-stuffed
	Data     string   // DATA after unstuffing, lines joined by CRLF
}

func newFakeSMTP(t *testing.T) *fakeSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSMTP{Addr: ln.Addr().String(), received: make(chan fakeMsg, 100)}
	f.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.wg.Go(func() { f.serve(c) })
		}
	})
	t.Cleanup(func() {
		ln.Close()
		f.wg.Wait()
	})
	return f
}

func (f *fakeSMTP) setRcptFault(v bool) { f.mu.Lock(); f.rcptFault = v; f.mu.Unlock() }
func (f *fakeSMTP) setAuthFail(v bool)  { f.mu.Lock(); f.authFail = v; f.mu.Unlock() }

func (f *fakeSMTP) messages() []fakeMsg {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeMsg(nil), f.msgs...)
}

func (f *fakeSMTP) serve(c net.Conn) {
	tc := textproto.NewConn(c)
	defer tc.Close()
	reply := func(format string, args ...any) bool { return tc.PrintfLine(format, args...) == nil }
	if !reply("220 fake.test ESMTP ready") {
		return
	}
	var auth string
	var cur fakeMsg
	for {
		line, err := tc.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		f.mu.Lock()
		rcptFault, authFail := f.rcptFault, f.authFail
		f.mu.Unlock()
		switch strings.ToUpper(verb) {
		case "EHLO":
			reply("250-fake.test greets %s", arg)
			reply("250-8BITMIME")
			reply("250 AUTH PLAIN")
		case "HELO":
			reply("250 fake.test")
		case "AUTH":
			mech, ir, _ := strings.Cut(arg, " ")
			if !strings.EqualFold(mech, "PLAIN") {
				reply("504 5.5.4 unrecognized authentication type")
				continue
			}
			if ir == "" {
				reply("334 ")
				if ir, err = tc.ReadLine(); err != nil {
					return
				}
			}
			dec, err := base64.StdEncoding.DecodeString(ir)
			if err != nil {
				reply("501 5.5.2 bad base64")
				continue
			}
			if authFail {
				reply("535 5.7.8 authentication credentials invalid")
				continue
			}
			auth = string(dec)
			reply("235 2.7.0 authenticated")
		case "MAIL":
			from, params, ok := parsePath(arg, "FROM:")
			if !ok {
				reply("501 5.5.4 syntax: MAIL FROM:<address>")
				continue
			}
			cur = fakeMsg{Auth: auth, From: from, FromArgs: params}
			reply("250 2.1.0 ok")
		case "RCPT":
			to, _, ok := parsePath(arg, "TO:")
			switch {
			case !ok:
				reply("501 5.5.4 syntax: RCPT TO:<address>")
			case rcptFault:
				reply("451 4.3.0 mailbox temporarily unavailable")
			default:
				cur.To = append(cur.To, to)
				reply("250 2.1.5 ok")
			}
		case "DATA":
			if cur.From == "" || len(cur.To) == 0 {
				reply("503 5.5.1 need MAIL and RCPT first")
				continue
			}
			reply("354 end data with <CR><LF>.<CR><LF>")
			var raw, lines []string
			for {
				l, err := tc.ReadLine()
				if err != nil {
					return
				}
				if l == "." {
					break
				}
				raw = append(raw, l)
				lines = append(lines, strings.TrimPrefix(l, ".")) // dot-unstuffing
			}
			cur.Raw, cur.Data = raw, strings.Join(lines, "\r\n")+"\r\n"
			f.mu.Lock()
			f.msgs = append(f.msgs, cur)
			f.mu.Unlock()
			f.received <- cur
			cur = fakeMsg{}
			reply("250 2.0.0 queued")
		case "RSET":
			cur = fakeMsg{}
			reply("250 2.0.0 ok")
		case "NOOP":
			reply("250 2.0.0 ok")
		case "QUIT":
			reply("221 2.0.0 bye")
			return
		default:
			reply("502 5.5.2 command not recognized")
		}
	}
}

// parsePath splits "FROM:<a@b> PARAMS" into the address and parameters.
func parsePath(arg, prefix string) (addr, params string, ok bool) {
	if len(arg) < len(prefix) || !strings.EqualFold(arg[:len(prefix)], prefix) {
		return "", "", false
	}
	rest := strings.TrimSpace(arg[len(prefix):])
	if !strings.HasPrefix(rest, "<") {
		return "", "", false
	}
	end := strings.IndexByte(rest, '>')
	if end < 0 {
		return "", "", false
	}
	addr = rest[1:end]
	if strings.ContainsAny(addr, "<> ") {
		return "", "", false // a display name or broken path, which real servers refuse
	}
	return addr, strings.TrimSpace(rest[end+1:]), true
}
