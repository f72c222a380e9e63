// Package adminschema loads Shopify's Admin GraphQL schema so that the
// documents the Shopify client sends, and those the fake Shopify accepts,
// are checked against the real API rather than against our idea of it.
//
// The schema is the introspection result of the Admin API, version
// 2025-01, as Shopify published it in its dev-mcp repository (ISC
// licence; see shared/data/README.md). A copy is embedded here, gzipped,
// because the shared data directory may be absent where the fake runs.
//
// FromIntrospection turns an introspection result into SDL (types, fields,
// arguments with their defaults, interfaces, unions, enums, input objects,
// custom directives and @deprecated; no descriptions) and loads that with
// gqlparser, which adds the built-in scalars, directives and introspection
// types itself.
package adminschema

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
)

// Version is the Admin API version of the embedded schema.
const Version = "2025-01"

// introspectionGz is Shopify's Admin API 2025-01 introspection result (ISC
// licence, from Shopify's dev-mcp repository).
//
//go:embed shopify-admin-graphql-2025-01.json.gz
var introspectionGz []byte

var (
	loadOnce   sync.Once
	loaded     *ast.Schema
	loadFailed error
)

// Load returns the embedded Admin API schema, built once. The schema is
// shared: callers must not change it.
func Load() (*ast.Schema, error) {
	loadOnce.Do(func() {
		zr, err := gzip.NewReader(bytes.NewReader(introspectionGz))
		if err != nil {
			loadFailed = fmt.Errorf("adminschema: %w", err)
			return
		}
		loaded, loadFailed = FromIntrospection(zr)
	})
	return loaded, loadFailed
}

// MustLoad is Load for callers that cannot go on without the schema.
func MustLoad() *ast.Schema {
	s, err := Load()
	if err != nil {
		panic(err)
	}
	return s
}

// Validate parses doc and validates it against the embedded schema.
func Validate(doc string) (*ast.QueryDocument, gqlerror.List) {
	s, err := Load()
	if err != nil {
		return nil, gqlerror.List{gqlerror.Wrap(err)}
	}
	return ValidateAgainst(s, doc)
}

// ValidateAgainst parses doc and validates it against schema.
func ValidateAgainst(schema *ast.Schema, doc string) (*ast.QueryDocument, gqlerror.List) {
	q, err := parser.ParseQuery(&ast.Source{Name: "query", Input: doc})
	if err != nil {
		var ge *gqlerror.Error
		if errors.As(err, &ge) {
			return nil, gqlerror.List{ge}
		}
		return nil, gqlerror.List{gqlerror.Wrap(err)}
	}
	if errs := validator.Validate(schema, q); len(errs) > 0 {
		return nil, errs
	}
	return q, nil
}

// FromIntrospection reads an introspection result ({"data":{"__schema":…}}
// or the bare {"__schema":…}) and builds the schema it describes.
func FromIntrospection(r io.Reader) (*ast.Schema, error) {
	sdl, err := SDL(r)
	if err != nil {
		return nil, err
	}
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "shopify-admin.graphql", Input: sdl})
	if err != nil {
		return nil, fmt.Errorf("adminschema: load: %w", err)
	}
	return s, nil
}

