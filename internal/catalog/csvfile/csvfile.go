// Package csvfile reads product CSV files into catalog products and writes
// Shopify's product CSV back.
//
// Three kinds of file are read: Shopify's product CSV (classic and current
// column names; a product spans several rows that repeat its handle),
// Etsy's listings download, and a generic spreadsheet whose headers are
// matched to fields by common names. Reading streams: a Reader holds one
// product's rows at a time, plus a 64-bit hash and a line number per handle
// it has finished (about 40 bytes a product with the map's overhead), so it
// can tell when a product's rows are split up.
//
// Bad rows are rejected one by one with the physical line they start on and
// a reason a seller understands; every good row is imported. A file that is
// not a CSV at all is refused by NewReader, before anything is imported.
//
// Text is UTF-8 (with or without a byte-order mark); a value that is not
// valid UTF-8 is read as Windows-1252, and one that is neither is rejected.
// Invalid bytes never become U+FFFD. Lines may end in LF, CRLF or (old Mac)
// CR; a header with no commas but semicolons or tabs sets the separator.
//
// Shopify rows: the first row of a handle carries the product's columns
// (later rows' product columns are ignored, as Shopify does, except metadata
// the first row left empty). A row with any variant value (an option value,
// SKU, price, barcode, grams, quantity, Variant Image, weight unit or a
// per-variant column such as "Variant Taxable" or "Cost per item") is a
// variant. What counts as an image: every distinct Image Src of the
// product, in row order (a repeated Src is one image); a Variant Image
// names one of those images and links it to the variant's SKU
// (Image.VariantSKUs), and only a Variant Image that no Image Src lists is
// added as an image of its own, after the others. Shopify's three sample
// files hold 60 products, 66 variants and 82 images counted this way.
//
// Round trip: what a Reader returns, written by a ShopifyWriter and read
// again with the same Options, gives products with the same ContentHash.
// So the writer's protection against spreadsheet formulas is undone by every
// reader: a cell starting with = + - @, a tab or a carriage return (and not
// a plain number such as -5) is written with one leading single quote, and
// the readers remove exactly one such quote. A price's currency, which
// Shopify's CSV has no column for, is written in an extra "Variant Currency"
// column when a product has one.
package csvfile

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"strings"

	"github.com/plutopro/plutopro/internal/catalog"
)

// Format is a kind of product CSV.
type Format string

// The formats a Reader understands.
const (
	FormatShopify Format = "shopify"
	FormatGeneric Format = "generic"
	FormatEtsy    Format = "etsy"
)

// ErrNotCSV means the file is not a CSV this package can read, so nothing
// was imported. Errors that wrap it say why in words a seller understands
// ("no Handle column: this is not a Shopify product CSV"); their Error is
// only that reason.
var ErrNotCSV = errors.New("the file is not a product CSV")

type notCSVError struct{ reason string }

func (e *notCSVError) Error() string        { return e.reason }
func (e *notCSVError) Is(target error) bool { return target == ErrNotCSV }

func notCSV(format string, args ...any) error {
	return &notCSVError{reason: fmt.Sprintf(format, args...)}
}

// DefaultMaxFieldBytes is the size limit of one value; descriptions (Body
// (HTML), DESCRIPTION) may be eight times as large.
const DefaultMaxFieldBytes = 64 << 10

// Options tune a Reader.
type Options struct {
	// Format is the kind of file; "" detects it from the header.
	Format Format
	// Map (generic files only) maps a column name to a field (see
	// MapFields); it overrides the name matching. An unknown field or a
	// column the file does not have is an error from NewReader.
	Map map[string]string
	// MaxFieldBytes limits one value (default DefaultMaxFieldBytes);
	// descriptions get eight times as much. A row with a larger value is
	// rejected.
	MaxFieldBytes int
}

// Reject is one rejected row: the physical 1-based line it starts on and why.
type Reject struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// String is the reject as a seller reads it: "line 7: Variant Price "abc" is
// not a number".
func (r Reject) String() string { return fmt.Sprintf("line %d: %s", r.Line, r.Reason) }

// Item is one product read from a file, or rows that could not be read.
type Item struct {
	// Product is nil when the whole product (or a row belonging to no
	// product) was rejected.
	Product *catalog.Product
	// Line is the physical line the product's first row starts on.
	Line int
	// Rejects are the rows rejected while reading this product; a product
	// can be kept with some of its rows rejected (one bad variant row).
	Rejects []Reject
}

