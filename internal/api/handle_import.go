package api

import (
	"errors"
	"fmt"
	"github.com/plutopro/plutopro/internal/httpupload"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/brand"
	"github.com/plutopro/plutopro/internal/catalog/csvfile"
	"github.com/plutopro/plutopro/internal/catalog/transfer"
	"github.com/plutopro/plutopro/internal/tenant"
)

// The import endpoints. Reading needs any role; importing needs one that
// edits content (Forbidden otherwise). Another account's brand or import is
// NotFound.

const (
	// importsListed is how many imports handleImportList returns.
	importsListed = 20
	// rejectsListed is how many rejected rows handleImportGet returns.
	rejectsListed = 1000
	// maxFormFields bounds the fields an upload may send before its file.
	maxFormFields = 100
)

// handleImportList returns the brand's latest imports, newest first.
func handleImportList(tr *transfer.Service) handler {
	type response struct {
		Imports []*transfer.Import `json:"imports"`
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		ims, err := tr.List(r.Context(), scopeOf(r), r.PathValue("brandID"), importsListed)
		if err != nil {
			return err
		}
		if ims == nil {
			ims = []*transfer.Import{}
		}
		return encode(w, http.StatusOK, response{Imports: ims})
	}
}

// handleImportGet returns an import's progress and its first rejected rows.
func handleImportGet(tr *transfer.Service) handler {
	type response struct {
		*transfer.Import
		RejectedRows []csvfile.Reject `json:"rejected_rows"`
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		sc, brandID := scopeOf(r), r.PathValue("brandID")
		im, err := tr.Get(r.Context(), sc, brandID, r.PathValue("id"))
		if err != nil {
			return err
		}
		rejects := []csvfile.Reject{}
		if im.Rejected > 0 {
			if rejects, err = tr.Rejects(r.Context(), sc, brandID, im.ID, rejectsListed); err != nil {
				return err
			}
		}
		return encode(w, http.StatusOK, response{Import: im, RejectedRows: rejects})
	}
}

// handleImportCreate takes a multipart/form-data upload: optional format
// and map fields, then the file part named file, which is streamed into
// the import (never held in memory whole). It answers 202 with the queued
// import and its Location; GET that to follow the progress.
func handleImportCreate(brands *brand.Service, tr *transfer.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		sc, brandID := scopeOf(r), r.PathValue("brandID")
		// Rights and tenancy first, so a refused request reads no body.
		if err := sc.Require(tenant.EditContent); err != nil {
			return err
		}
		if _, err := brands.Get(r.Context(), sc, brandID); err != nil {
			return err
		}
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "multipart/form-data" {
			return apperr.E(codeUnsupportedMediaType, "Send the file as multipart/form-data, in a part named file.")
		}
		tooLarge := fmt.Sprintf("The file is larger than the %d MB upload limit.", tr.MaxUploadBytes>>20)
		limit := tr.MaxUploadBytes + maxBody
		if r.ContentLength > limit {
			return apperr.E(apperr.TooLarge, "%s", tooLarge)
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		mr, err := r.MultipartReader()
		if err != nil {
			return apperr.Wrap(apperr.Invalid, err, "The multipart body could not be read.")
		}
		in := transfer.Input{}
		file, err := readImportFields(mr, &in, tooLarge)
		if err != nil {
			return err
		}
		in.Filename, in.Body = file.FileName(), file
		im, err := tr.Start(r.Context(), sc, brandID, in)
		if err != nil {
			return err
		}
		w.Header().Set("Location", "/api/v1/brands/"+brandID+"/imports/"+im.ID)
		return encode(w, http.StatusAccepted, im)
	}
}

// readImportFields reads the parts before the file into in (format, and map
// as column=field, repeatable) and returns the file part, unread.
func readImportFields(mr *multipart.Reader, in *transfer.Input, tooLarge string) (*httpupload.File, error) {
	budget := int64(maxBody)
	for n := 0; ; n++ {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, apperr.E(apperr.Invalid, "The form has no file; send the CSV in a part named file.")
		}
		if err != nil {
			return nil, httpupload.ReadError(err, uploadMessages(tooLarge))
		}
		name := p.FormName()
		if p.FileName() != "" || name == "file" {
			if name != "file" {
				return nil, apperr.E(apperr.Invalid, "Send the CSV in a part named file, not %q.", truncate(name, 40))
			}
			return httpupload.New(p, mr, "file", uploadMessages(tooLarge)), nil
		}
		if n >= maxFormFields {
			return nil, apperr.E(apperr.Invalid, "The form has too many fields.")
		}
		b, err := io.ReadAll(io.LimitReader(p, budget+1))
		if err != nil {
			return nil, httpupload.ReadError(err, uploadMessages(tooLarge))
		}
		if budget -= int64(len(b)); budget < 0 {
			return nil, apperr.E(apperr.TooLarge, "The form fields before the file are larger than 1 MiB.")
		}
		v := strings.TrimSpace(string(b))
		switch name {
		case "format":
			if in.Format != "" {
				return nil, apperr.E(apperr.Invalid, "Send format once.")
			}
			in.Format = csvfile.Format(v)
		case "map":
			col, field, ok := cutLast(v, "=")
			if !ok {
				return nil, apperr.E(apperr.Invalid, "The map field %q is not column=field.", truncate(v, 80))
			}
			if in.Map == nil {
				in.Map = map[string]string{}
			}
			in.Map[col] = field
		default:
			return nil, apperr.E(apperr.Invalid, "Unknown form field %q; send format, map and file.", truncate(name, 40))
		}
	}
}

// cutLast splits s around its last sep (a field name never holds "=", a
// column name might), both sides trimmed and non-empty.
func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return "", "", false
	}
	before, after = strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+len(sep):])
	return before, after, before != "" && after != ""
}

// uploadMessages is the API's wording for a failed upload.
func uploadMessages(tooLarge string) httpupload.Messages {
	return httpupload.Messages{
		TooLarge:   tooLarge,
		SecondFile: "Send one file per import.",
		FieldAfter: "Send the format and map fields before the file part.",
		CutShort:   "The multipart body could not be read (it may have been cut short).",
	}
}
