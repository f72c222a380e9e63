// Package transfer moves catalogs in and out as files. An import is a
// River job that reads the uploaded file (kept in the database, so any
// worker process can read it), upserts products in batches and records its
// progress and rejected rows as it goes; after a crash it resumes from its
// last checkpoint with nothing duplicated. Exports stream the catalog.
package transfer

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"

	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/brand"
	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/catalog/csvfile"
	"github.com/plutopro/plutopro/internal/jobs"
	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/tenant"
)

// Import statuses.
const (
	StatusQueued  = "queued"
	StatusRunning = "running"
	StatusDone    = "done"
	StatusFailed  = "failed"
)

const (
	chunkSize = 1 << 20
	// defaultBatch is how many products are written per transaction.
	defaultBatch = 2000
	// batchBytes also ends a batch, so progress moves on files of large products.
	batchBytes = 4 << 20
	// headerProbe is how much of an upload is read before anything is
	// stored, to refuse a file that is not CSV at all.
	headerProbe = 1 << 20
)

// Import is one file import and its progress.
type Import struct {
	ID         string     `json:"id"`
	BrandID    string     `json:"brand_id"`
	Filename   string     `json:"filename"`
	Format     string     `json:"format"`
	Status     string     `json:"status"`
	SizeBytes  int64      `json:"size_bytes"`
	BytesRead  int64      `json:"bytes_read"`
	LinesRead  int        `json:"lines_read"`
	Created    int        `json:"created"`
	Updated    int        `json:"updated"`
	Unchanged  int        `json:"unchanged"`
	Variants   int        `json:"variants"`
	Images     int        `json:"images"`
	Rejected   int        `json:"rejected"`
	Error      string     `json:"error,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

// Finished reports whether the import has ended, well or not.
func (im *Import) Finished() bool { return im.Status == StatusDone || im.Status == StatusFailed }

// Percent is the share of the file read, 0 to 100.
func (im *Import) Percent() int {
	if im.Status == StatusDone {
		return 100
	}
	if im.SizeBytes <= 0 {
		return 0
	}
	return int(min(100, im.BytesRead*100/im.SizeBytes))
}

// Service runs imports and exports.
type Service struct {
	db      *store.DB
	brands  *brand.Service
	catalog *catalog.Service
	jobs    *jobs.Client
	// Now is the clock.
	Now func() time.Time
	// MaxUploadBytes caps an upload.
	MaxUploadBytes int64
	// LeaseTTL is how long an import's worker may go silent before another
	// worker takes the import over.
	LeaseTTL time.Duration
	// BatchSize is how many products are written per transaction.
	BatchSize int
	// UploadDir, when set, keeps uploads as files there instead of in the
	// database. The embedded default sets it (one machine: any worker sees
	// the data dir); with PostgreSQL uploads stay in the database so a
	// worker on any machine can read them.
	UploadDir string
	owner     string
	// afterFlush, in tests, runs after each intermediate batch commits.
	afterFlush func()
}

// NewService returns the transfer service. Call SetJobs before importing.
func NewService(db *store.DB, brands *brand.Service, cat *catalog.Service) *Service {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return &Service{db: db, brands: brands, catalog: cat, Now: store.Now, MaxUploadBytes: catalog.DefaultMaxUploadBytes,
		LeaseTTL: time.Minute, BatchSize: defaultBatch, owner: hex.EncodeToString(b)}
}

// SetJobs sets the job client.
func (s *Service) SetJobs(j *jobs.Client) { s.jobs = j }

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// Input is an upload to import.
type Input struct {
	Filename string
	Format   csvfile.Format // "" detects from the header
	Map      map[string]string
	Body     io.Reader
}

// Start stores the upload and enqueues its import, in one transaction. A
// file that is not CSV, or is over the size cap, is refused with nothing stored.
func (s *Service) Start(ctx context.Context, sc tenant.Scope, brandID string, in Input) (*Import, error) {
	if err := sc.Require(tenant.EditContent); err != nil {
		return nil, err
	}
	if _, err := s.brands.Get(ctx, sc, brandID); err != nil {
		return nil, err
	}
	switch in.Format {
	case "", "shopify", "generic", "etsy":
	default:
		return nil, apperr.E(apperr.Invalid, "Unknown format %q: use shopify, generic or etsy.", truncate(string(in.Format), 20))
	}
	probe := make([]byte, headerProbe)
	n, err := io.ReadFull(in.Body, probe)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("transfer: read upload: %w", err)
	}
	probe = probe[:n]
	if n == 0 {
		return nil, apperr.E(apperr.Invalid, "The file is empty.")
	}
	r, err := csvfile.NewReader(bytes.NewReader(probe), csvfile.Options{Format: in.Format, Map: in.Map})
	if err != nil {
		return nil, apperr.Wrap(apperr.Invalid, err, "This file cannot be imported: "+err.Error())
	}
	format := r.Format()
	filename := cleanFilename(in.Filename)
	mapJSON, _ := json.Marshal(in.Map)
	if in.Map == nil {
		mapJSON = []byte("{}")
	}
	im := &Import{ID: store.NewID(), BrandID: brandID, Filename: filename, Format: string(format), Status: StatusQueued, CreatedAt: s.now()}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO imports (id, brand_id, user_id, filename, format, column_map, status, size_bytes, run, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, 0, 1, ?)`, im.ID, brandID, sc.UserID, filename, im.Format, string(mapJSON), StatusQueued, im.CreatedAt); err != nil {
			return fmt.Errorf("transfer: create import: %w", err)
		}
		body := io.MultiReader(bytes.NewReader(probe), in.Body)
		var size int64
		var err error
		if s.UploadDir != "" {
			size, err = s.storeFile(im.ID, body)
		} else {
			size, err = s.storeChunks(ctx, tx, im.ID, body)
		}
		if err != nil {
			return err
		}
		im.SizeBytes = size
		if _, err := tx.Exec(ctx, `UPDATE imports SET size_bytes = ? WHERE id = ?`, size, im.ID); err != nil {
			return err
		}
		_, err = s.jobs.InsertTx(ctx, tx, ImportArgs{ImportID: im.ID, Run: 1}, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	return im, nil
}