// Reader reads products from a CSV file. Create one with NewReader.
type Reader struct {
	format   Format
	cols     []column
	header   []string
	maxField int
	maxBody  int

	src    *countingReader
	csv    *csv.Reader
	skip   int64 // bytes before the csv.Reader's input (a byte-order mark)
	stash  *stashed
	row    []string // decoded values of the current row, reused
	done   bool     // no more records
	stop   string   // why reading stopped early, when it did
	last   int      // physical lines consumed
	limit  int64    // byte limit of one record
	handle int      // column index of the handle, -1 if none
	sku    int      // column index of the SKU, -1 if none

	grouped bool // rows with the same handle make one product
	seed    maphash.Seed
	seen    map[uint64]int32 // finished (and current) handles -> first line
	cur     *builder
	out     []Item
}

type stashed struct {
	rec []string
	err error
}

// countingReader counts bytes and refuses to read far past the start of the
// record being parsed, so a quote that is never closed cannot make
// encoding/csv buffer the rest of a large file.
type countingReader struct {
	r     io.Reader
	n     int64
	start int64 // offset where the current record starts
	limit int64 // bytes allowed past start (plus read-ahead), 0 = none
	err   error
}

var errRecordTooLarge = errors.New("record too large")

const readAhead = 128 << 10 // bytes the sniffing and csv buffers may hold

func (c *countingReader) Read(p []byte) (int, error) {
	if c.limit > 0 && c.n-c.start > c.limit+readAhead {
		return 0, errRecordTooLarge
	}
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.err = err
	return n, nil
}

// crToLF reads files saved with old Mac line endings (a carriage return
// alone): it turns every CR, and every CRLF, into one LF.
type crToLF struct {
	r      io.Reader
	prevCR bool
}

func (c *crToLF) Read(p []byte) (int, error) {
	for {
		n, err := c.r.Read(p)
		w := 0
		for _, b := range p[:n] {
			switch {
			case b == '\r':
				p[w], w, c.prevCR = '\n', w+1, true
			case b == '\n' && c.prevCR:
				c.prevCR = false
			default:
				p[w], w, c.prevCR = b, w+1, false
			}
		}
		if w > 0 || err != nil || n == 0 {
			return w, err
		}
	}
}

