package httpupload_test

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/httpupload"
)

var msg = httpupload.Messages{TooLarge: "too large", SecondFile: "one file", FieldAfter: "fields first", CutShort: "cut short"}

// body builds a multipart body: a file part, then what follows it.
func body(t *testing.T, after func(w *multipart.Writer)) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	fw, _ := w.CreateFormFile("file", "products.csv")
	io.WriteString(fw, "Handle,Title\nh,t\n")
	if after != nil {
		after(w)
	}
	w.Close()
	return w.FormDataContentType(), b.Bytes()
}

func read(t *testing.T, ct string, data []byte, limit int64, fileField string) (string, error) {
	t.Helper()
	req := httptest.NewRequest("POST", "/", bytes.NewReader(data))
	req.Header.Set("Content-Type", ct)
	if limit > 0 {
		req.Body = http.MaxBytesReader(httptest.NewRecorder(), req.Body, limit)
	}
	mr, err := req.MultipartReader()
	if err != nil {
		t.Fatal(err)
	}
	p, err := mr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	f := httpupload.New(p, mr, fileField, msg)
	if f.FileName() != "products.csv" || f.FormName() != "file" {
		t.Fatalf("names %q %q", f.FileName(), f.FormName())
	}
	got, err := io.ReadAll(f)
	return string(got), err
}

func TestFile(t *testing.T) {
	ct, whole := body(t, nil)
	if got, err := read(t, ct, whole, 0, ""); err != nil || got != "Handle,Title\nh,t\n" {
		t.Fatalf("whole upload = %q, %v", got, err)
	}
	cases := []struct {
		name      string
		after     func(w *multipart.Writer)
		cut       int
		limit     int64
		fileField string
		code      apperr.Code
		message   string
	}{
		{"second file", func(w *multipart.Writer) { fw, _ := w.CreateFormFile("other", "b.csv"); io.WriteString(fw, "x") }, 0, 0, "", apperr.Invalid, "one file"},
		{"field named like the file field", func(w *multipart.Writer) { w.WriteField("file", "x") }, 0, 0, "file", apperr.Invalid, "one file"},
		{"field after the file", func(w *multipart.Writer) { w.WriteField("format", "shopify") }, 0, 0, "", apperr.Invalid, "fields first"},
		{"cut short", nil, 40, 0, "", apperr.Invalid, "cut short"},
		{"over the limit", nil, 0, -30, "", apperr.TooLarge, "too large"}, // limit: 30 bytes short of the body
	}
	for _, c := range cases {
		ct, data := body(t, c.after)
		if c.cut > 0 {
			data = data[:len(data)-c.cut]
		}
		limit := c.limit
		if limit < 0 {
			limit += int64(len(data))
		}
		_, err := read(t, ct, data, limit, c.fileField)
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != c.code || !strings.Contains(ae.Message, c.message) {
			t.Errorf("%s: err = %v, want %s %q", c.name, err, c.code, c.message)
		}
	}
}
