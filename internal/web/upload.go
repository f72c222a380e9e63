package web

import (
	"context"
	"errors"
	"fmt"
	"github.com/plutopro/plutopro/internal/httpupload"
	"io"
	"mime"
	"net/http"
	"net/url"

	"github.com/plutopro/plutopro/internal/apperr"
)

// maxFormFields bounds the number of fields a multipart form may send
// before its file.
const maxFormFields = 100

type uploadKey struct{}

// upload is the file part of a multipart form, not yet read: the handler
// streams it wherever it goes (see httpupload).
type upload = httpupload.File

// uploadFrom returns the file part protect stopped at, or nil when the form
// had no file.
func uploadFrom(r *http.Request) *upload {
	u, _ := r.Context().Value(uploadKey{}).(*upload)
	return u
}

// uploadMessages is the web's wording for a failed upload.
func uploadMessages(tooLarge string) httpupload.Messages {
	return httpupload.Messages{
		TooLarge:   tooLarge,
		SecondFile: "Send one file at a time.",
		FieldAfter: "The form's other fields must come before the file.",
		CutShort:   "The upload did not arrive whole; please try again.",
	}
}

func isMultipart(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "multipart/form-data"
}

// readMultipartFields reads a multipart form's fields into r.PostForm, up
// to the first file part, which it leaves unread in the context for
// uploadFrom. The fields may hold at most maxFormBytes in all; a form that
// wants its fields (the CSRF token, options) must put them before the file.
func readMultipartFields(r *http.Request, tooLarge string) (*http.Request, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return r, apperr.Wrap(apperr.Invalid, err, "This form could not be read.")
	}
	form := url.Values{}
	budget := int64(maxFormBytes)
	for n := 0; ; n++ {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return r, err
		}
		if p.FileName() != "" {
			u := httpupload.New(p, mr, "", uploadMessages(tooLarge))
			r = r.WithContext(context.WithValue(r.Context(), uploadKey{}, u))
			break
		}
		if n >= maxFormFields {
			return r, apperr.E(apperr.Invalid, "This form has too many fields.")
		}
		b, err := io.ReadAll(io.LimitReader(p, budget+1))
		if err != nil {
			return r, err
		}
		if budget -= int64(len(b)); budget < 0 {
			return r, &http.MaxBytesError{Limit: maxFormBytes}
		}
		form.Add(p.FormName(), string(b))
	}
	r.PostForm = form
	r.Form = url.Values{}
	for k, vs := range r.URL.Query() {
		r.Form[k] = vs
	}
	for k, vs := range form {
		r.Form[k] = append(r.Form[k], vs...)
	}
	return r, nil
}

// uploadTooLarge is the message for a file over the cap (the same words
// the transfer service uses).
func uploadTooLarge(max int64) string {
	return fmt.Sprintf("The file is larger than the %d MB upload limit.", max>>20)
}