// NewReader reads and checks the header. A file that is not a product CSV
// (binary data, JSON, an empty file, no usable columns) gives an error that
// wraps ErrNotCSV; a bad Options.Map gives another error.
func NewReader(r io.Reader, o Options) (*Reader, error) {
	switch o.Format {
	case "", FormatShopify, FormatGeneric, FormatEtsy:
	default:
		return nil, fmt.Errorf("unknown format %q (use shopify, generic or etsy)", o.Format)
	}
	maxField := o.MaxFieldBytes
	if maxField <= 0 {
		maxField = DefaultMaxFieldBytes
	}
	src := &countingReader{r: r, limit: 1<<20 + 2*int64(max(maxField, DefaultMaxFieldBytes))}
	br := bufio.NewReaderSize(src, 64<<10)
	head, _ := br.Peek(64 << 10)
	if err := sniff(head); err != nil {
		return nil, err
	}
	rd := &Reader{src: src, maxField: maxField, maxBody: 8 * maxField, handle: -1, sku: -1, seed: maphash.MakeSeed(), seen: map[uint64]int32{}}
	if bytes.HasPrefix(head, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
		rd.skip = 3
		head = head[3:]
	}
	var in io.Reader = br
	comma := ','
	if line := firstLine(head); len(line) > 0 {
		if i := bytes.IndexByte(line, 0); i >= 0 {
			return nil, notCSV("binary data (NUL byte) on line 1: this is not a CSV file")
		}
		if end := len(line); end < len(head) && head[end] == '\r' && bytes.IndexByte(head, '\n') < 0 {
			in = &crToLF{r: br}
		}
		comma = delimiter(line)
	}
	cr := csv.NewReader(in)
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	rd.csv = cr

	rec, err := cr.Read()
	switch {
	case err == io.EOF:
		return nil, notCSV("the file is empty")
	case errors.Is(err, errRecordTooLarge):
		return nil, notCSV("the first line is longer than %s: this is not a CSV header", size(int(src.limit)))
	case err != nil:
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, notCSV("line 1 is not a CSV header: %s", parseReason(pe, nil))
		}
		return nil, fmt.Errorf("read header: %w", err)
	}
	header := make([]string, len(rec))
	for i, h := range rec {
		if len(h) > max(maxField, DefaultMaxFieldBytes) {
			return nil, notCSV("column %d of the header is %s long: this is not a CSV header", i+1, size(len(h)))
		}
		if strings.IndexByte(h, 0) >= 0 {
			return nil, notCSV("binary data (NUL byte) in the header: this is not a CSV file")
		}
		d, bad, ok := decodeText(h)
		if !ok {
			return nil, notCSV("the header is neither UTF-8 nor Windows-1252 text (byte 0x%02X in column %d)", bad, i+1)
		}
		header[i] = unescapeFormula(d)
	}
	rd.header = header
	rd.last = endLine(cr, rec)

	format := o.Format
	if format == "" {
		f, err := Detect(header)
		if err != nil {
			if bytes.IndexByte(head, 0) >= 0 {
				return nil, notCSV("binary data (NUL byte) on line %d: this is not a CSV file", 1+bytes.Count(head[:bytes.IndexByte(head, 0)], []byte("\n")))
			}
			return nil, err
		}
		format = f
		if len(o.Map) > 0 && format != FormatGeneric {
			return nil, fmt.Errorf("--map is for generic CSV files; this file looks like a %s CSV (choose the generic format to map its columns)", format)
		}
	} else if len(o.Map) > 0 && format != FormatGeneric {
		return nil, fmt.Errorf("--map is for generic CSV files, not %s", format)
	}
	rd.format = format
	switch format {
	case FormatShopify:
		rd.cols, err = shopifyLayout(header)
		rd.grouped = true
	case FormatGeneric:
		rd.cols, err = genericLayout(header, o.Map)
	case FormatEtsy:
		rd.cols, err = etsyLayout(header)
	}
	if err != nil {
		return nil, err
	}
	for i := range rd.cols {
		c := &rd.cols[i]
		c.max = maxField
		if c.role == roleBody || c.key == etsyDescriptionKey {
			c.max = rd.maxBody
		}
		switch c.role {
		case roleHandle:
			rd.handle = i
			if format == FormatGeneric {
				rd.grouped = true
			}
		case roleSKU:
			rd.sku = i
		}
	}
	rd.row = make([]string, len(rd.cols))
	// Any record larger than this has a value over its limit.
	src.limit = int64(len(rd.cols)+8)*int64(maxField)*2 + int64(len(rd.cols))*3
	return rd, nil
}

// sniff refuses well-known non-CSV files by their first bytes.
func sniff(head []byte) error {
	t := bytes.TrimLeft(head, " \t\r\n\xef\xbb\xbf")
	switch {
	case len(bytes.TrimSpace(head)) == 0 || string(bytes.TrimSpace(head)) == "\xef\xbb\xbf":
		return notCSV("the file is empty")
	case bytes.HasPrefix(head, []byte("\xff\xfe")) || bytes.HasPrefix(head, []byte("\xfe\xff")):
		return notCSV("the file is UTF-16 text; save it as \"CSV UTF-8\" and try again")
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return notCSV("this is a ZIP file (an Excel .xlsx workbook?), not CSV; save it as \"CSV UTF-8\" and try again")
	case bytes.HasPrefix(head, []byte("\xd0\xcf\x11\xe0")):
		return notCSV("this is an Excel .xls workbook, not CSV; save it as \"CSV UTF-8\" and try again")
	case bytes.HasPrefix(head, []byte("%PDF")):
		return notCSV("this is a PDF document, not CSV")
	case bytes.HasPrefix(head, []byte("\x89PNG")), bytes.HasPrefix(head, []byte("\xff\xd8\xff")), bytes.HasPrefix(head, []byte("GIF8")):
		return notCSV("this is an image, not CSV")
	case bytes.HasPrefix(head, []byte("\x1f\x8b")):
		return notCSV("this is a gzip-compressed file; unpack it first")
	case len(t) > 0 && t[0] == '{', len(t) > 1 && t[0] == '[' && bytes.ContainsAny(t[1:2], "{[\"\r\n"):
		return notCSV("this looks like JSON, not CSV")
	case len(t) > 0 && t[0] == '<':
		return notCSV("this looks like HTML or XML, not CSV")
	}
	return nil
}

