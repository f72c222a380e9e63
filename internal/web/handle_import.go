package web

import (
	"encoding/csv"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/brand"
	"github.com/plutopro/plutopro/internal/catalog/csvfile"
	"github.com/plutopro/plutopro/internal/catalog/transfer"
)

const (
	// importsShown is how many past imports the import page lists.
	importsShown = 20
	// rejectsShown is how many rejected rows an import's page lists; the
	// report has them all.
	rejectsShown = 100
)

type importListPage struct {
	basePage
	Brand   *brand.Brand
	Imports []*transfer.Import
	Form    importForm
	Error   string
	Formats []option
	// MaxMB is the upload cap in whole megabytes.
	MaxMB int64
}

// importForm is the upload form's fields other than the file.
type importForm struct {
	Format string
	Map    string
}

var formatOptions = []option{
	{"", "Detect from the header"},
	{"shopify", "Shopify product CSV"},
	{"etsy", "Etsy listings CSV"},
	{"generic", "Other spreadsheet (generic CSV)"},
}

type importPage struct {
	basePage
	Brand   *brand.Brand
	Import  *transfer.Import
	Rejects []csvfile.Reject
}

// MoreRejects is how many rejected rows the page does not list.
func (p *importPage) MoreRejects() int { return p.Import.Rejected - len(p.Rejects) }

func (s *Server) importListData(r *http.Request, b *brand.Brand) (*importListPage, error) {
	imports, err := s.transfer.List(r.Context(), sessionFrom(r.Context()).Scope, b.ID, importsShown)
	if err != nil {
		return nil, err
	}
	return &importListPage{basePage: basePage{Title: "Import · " + b.Name, Nav: "brands"}, Brand: b, Imports: imports,
		Formats: formatOptions, MaxMB: s.transfer.MaxUploadBytes >> 20}, nil
}

func (s *Server) handleImportList(w http.ResponseWriter, r *http.Request) {
	b, ok := s.brandOf(w, r)
	if !ok {
		return
	}
	p, err := s.importListData(r, b)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "imports", p)
}

// handleImportCreate streams the uploaded file into a new import and sends
// the browser to its progress page. protectUpload has read the fields before
// the file; the file itself is never held in memory whole.
func (s *Server) handleImportCreate(w http.ResponseWriter, r *http.Request) {
	sc := sessionFrom(r.Context()).Scope
	f := importForm{Format: r.PostForm.Get("format"), Map: r.PostForm.Get("map")}
	fail := func(err error) {
		code := apperr.CodeOf(err)
		if code != apperr.Invalid && code != apperr.TooLarge {
			s.renderError(w, r, err)
			return
		}
		b, ok := s.brandOf(w, r)
		if !ok {
			return
		}
		p, lerr := s.importListData(r, b)
		if lerr != nil {
			s.renderError(w, r, lerr)
			return
		}
		p.Form, p.Error = f, apperr.MessageOf(err)
		s.render(w, r, apperr.HTTPStatus(err), "imports", p)
	}
	up := uploadFrom(r)
	if up == nil || up.FormName() != "file" {
		fail(apperr.E(apperr.Invalid, "Choose a CSV file to import."))
		return
	}
	colMap, err := parseColumnMap(f.Map)
	if err != nil {
		fail(err)
		return
	}
	format := f.Format
	if format == "auto" {
		format = ""
	}
	im, err := s.transfer.Start(r.Context(), sc, r.PathValue("brandID"), transfer.Input{
		Filename: up.FileName(), Format: csvfile.Format(format), Map: colMap, Body: up,
	})
	if err != nil {
		fail(err)
		return
	}
	redirect(w, r, "/brands/"+im.BrandID+"/imports/"+im.ID)
}

// parseColumnMap reads "column=field" lines (blank lines skipped) into a
// column map; nil when there are none.
func parseColumnMap(text string) (map[string]string, error) {
	var m map[string]string
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		// A field name never holds "=", a column name might.
		at := strings.LastIndexByte(line, '=')
		if at < 0 || strings.TrimSpace(line[:at]) == "" || strings.TrimSpace(line[at+1:]) == "" {
			return nil, apperr.E(apperr.Invalid, "Line %d of the column map is not column=field.", i+1)
		}
		if m == nil {
			m = map[string]string{}
		}
		m[strings.TrimSpace(line[:at])] = strings.TrimSpace(line[at+1:])
	}
	return m, nil
}

// importData loads the import named by the path, with its first rejected rows.
func (s *Server) importData(w http.ResponseWriter, r *http.Request) (*importPage, bool) {
	b, ok := s.brandOf(w, r)
	if !ok {
		return nil, false
	}
	sc := sessionFrom(r.Context()).Scope
	im, err := s.transfer.Get(r.Context(), sc, b.ID, r.PathValue("importID"))
	if err != nil {
		s.renderError(w, r, err)
		return nil, false
	}
	var rejects []csvfile.Reject
	if im.Rejected > 0 {
		if rejects, err = s.transfer.Rejects(r.Context(), sc, b.ID, im.ID, rejectsShown); err != nil {
			s.renderError(w, r, err)
			return nil, false
		}
	}
	return &importPage{basePage: basePage{Title: "Import of " + im.Filename, Nav: "brands"}, Brand: b, Import: im, Rejects: rejects}, true
}

func (s *Server) handleImportShow(w http.ResponseWriter, r *http.Request) {
	if p, ok := s.importData(w, r); ok {
		s.render(w, r, http.StatusOK, "import", p)
	}
}

// handleImportProgress is the fragment htmx polls while the import runs;
// once it has finished the fragment carries no trigger, so polling stops.
func (s *Server) handleImportProgress(w http.ResponseWriter, r *http.Request) {
	if p, ok := s.importData(w, r); ok {
		s.renderFragment(w, r, "import", "import_progress", p)
	}
}

// handleImportReport downloads every rejected row as CSV (line, reason).
func (s *Server) handleImportReport(w http.ResponseWriter, r *http.Request) {
	b, ok := s.brandOf(w, r)
	if !ok {
		return
	}
	sc := sessionFrom(r.Context()).Scope
	im, err := s.transfer.Get(r.Context(), sc, b.ID, r.PathValue("importID"))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	rejects, err := s.transfer.Rejects(r.Context(), sc, b.ID, im.ID, 0)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	name := strings.TrimSuffix(im.Filename, ".csv") + "-rejected-rows.csv"
	disposition := mime.FormatMediaType("attachment", map[string]string{"filename": name})
	if disposition == "" {
		disposition = `attachment; filename="rejected-rows.csv"`
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", disposition)
	h.Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"line", "reason"})
	for _, rj := range rejects {
		_ = cw.Write([]string{strconv.Itoa(rj.Line), csvCell(rj.Reason)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		s.logger.WarnContext(r.Context(), "web: write import report", "import_id", im.ID, "err", err)
	}
}

// csvCell keeps a spreadsheet from reading a cell as a formula: a value
// starting with = + - @ (or a tab or carriage return, which some
// spreadsheets skip before looking) gets a leading apostrophe.
func csvCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
