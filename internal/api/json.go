package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/brand"
	"github.com/plutopro/plutopro/internal/telemetry"
)

// maxBody is the largest request body the API reads.
const maxBody = 1 << 20

// handler is an endpoint. It writes its response, or returns an error
// (before writing anything) that serve turns into the JSON error response.
type handler func(w http.ResponseWriter, r *http.Request) error

// serve adapts h to http.Handler, writing the errors it returns.
func (s *server) serve(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// decode reads the request body as one JSON value of type T, strictly: the
// Content-Type must be application/json, the body at most 1 MiB, every field
// known to T, and nothing may follow the value.
func decode[T any](w http.ResponseWriter, r *http.Request) (T, error) {
	var v T
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return v, apperr.E(codeUnsupportedMediaType, "Send the request body as JSON, with Content-Type: application/json.")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return v, apperr.E(apperr.TooLarge, "The request body is larger than 1 MiB.")
		}
		return v, apperr.Wrap(apperr.Invalid, err, "The request body could not be read.")
	}
	switch string(bytes.TrimSpace(body)) {
	case "":
		return v, apperr.E(apperr.Invalid, "The request body is empty; send a JSON object.")
	case "null":
		return v, apperr.E(apperr.Invalid, "The request body must be a JSON object, not null.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return v, jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return v, apperr.E(apperr.Invalid, "The request body must hold one JSON value and nothing after it.")
	}
	return v, nil
}

// jsonError turns a decoding error into an Invalid error whose message says
// what is wrong and where.
func jsonError(err error) error {
	if e, ok := errors.AsType[*json.SyntaxError](err); ok {
		return apperr.Wrap(apperr.Invalid, err, fmt.Sprintf("The request body is not valid JSON (at byte %d).", e.Offset))
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return apperr.Wrap(apperr.Invalid, err, "The request body is not valid JSON (it ends early).")
	}
	if e, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		if e.Field == "" {
			return apperr.Wrap(apperr.Invalid, err, fmt.Sprintf("The request body must be a JSON object, not %s.", e.Value))
		}
		return apperr.Wrap(apperr.Invalid, err, fmt.Sprintf("The field %q must be %s, not %s.", truncate(e.Field, 80), jsonKind(e.Type), e.Value))
	}
	// encoding/json reports unknown fields only as text: json: unknown field "x".
	if name, ok := strings.CutPrefix(err.Error(), `json: unknown field "`); ok {
		name = strings.TrimSuffix(name, `"`)
		return apperr.Wrap(apperr.Invalid, err, fmt.Sprintf("Unknown field %q in the request body.", truncate(name, 80)))
	}
	return apperr.Wrap(apperr.Invalid, err, "The request body is not valid JSON.")
}

// jsonKind names the JSON form of a Go type.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Bool:
		return "true or false"
	}
	return "a number"
}

// encode writes v as JSON with the status.
func encode[T any](w http.ResponseWriter, status int, v T) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("api: encode response: %w", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n')) // a client that went away is not our error
	return nil
}

// errorBody is every error response: {"error": {"code", "message", "fields"?}}.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    apperr.Code  `json:"code"`
	Message string       `json:"message"`
	Fields  []fieldError `json:"fields,omitempty"`
}

type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// writeError writes err as a JSON error. Only internal errors are logged
// (with their cause); their message is a generic one.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := apperr.CodeOf(err)
	status := apperr.HTTPStatus(err)
	switch code {
	case codeMethodNotAllowed:
		status = http.StatusMethodNotAllowed
	case codeUnsupportedMediaType:
		status = http.StatusUnsupportedMediaType
	case apperr.Unauthenticated:
		w.Header().Set("WWW-Authenticate", `Bearer realm="plutopro"`)
	case apperr.Internal:
		s.log.ErrorContext(r.Context(), "api: internal error",
			slog.String("request_id", telemetry.RequestID(r.Context())),
			slog.String("method", r.Method),
			slog.String("path", truncate(r.URL.Path, 200)),
			slog.String("err", err.Error()))
	}
	body := errorBody{Error: errorDetail{Code: code, Message: apperr.MessageOf(err)}}
	if ve, ok := errors.AsType[*brand.ValidationError](err); ok {
		for _, f := range ve.Fields {
			body.Error.Fields = append(body.Error.Fields, fieldError{Field: f.Field, Message: f.Message})
		}
	}
	_ = encode(w, status, body)
}

// truncate cuts s to at most n runes, for echoing client input in messages.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