// The introspection result's shape.
type (
	introspection struct {
		Data *struct {
			Schema *schema `json:"__schema"`
		} `json:"data"`
		Schema *schema `json:"__schema"`
	}
	schema struct {
		QueryType        *named      `json:"queryType"`
		MutationType     *named      `json:"mutationType"`
		SubscriptionType *named      `json:"subscriptionType"`
		Types            []fullType  `json:"types"`
		Directives       []directive `json:"directives"`
	}
	named    struct{ Name string }
	fullType struct {
		Kind          string       `json:"kind"`
		Name          string       `json:"name"`
		Fields        []field      `json:"fields"`
		InputFields   []inputValue `json:"inputFields"`
		Interfaces    []typeRef    `json:"interfaces"`
		EnumValues    []enumValue  `json:"enumValues"`
		PossibleTypes []typeRef    `json:"possibleTypes"`
	}
	field struct {
		Name              string       `json:"name"`
		Args              []inputValue `json:"args"`
		Type              typeRef      `json:"type"`
		IsDeprecated      bool         `json:"isDeprecated"`
		DeprecationReason *string      `json:"deprecationReason"`
	}
	inputValue struct {
		Name              string  `json:"name"`
		Type              typeRef `json:"type"`
		DefaultValue      *string `json:"defaultValue"`
		IsDeprecated      bool    `json:"isDeprecated"`
		DeprecationReason *string `json:"deprecationReason"`
	}
	enumValue struct {
		Name              string  `json:"name"`
		IsDeprecated      bool    `json:"isDeprecated"`
		DeprecationReason *string `json:"deprecationReason"`
	}
	typeRef struct {
		Kind   string   `json:"kind"`
		Name   string   `json:"name"`
		OfType *typeRef `json:"ofType"`
	}
	directive struct {
		Name         string       `json:"name"`
		Locations    []string     `json:"locations"`
		Args         []inputValue `json:"args"`
		IsRepeatable bool         `json:"isRepeatable"`
	}
)

// SDL reads an introspection result and writes the schema it describes in
// the schema definition language, leaving out what gqlparser's prelude
// declares (built-in scalars and directives, introspection types).
func SDL(r io.Reader) (string, error) {
	var in introspection
	if err := json.NewDecoder(r).Decode(&in); err != nil {
		return "", fmt.Errorf("adminschema: read introspection: %w", err)
	}
	s := in.Schema
	if in.Data != nil && in.Data.Schema != nil {
		s = in.Data.Schema
	}
	if s == nil || s.QueryType == nil {
		return "", errors.New("adminschema: not an introspection result (no __schema.queryType)")
	}

	prelude := validator.PreludeDocument()
	builtinType := map[string]bool{}
	for _, d := range prelude.Definitions {
		builtinType[d.Name] = true
	}
	builtinDirective := map[string]bool{}
	for _, d := range prelude.Directives {
		builtinDirective[d.Name] = true
	}

	var b strings.Builder
	b.WriteString("schema {\n  query: " + s.QueryType.Name + "\n")
	if s.MutationType != nil {
		b.WriteString("  mutation: " + s.MutationType.Name + "\n")
	}
	if s.SubscriptionType != nil {
		b.WriteString("  subscription: " + s.SubscriptionType.Name + "\n")
	}
	b.WriteString("}\n\n")

	for _, d := range s.Directives {
		if builtinDirective[d.Name] {
			continue
		}
		b.WriteString("directive @" + d.Name)
		writeArgs(&b, d.Args)
		if d.IsRepeatable {
			b.WriteString(" repeatable")
		}
		b.WriteString(" on " + strings.Join(d.Locations, " | ") + "\n\n")
	}

	types := append([]fullType(nil), s.Types...)
	sort.Slice(types, func(i, j int) bool { return types[i].Name < types[j].Name })
	for _, t := range types {
		if builtinType[t.Name] || strings.HasPrefix(t.Name, "__") {
			continue
		}
		switch t.Kind {
		case "SCALAR":
			b.WriteString("scalar " + t.Name + "\n\n")
		case "OBJECT", "INTERFACE":
			kw := "type "
			if t.Kind == "INTERFACE" {
				kw = "interface "
			}
			b.WriteString(kw + t.Name)
			if len(t.Interfaces) > 0 {
				names := make([]string, len(t.Interfaces))
				for i, x := range t.Interfaces {
					names[i] = x.Name
				}
				b.WriteString(" implements " + strings.Join(names, " & "))
			}
			b.WriteString(" {\n")
			for _, f := range t.Fields {
				b.WriteString("  " + f.Name)
				writeArgs(&b, f.Args)
				b.WriteString(": " + f.Type.String())
				writeDeprecated(&b, f.IsDeprecated, f.DeprecationReason)
				b.WriteString("\n")
			}
			b.WriteString("}\n\n")
		case "UNION":
			names := make([]string, len(t.PossibleTypes))
			for i, x := range t.PossibleTypes {
				names[i] = x.Name
			}
			b.WriteString("union " + t.Name + " = " + strings.Join(names, " | ") + "\n\n")
		case "ENUM":
			b.WriteString("enum " + t.Name + " {\n")
			for _, v := range t.EnumValues {
				b.WriteString("  " + v.Name)
				writeDeprecated(&b, v.IsDeprecated, v.DeprecationReason)
				b.WriteString("\n")
			}
			b.WriteString("}\n\n")
		case "INPUT_OBJECT":
			b.WriteString("input " + t.Name + " {\n")
			for _, f := range t.InputFields {
				b.WriteString("  ")
				writeInputValue(&b, f)
				b.WriteString("\n")
			}
			b.WriteString("}\n\n")
		default:
			return "", fmt.Errorf("adminschema: type %s has unknown kind %q", t.Name, t.Kind)
		}
	}
	return b.String(), nil
}

