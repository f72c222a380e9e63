package api

// The types the API encodes or decodes that have no exported Go type, for
// the external tests that keep openapi.json in step with them.
type (
	GenerationInput   = generationInput
	GenerationJSON    = generationJSON
	DraftJSON         = draftJSON
	RejectInput       = rejectInput
	EditInput         = editInput
	RegenerateInput   = regenerateInput
	BulkApproveInput  = bulkApproveInput
	BulkApproveResult = bulkApproveResult
	DraftVersions     = draftVersions
	MemoryJSON        = memoryJSON
	MemoryItemJSON    = memoryItemJSON
	ConnectionJSON    = connectionJSON
	ConnectionList    = connectionList
	PublicationList   = publicationList
	PublishInput      = publishInput
	RevertInput       = revertInput
)
