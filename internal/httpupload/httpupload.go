// Package httpupload streams the file part of a multipart request without
// holding it in memory, and takes an upload whole or not at all: reading
// the file fails at its end if anything but the end of the body follows
// (a second file, a field after the file), and a body cut short is an error,
// never a silently shorter file.
package httpupload

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"

	"github.com/plutopro/plutopro/internal/apperr"
)

// Messages are what a caller's users read for each way an upload fails, so
// the web and the API keep their own wording.
type Messages struct {
	TooLarge   string // the body went over its size limit
	SecondFile string // another file follows the file
	FieldAfter string // a form field follows the file
	CutShort   string // the body could not be read to its end
}

// File is the file part of a multipart body, not yet read.
type File struct {
	part *multipart.Part
	rest *multipart.Reader
	msg  Messages
	// fileField also counts a non-file part of this name as a second file.
	fileField string
	done      bool
}

// New returns the reader of file part p, the rest of the body following in mr.
// fileField, if set, names the form field that carries files.
func New(p *multipart.Part, mr *multipart.Reader, fileField string, msg Messages) *File {
	return &File{part: p, rest: mr, msg: msg, fileField: fileField}
}

// FormName is the name of the file's form field.
func (f *File) FormName() string { return f.part.FormName() }

// FileName is the file's name as the client sent it (without directories).
func (f *File) FileName() string { return f.part.FileName() }

// Read reads the file; at its end it checks that the body ends too.
func (f *File) Read(p []byte) (int, error) {
	if f.done {
		return 0, io.EOF
	}
	n, err := f.part.Read(p)
	switch {
	case err == nil:
		return n, nil
	case errors.Is(err, io.EOF):
		f.done = true
		next, nerr := f.rest.NextPart()
		if errors.Is(nerr, io.EOF) {
			return n, io.EOF
		}
		if nerr != nil {
			return n, ReadError(nerr, f.msg)
		}
		if next.FileName() != "" || (f.fileField != "" && next.FormName() == f.fileField) {
			return n, apperr.E(apperr.Invalid, "%s", f.msg.SecondFile)
		}
		return n, apperr.E(apperr.Invalid, "%s", f.msg.FieldAfter)
	default:
		return n, ReadError(err, f.msg)
	}
}

// ReadError turns a failure to read a multipart body into an error the
// client can act on. A body cut short must not pass for a complete file:
// multipart reports it as io.ErrUnexpectedEOF, which a reader of the file
// takes for its end, so the cause is not wrapped.
func ReadError(err error, msg Messages) error {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return apperr.E(apperr.TooLarge, "%s", msg.TooLarge)
	}
	return apperr.E(apperr.Invalid, "%s", msg.CutShort)
}