func (t typeRef) String() string {
	switch t.Kind {
	case "NON_NULL":
		if t.OfType == nil {
			return "!"
		}
		return t.OfType.String() + "!"
	case "LIST":
		if t.OfType == nil {
			return "[]"
		}
		return "[" + t.OfType.String() + "]"
	default:
		return t.Name
	}
}

func writeArgs(b *strings.Builder, args []inputValue) {
	if len(args) == 0 {
		return
	}
	b.WriteString("(")
	for i, a := range args {
		if i > 0 {
			b.WriteString(", ")
		}
		writeInputValue(b, a)
	}
	b.WriteString(")")
}

func writeInputValue(b *strings.Builder, v inputValue) {
	b.WriteString(v.Name + ": " + v.Type.String())
	if v.DefaultValue != nil {
		// Introspection gives defaults as GraphQL literals already.
		b.WriteString(" = " + *v.DefaultValue)
	}
	writeDeprecated(b, v.IsDeprecated, v.DeprecationReason)
}

func writeDeprecated(b *strings.Builder, deprecated bool, reason *string) {
	if !deprecated {
		return
	}
	b.WriteString(" @deprecated")
	if reason != nil {
		b.WriteString("(reason: " + quote(*reason) + ")")
	}
}

// quote writes s as a GraphQL string literal.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// Deprecated lists the deprecated fields, arguments and enum values doc
// uses ("Type.field", "Type.field(arg)", "Enum.VALUE"); doc must have been
// validated (Validate fills in the definitions this reads).
func Deprecated(doc *ast.QueryDocument) []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	var walk func(set ast.SelectionSet)
	var walkValue func(v *ast.Value)
	walkValue = func(v *ast.Value) {
		if v == nil {
			return
		}
		if v.Kind == ast.EnumValue && v.Definition != nil {
			if ev := v.Definition.EnumValues.ForName(v.Raw); ev != nil && ev.Directives.ForName("deprecated") != nil {
				add(v.Definition.Name + "." + v.Raw)
			}
		}
		for _, c := range v.Children {
			walkValue(c.Value)
		}
	}
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch sel := sel.(type) {
			case *ast.Field:
				if sel.Definition != nil && sel.ObjectDefinition != nil {
					if sel.Definition.Directives.ForName("deprecated") != nil {
						add(sel.ObjectDefinition.Name + "." + sel.Name)
					}
					for _, a := range sel.Arguments {
						if ad := sel.Definition.Arguments.ForName(a.Name); ad != nil && ad.Directives.ForName("deprecated") != nil {
							add(sel.ObjectDefinition.Name + "." + sel.Name + "(" + a.Name + ")")
						}
						walkValue(a.Value)
					}
				}
				walk(sel.SelectionSet)
			case *ast.InlineFragment:
				walk(sel.SelectionSet)
			case *ast.FragmentSpread:
				if sel.Definition != nil {
					walk(sel.Definition.SelectionSet)
				}
			}
		}
	}
	for _, op := range doc.Operations {
		walk(op.SelectionSet)
	}
	return out
}
