package api

// access says whether an endpoint needs an API token.
type access int

const (
	bearer access = iota // Authorization: Bearer ppt_... required
	public               // no token
)

// route is one endpoint: method, ServeMux path pattern, access and handler.
type route struct {
	method  string
	pattern string
	access  access
	h       handler
}

// routes is the whole API in one place. New registers exactly these; Routes
// exposes them (without handlers) to tests, which check them against the
// OpenAPI document and walk them with another tenant's ids.
func routes(cfg Config) []route {
	return []route{
		{"GET", "/api/v1/openapi.json", public, handleOpenAPI(cfg.Version)},

		{"GET", "/api/v1/me", bearer, handleMe(cfg.Accounts)},

		{"GET", "/api/v1/brands", bearer, handleBrandList(cfg.Brands)},
		{"POST", "/api/v1/brands", bearer, handleBrandCreate(cfg.Brands)},
		{"GET", "/api/v1/brands/{id}", bearer, handleBrandGet(cfg.Brands)},
		{"PATCH", "/api/v1/brands/{id}", bearer, handleBrandUpdate(cfg.Brands)},
		{"DELETE", "/api/v1/brands/{id}", bearer, handleBrandDelete(cfg.Brands)},

		{"GET", "/api/v1/brands/{brandID}/products", bearer, handleProductList(cfg.Catalog)},
		{"GET", "/api/v1/brands/{brandID}/products/{id}", bearer, handleProductGet(cfg.Catalog)},

		{"GET", "/api/v1/brands/{brandID}/imports", bearer, handleImportList(cfg.Transfer)},
		{"POST", "/api/v1/brands/{brandID}/imports", bearer, handleImportCreate(cfg.Brands, cfg.Transfer)},
		{"GET", "/api/v1/brands/{brandID}/imports/{id}", bearer, handleImportGet(cfg.Transfer)},

		{"POST", "/api/v1/brands/{brandID}/generations", bearer, handleGenerationCreate(cfg.Brands, cfg.Drafts)},
		{"GET", "/api/v1/brands/{brandID}/generations/{id}", bearer, handleGenerationGet(cfg.Drafts)},
		{"POST", "/api/v1/brands/{brandID}/generations/{id}/cancel", bearer, handleGenerationCancel(cfg.Drafts)},
		{"GET", "/api/v1/brands/{brandID}/drafts", bearer, handleDraftList(cfg.Drafts)},
		{"POST", "/api/v1/brands/{brandID}/drafts/approve", bearer, handleDraftBulkApprove(cfg.Brands, cfg.Drafts)},

		{"GET", "/api/v1/drafts/{id}", bearer, handleDraftGet(cfg.Drafts)},
		{"GET", "/api/v1/drafts/{id}/versions", bearer, handleDraftVersions(cfg.Drafts)},
		{"POST", "/api/v1/drafts/{id}/approve", bearer, handleDraftApprove(cfg.Drafts)},
		{"POST", "/api/v1/drafts/{id}/reject", bearer, handleDraftReject(cfg.Drafts)},
		{"POST", "/api/v1/drafts/{id}/edit", bearer, handleDraftEdit(cfg.Drafts)},
		{"POST", "/api/v1/drafts/{id}/regenerate", bearer, handleDraftRegenerate(cfg.Drafts, cfg.RegenerateWait)},
		{"POST", "/api/v1/drafts/{id}/restore", bearer, handleDraftRestore(cfg.Drafts)},

		{"GET", "/api/v1/brands/{brandID}/memory", bearer, handleMemoryList(cfg.Learn)},
		{"GET", "/api/v1/brands/{brandID}/memory/{id}", bearer, handleMemoryGet(cfg.Learn)},
		{"PATCH", "/api/v1/brands/{brandID}/memory/{id}", bearer, handleMemoryUpdate(cfg.Learn)},
		{"DELETE", "/api/v1/brands/{brandID}/memory/{id}", bearer, handleMemoryDelete(cfg.Learn)},

		{"GET", "/api/v1/brands/{brandID}/connections", bearer, handleConnectionList(cfg.Connect)},
		{"POST", "/api/v1/brands/{brandID}/connections/{connectionID}/sync", bearer, handleSyncStart(cfg.Connect)},
		{"GET", "/api/v1/brands/{brandID}/syncs/{syncID}", bearer, handleSyncGet(cfg.Connect)},
		{"POST", "/api/v1/brands/{brandID}/publish", bearer, handlePublish(cfg.Brands, cfg.Connect)},
		{"GET", "/api/v1/brands/{brandID}/publications", bearer, handlePublicationList(cfg.Connect)},
		{"POST", "/api/v1/brands/{brandID}/publications/{publicationID}/retry", bearer, handlePublicationRetry(cfg.Connect)},
		{"POST", "/api/v1/brands/{brandID}/products/{productID}/revert", bearer, handleProductRevert(cfg.Brands, cfg.Catalog, cfg.Connect)},
	}
}
