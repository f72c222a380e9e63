package api

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
)

// openAPI is the hand-written OpenAPI 3.1 document of the API. Tests check it
// against the route table and against real responses.
//
//go:embed openapi.json
var openAPI []byte

// handleOpenAPI serves the OpenAPI document, with info.version set to version
// when it is not empty.
func handleOpenAPI(version string) handler {
	doc, err := openAPIWithVersion(version)
	return func(w http.ResponseWriter, r *http.Request) error {
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(doc)
		return nil
	}
}

func openAPIWithVersion(version string) ([]byte, error) {
	if version == "" {
		return openAPI, nil
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		return nil, fmt.Errorf("api: parse openapi.json: %w", err)
	}
	var info map[string]json.RawMessage
	if err := json.Unmarshal(doc["info"], &info); err != nil {
		return nil, fmt.Errorf("api: parse openapi.json info: %w", err)
	}
	info["version"], _ = json.Marshal(version)
	doc["info"], _ = json.Marshal(info)
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("api: encode openapi.json: %w", err)
	}
	return append(b, '\n'), nil
}