// uploadPath is where an import's upload is kept when UploadDir is set.
func (s *Service) uploadPath(importID string) string {
	return filepath.Join(s.UploadDir, importID+".upload")
}

// storeFile writes the upload to UploadDir; a failure removes the file.
func (s *Service) storeFile(importID string, r io.Reader) (n int64, err error) {
	if err := os.MkdirAll(s.UploadDir, 0o700); err != nil {
		return 0, fmt.Errorf("transfer: upload dir: %w", err)
	}
	path := s.uploadPath(importID)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, fmt.Errorf("transfer: store upload: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("transfer: store upload: %w", cerr)
		}
		if err != nil {
			os.Remove(path)
		}
	}()
	n, err = io.Copy(f, io.LimitReader(r, s.MaxUploadBytes+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return 0, apperr.E(apperr.TooLarge, "The file is larger than the %d MB upload limit.", s.MaxUploadBytes>>20)
		}
		return 0, fmt.Errorf("transfer: store upload: %w", err)
	}
	if n > s.MaxUploadBytes {
		return 0, apperr.E(apperr.TooLarge, "The file is larger than the %d MB upload limit.", s.MaxUploadBytes>>20)
	}
	return n, f.Sync()
}

func (s *Service) storeChunks(ctx context.Context, tx *store.Tx, importID string, r io.Reader) (int64, error) {
	buf := make([]byte, chunkSize)
	var total int64
	for seq := 0; ; seq++ {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			total += int64(n)
			if total > s.MaxUploadBytes {
				return 0, apperr.E(apperr.TooLarge, "The file is larger than the %d MB upload limit.", s.MaxUploadBytes>>20)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO import_chunks (import_id, seq, data) VALUES (?, ?, ?)`, importID, seq, buf[:n]); err != nil {
				return 0, fmt.Errorf("transfer: store upload: %w", err)
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return total, nil
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return 0, apperr.E(apperr.TooLarge, "The file is larger than the %d MB upload limit.", s.MaxUploadBytes>>20)
			}
			return 0, fmt.Errorf("transfer: read upload: %w", err)
		}
	}
}

func cleanFilename(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	if !utf8.ValidString(name) || name == "." || name == "/" {
		name = "upload.csv"
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	return truncate(name, 200)
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

const importColumns = `id, brand_id, filename, format, status, size_bytes, bytes_read, lines_read, products_created, products_updated,
	products_unchanged, variants, images, rejected, error, created_at, started_at, finished_at`

func scanImport(row interface{ Scan(...any) error }) (*Import, error) {
	var im Import
	err := row.Scan(&im.ID, &im.BrandID, &im.Filename, &im.Format, &im.Status, &im.SizeBytes, &im.BytesRead, &im.LinesRead,
		&im.Created, &im.Updated, &im.Unchanged, &im.Variants, &im.Images, &im.Rejected, &im.Error, &im.CreatedAt, &im.StartedAt, &im.FinishedAt)
	return &im, err
}

// Get returns an import of a brand the scope may read.
func (s *Service) Get(ctx context.Context, sc tenant.Scope, brandID, importID string) (*Import, error) {
	if _, err := s.brands.Get(ctx, sc, brandID); err != nil {
		return nil, err
	}
	if !store.ValidID(importID) {
		return nil, apperr.E(apperr.NotFound, "Import not found.")
	}
	im, err := scanImport(s.db.QueryRow(ctx, `SELECT `+importColumns+` FROM imports WHERE id = ? AND brand_id = ?`, importID, brandID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.E(apperr.NotFound, "Import not found.")
	}
	if err != nil {
		return nil, fmt.Errorf("transfer: get import: %w", err)
	}
	return im, nil
}

// List returns a brand's imports, newest first.
func (s *Service) List(ctx context.Context, sc tenant.Scope, brandID string, limit int) ([]*Import, error) {
	if _, err := s.brands.Get(ctx, sc, brandID); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+importColumns+` FROM imports WHERE brand_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`, brandID, limit)
	if err != nil {
		return nil, fmt.Errorf("transfer: list imports: %w", err)
	}
	defer rows.Close()
	var out []*Import
	for rows.Next() {
		im, err := scanImport(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, im)
	}
	return out, rows.Err()
}

// Rejects returns an import's rejected rows in line order (at most limit; 0 means all).
func (s *Service) Rejects(ctx context.Context, sc tenant.Scope, brandID, importID string, limit int) ([]csvfile.Reject, error) {
	if _, err := s.Get(ctx, sc, brandID, importID); err != nil {
		return nil, err
	}
	q := `SELECT line, reason FROM import_rejects WHERE import_id = ? ORDER BY line, reason`
	args := []any{importID}
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("transfer: list rejects: %w", err)
	}
	defer rows.Close()
	out := []csvfile.Reject{}
	for rows.Next() {
		var r csvfile.Reject
		if err := rows.Scan(&r.Line, &r.Reason); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Wait polls an import until it finishes or ctx ends, calling progress (if
// set) on every change.
func (s *Service) Wait(ctx context.Context, sc tenant.Scope, brandID, importID string, progress func(*Import)) (*Import, error) {
	var last Import
	for {
		im, err := s.Get(ctx, sc, brandID, importID)
		if err != nil {
			return nil, err
		}
		if progress != nil && *im != last {
			progress(im)
			last = *im
		}
		if im.Finished() {
			return im, nil
		}
		select {
		case <-ctx.Done():
			return im, ctx.Err()
		case <-time.After(150 * time.Millisecond):
		}
	}
}

// ImportArgs is the job that runs an import. Run increases when a stale
// import is handed to a new job, so the new job is not a duplicate of the
// old one in River's eyes.
type ImportArgs struct {
	ImportID string `json:"import_id"`
	Run      int    `json:"run"`
}

// Kind names the job.
func (ImportArgs) Kind() string { return "catalog_import" }

// InsertOpts makes the job unique per import and run.
func (ImportArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}, MaxAttempts: 5}
}
