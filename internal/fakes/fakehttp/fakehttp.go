// Package fakehttp holds the HTTP plumbing every fake server shares: a
// response writer that remembers the status answered (for the request
// recorders) and the dropped-connection fault.
package fakehttp

import "net/http"

// StatusWriter remembers the status written; 0 until something is.
type StatusWriter struct {
	http.ResponseWriter
	Status int
}

// WriteHeader records the first status.
func (w *StatusWriter) WriteHeader(code int) {
	if w.Status == 0 {
		w.Status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write records an implicit 200.
func (w *StatusWriter) Write(b []byte) (int, error) {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush passes a flush on, for streamed answers.
func (w *StatusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *StatusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Drop closes the client's connection without an answer, as a server
// that dies mid-request does. Where the connection cannot be taken over
// it aborts the handler, which also closes it.
func Drop(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		conn.Close()
		return
	}
	panic(http.ErrAbortHandler)
}
