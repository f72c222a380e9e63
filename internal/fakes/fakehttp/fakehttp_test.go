package fakehttp

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestStatusWriter(t *testing.T) {
	for name, h := range map[string]func(http.ResponseWriter){
		"explicit": func(w http.ResponseWriter) { w.WriteHeader(http.StatusTeapot); w.WriteHeader(http.StatusOK) },
		"implicit": func(w http.ResponseWriter) { _, _ = io.WriteString(w, "x") },
	} {
		rec := httptest.NewRecorder()
		sw := &StatusWriter{ResponseWriter: rec}
		h(sw)
		want := map[string]int{"explicit": http.StatusTeapot, "implicit": http.StatusOK}[name]
		if sw.Status != want {
			t.Errorf("%s: Status = %d, want %d", name, sw.Status, want)
		}
	}
}

func TestDrop(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		Drop(&StatusWriter{ResponseWriter: w})
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got an answer (%s), want a dropped connection", resp.Status)
	}
	if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Logf("dropped: %v", err)
	}
}