// firstLine is the first physical line of head, without its line ending.
func firstLine(head []byte) []byte {
	if i := bytes.IndexAny(head, "\r\n"); i >= 0 {
		return head[:i]
	}
	return head
}

// delimiter guesses the separator from the header line: a comma, unless the
// line has none and has semicolons (European spreadsheets) or tabs.
func delimiter(line []byte) rune {
	var commas, semis, tabs int
	quoted := false
	for _, c := range line {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == ',':
			commas++
		case c == ';':
			semis++
		case c == '\t':
			tabs++
		}
	}
	switch {
	case commas > 0:
		return ','
	case semis > 0:
		return ';'
	case tabs > 0:
		return '\t'
	}
	return ','
}

// endLine is the physical line a record ends on.
func endLine(cr *csv.Reader, rec []string) int {
	if len(rec) == 0 {
		return 0
	}
	line, _ := cr.FieldPos(len(rec) - 1)
	return line + strings.Count(rec[len(rec)-1], "\n")
}

// Format is the format being read.
func (r *Reader) Format() Format { return r.format }

// Line is the number of physical lines consumed so far.
func (r *Reader) Line() int { return r.last }

// BytesRead is the number of bytes consumed so far.
func (r *Reader) BytesRead() int64 { return r.csv.InputOffset() + r.skip }

// Header is the file's header as read (decoded).
func (r *Reader) Header() []string { return r.header }

// Next returns the next product, or io.EOF after the last one. Rows that
// cannot be read come back as Rejects, attached to the product being read or
// in an Item with a nil Product. Another error is an I/O error.
func (r *Reader) Next() (Item, error) {
	for len(r.out) == 0 {
		if r.done {
			if r.cur != nil {
				r.out = append(r.out, r.cur.finish())
				r.cur = nil
				continue
			}
			return Item{}, io.EOF
		}
		if err := r.step(); err != nil {
			return Item{}, err
		}
	}
	it := r.out[0]
	r.out[0] = Item{}
	r.out = r.out[1:]
	return it, nil
}

// step reads one record and feeds it to the product being built.
func (r *Reader) step() error {
	vals, line, rej, hint, err := r.record()
	if err != nil {
		if err == io.EOF {
			r.done = true
			return nil
		}
		return err
	}
	if rej != nil {
		r.rejectRow(*rej, hint)
		return nil
	}
	switch r.format {
	case FormatEtsy:
		p, rej := r.etsyProduct(vals, line)
		if rej != nil {
			r.out = append(r.out, Item{Line: line, Rejects: []Reject{*rej}})
			return nil
		}
		r.out = append(r.out, Item{Product: p, Line: line})
	default:
		r.addRow(vals, line)
	}
	return nil
}

// record returns the next non-blank record's decoded values and the line it
// starts on, or a reject for a record that cannot be read (hint is its
// handle, when that much could be read).
func (r *Reader) record() (vals []string, line int, rej *Reject, hint string, err error) {
	for {
		if r.done {
			return nil, 0, nil, "", io.EOF
		}
		var rec []string
		if s := r.stash; s != nil {
			r.stash = nil
			rec, err = s.rec, s.err
		} else {
			r.src.start = r.BytesRead()
			rec, err = r.csv.Read()
		}
		if err == io.EOF {
			r.done = true
			return nil, 0, nil, "", io.EOF
		}
		if errors.Is(err, errRecordTooLarge) {
			r.done = true
			line := r.last + 1
			return nil, line, &Reject{Line: line, Reason: fmt.Sprintf("this row is larger than %s (a quoted value that is never closed?); reading stopped here, so the rest of the file was not imported", size(int(r.src.limit)))}, "", nil
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			hint := r.hint(rec)
			if pe.Err == csv.ErrQuote {
				// Look ahead: at the end of the file this quote swallowed
				// the rest of it.
				r.src.start = r.BytesRead()
				next, err2 := r.csv.Read()
				r.stash = &stashed{rec: append([]string(nil), next...), err: err2}
				if err2 == io.EOF {
					r.last = pe.Line
					why := "a quoted value that starts on this line is never closed; check the double quotes"
					if pe.Line > pe.StartLine {
						why = fmt.Sprintf("a quoted value that starts on this line is never closed, so lines %d to %d were read as part of it; check the double quotes", pe.StartLine, pe.Line)
					}
					return nil, pe.StartLine, &Reject{Line: pe.StartLine, Reason: why}, hint, nil
				}
			}
			r.last = pe.Line
			return nil, pe.StartLine, &Reject{Line: pe.StartLine, Reason: parseReason(pe, r.header)}, hint, nil
		}
		if err != nil {
			return nil, 0, nil, "", fmt.Errorf("read line %d: %w", r.last+1, err)
		}
		line, _ = r.csv.FieldPos(0)
		r.last = endLine(r.csv, rec)
		if blank(rec) {
			continue
		}
		if rej := r.decode(rec, line); rej != nil {
			return nil, line, rej, r.hint(rec), nil
		}
		return r.row, line, nil, "", nil
	}
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// decode checks and decodes a record into r.row.
func (r *Reader) decode(rec []string, line int) *Reject {
	n := len(r.cols)
	if len(rec) > n {
		for _, f := range rec[n:] {
			if strings.TrimSpace(f) != "" {
				return &Reject{Line: line, Reason: fmt.Sprintf("the row has %d values but the header has %d columns (a value that contains a comma must be in double quotes)", len(rec), n)}
			}
		}
	}
	for i := range r.row {
		if i >= len(rec) {
			r.row[i] = ""
			continue
		}
		f, c := rec[i], &r.cols[i]
		// Decoding never shrinks a value and unescaping removes at most
		// one byte, so a raw value this large is too large.
		if len(f) > c.max+1 {
			return tooLarge(line, c, len(f))
		}
		if strings.IndexByte(f, 0) >= 0 {
			return &Reject{Line: line, Reason: fmt.Sprintf("the row has binary data (a NUL byte) in column %s", c.name)}
		}
		d, bad, ok := decodeText(f)
		if !ok {
			return &Reject{Line: line, Reason: fmt.Sprintf("the text is neither UTF-8 nor Windows-1252 (byte 0x%02X in column %s)", bad, c.name)}
		}
		// The limit applies to the value as read, so what an export writes
		// back (re-encoded, re-quoted) reads again.
		if d = unescapeFormula(d); len(d) > c.max {
			return tooLarge(line, c, len(d))
		}
		r.row[i] = d
	}
	return nil
}

func tooLarge(line int, c *column, n int) *Reject {
	return &Reject{Line: line, Reason: fmt.Sprintf("%s is %s; one value may be at most %s", c.name, size(n), size(c.max))}
}

// hint is the handle of a record that could not be read, if it can be told.
func (r *Reader) hint(rec []string) string {
	get := func(i int) string {
		if i < 0 || i >= len(rec) || len(rec[i]) > r.cols[i].max || strings.IndexByte(rec[i], 0) >= 0 {
			return ""
		}
		d, _, ok := decodeText(rec[i])
		if !ok {
			return ""
		}
		return strings.TrimSpace(unescapeFormula(d))
	}
	if !r.grouped {
		return ""
	}
	if h := get(r.handle); h != "" {
		return h
	}
	if r.format == FormatGeneric {
		return get(r.sku)
	}
	return ""
}

// parseReason explains an encoding/csv parse error.
func parseReason(pe *csv.ParseError, header []string) string {
	where := ""
	if pe.Line != pe.StartLine {
		where = fmt.Sprintf(" (on line %d)", pe.Line)
	}
	switch pe.Err {
	case csv.ErrBareQuote:
		return fmt.Sprintf("a double quote appears inside a value that is not in double quotes%s; put the whole value in double quotes and double the quote inside (\"\")", where)
	case csv.ErrQuote:
		return fmt.Sprintf("a double quote inside a quoted value must be doubled (\"\")%s", where)
	}
	return fmt.Sprintf("the line cannot be read as CSV%s: %v", where, pe.Err)
}

// seenAt reports the first line of a handle already read.
func (r *Reader) seenAt(h string) (int, bool) {
	l, ok := r.seen[maphash.String(r.seed, h)]
	return int(l), ok
}

func (r *Reader) markSeen(h string, line int) {
	if line > 1<<31-1 {
		line = 1<<31 - 1
	}
	r.seen[maphash.String(r.seed, h)] = int32(line)
}

// unique returns h, or h-2, h-3, … when h is taken.
func (r *Reader) unique(h string) string {
	if _, ok := r.seenAt(h); !ok {
		return h
	}
	for i := 2; ; i++ {
		c := fmt.Sprintf("%s-%d", h, i)
		if _, ok := r.seenAt(c); !ok {
			return c
		}
	}
}
