package web

import "net/http"

// routes lists every page. Handlers wrapped in protect are state-changing
// (body limit + CSRF check; protectUpload for forms with a file);
// requireSession sends visitors to sign in.
func (s *Server) routes(mux *http.ServeMux) {
	auth := requireSession
	p := s.protect

	mux.Handle("GET /static/", s.handleStatic())
	mux.HandleFunc("/", s.notFound)
	mux.HandleFunc("GET /{$}", s.handleLanding)
	mux.HandleFunc("GET /privacy", s.handlePrivacy)

	// Sign-up, sign-in, password reset.
	mux.HandleFunc("GET /signup", s.handleSignUpForm)
	mux.HandleFunc("POST /signup", p(s.handleSignUp))
	mux.HandleFunc("GET /login", s.handleLoginForm)
	mux.HandleFunc("POST /login", p(s.handleLogin))
	mux.HandleFunc("POST /logout", p(s.handleLogout))
	mux.HandleFunc("GET /forgot", s.handleForgotForm)
	mux.HandleFunc("POST /forgot", p(s.handleForgot))
	// The reset and invitation links carry the token in the query, so access
	// logs, which record only the path, never hold it.
	mux.HandleFunc("GET /reset", s.handleResetForm)
	mux.HandleFunc("POST /reset", p(s.handleReset))
	mux.HandleFunc("GET /dev/outbox", s.handleOutbox)

	// Invitations.
	mux.HandleFunc("GET /invitations/accept", s.handleInvitation)
	mux.HandleFunc("POST /invitations/accept", p(s.handleInvitationAccept))

	mux.HandleFunc("GET /dashboard", auth(s.handleDashboard))

	// Brands.
	mux.HandleFunc("GET /brands", auth(s.handleBrandList))
	mux.HandleFunc("GET /brands/new", auth(s.handleBrandNew))
	mux.HandleFunc("POST /brands", p(auth(s.handleBrandCreate)))
	mux.HandleFunc("GET /brands/{id}", auth(s.handleBrandShow))
	mux.HandleFunc("GET /brands/{id}/edit", auth(s.handleBrandEdit))
	mux.HandleFunc("POST /brands/{id}", p(auth(s.handleBrandUpdate)))
	mux.HandleFunc("POST /brands/{id}/delete", p(auth(s.handleBrandDelete)))

	// Catalog: products and imports of a brand.
	mux.HandleFunc("GET /brands/{brandID}/products", auth(s.handleProductList))
	mux.HandleFunc("GET /brands/{brandID}/products/{productID}", auth(s.handleProductShow))
	mux.HandleFunc("GET /brands/{brandID}/imports", auth(s.handleImportList))
	mux.HandleFunc("POST /brands/{brandID}/imports", s.protectUpload(auth(s.handleImportCreate)))
	mux.HandleFunc("GET /brands/{brandID}/imports/{importID}", auth(s.handleImportShow))
	mux.HandleFunc("GET /brands/{brandID}/imports/{importID}/progress", auth(s.handleImportProgress))
	mux.HandleFunc("GET /brands/{brandID}/imports/{importID}/report.csv", auth(s.handleImportReport))

	// Drafts: generations over a brand's products and the drafts they write.
	mux.HandleFunc("POST /brands/{brandID}/products/{productID}/generate", p(auth(s.handleProductGenerate)))
	mux.HandleFunc("GET /brands/{brandID}/products/{productID}/drafts", auth(s.handleProductDrafts))
	mux.HandleFunc("POST /brands/{brandID}/generations", p(auth(s.handleGenerationCreate)))
	mux.HandleFunc("GET /brands/{brandID}/generations/{generationID}", auth(s.handleGenerationShow))
	mux.HandleFunc("GET /brands/{brandID}/generations/{generationID}/progress", auth(s.handleGenerationProgress))
	mux.HandleFunc("POST /brands/{brandID}/generations/{generationID}/cancel", p(auth(s.handleGenerationCancel)))
	mux.HandleFunc("GET /brands/{brandID}/drafts", auth(s.handleDraftList))

	// Review queue: decide on drafts one by one or in bulk.
	mux.HandleFunc("GET /brands/{brandID}/review", auth(s.handleReview))
	mux.HandleFunc("GET /brands/{brandID}/review/generations/{generationID}", auth(s.handleReviewGeneration))
	mux.HandleFunc("POST /brands/{brandID}/review/approve", p(auth(s.handleReviewBulkApprove)))
	mux.HandleFunc("POST /brands/{brandID}/review/{draftID}/approve", p(auth(s.handleReviewApprove)))
	mux.HandleFunc("POST /brands/{brandID}/review/{draftID}/reject", p(auth(s.handleReviewReject)))
	mux.HandleFunc("POST /brands/{brandID}/review/{draftID}/edit", p(auth(s.handleReviewEdit)))
	mux.HandleFunc("POST /brands/{brandID}/review/{draftID}/regenerate", p(auth(s.handleReviewRegenerate)))
	mux.HandleFunc("POST /brands/{brandID}/review/{draftID}/restore", p(auth(s.handleReviewRestore)))

	// Learning: the brand's memory and how reviews changed over time.
	mux.HandleFunc("GET /brands/{brandID}/learning", auth(s.handleLearning))
	mux.HandleFunc("POST /brands/{brandID}/learning/{itemID}/line", p(auth(s.handleMemoryLine)))
	mux.HandleFunc("POST /brands/{brandID}/learning/{itemID}/status", p(auth(s.handleMemoryStatus)))
	mux.HandleFunc("POST /brands/{brandID}/learning/{itemID}/delete", p(auth(s.handleMemoryDelete)))

	// Stores: a brand's connections, syncs and publications. The callback
	// is where a store sends the seller back: a GET from the store,
	// without a session or CSRF token (its one-time state stands for both).
	mux.HandleFunc("GET /brands/{brandID}/stores", auth(s.handleStores))
	mux.HandleFunc("POST /brands/{brandID}/stores/{platform}/connect", p(auth(s.handleStoreConnect)))
	mux.HandleFunc("POST /brands/{brandID}/stores/{platform}/sync", p(auth(s.handleStoreSync)))
	mux.HandleFunc("POST /brands/{brandID}/stores/{platform}/disconnect", p(auth(s.handleStoreDisconnect)))
	mux.HandleFunc("POST /brands/{brandID}/stores/{platform}/publish", p(auth(s.handleStorePublish)))
	mux.HandleFunc("GET /brands/{brandID}/stores/syncs/{syncID}", auth(s.handleStoreSyncProgress))
	mux.HandleFunc("POST /brands/{brandID}/stores/publications/{publicationID}/retry", p(auth(s.handleStoreRetry)))
	mux.HandleFunc("POST /brands/{brandID}/stores/products/{productID}/revert", p(auth(s.handleStoreRevert)))
	mux.HandleFunc("GET /connect/{platform}/callback", s.handleConnectCallback)

	// Members.
	mux.HandleFunc("GET /members", auth(s.handleMembers))
	mux.HandleFunc("POST /members/invite", p(auth(s.handleMemberInvite)))
	mux.HandleFunc("POST /members/{userID}/role", p(auth(s.handleMemberRole)))
	mux.HandleFunc("POST /members/{userID}/remove", p(auth(s.handleMemberRemove)))
	mux.HandleFunc("POST /invitations/{id}/revoke", p(auth(s.handleInvitationRevoke)))

	// API tokens.
	mux.HandleFunc("GET /tokens", auth(s.handleTokens))
	mux.HandleFunc("POST /tokens", p(auth(s.handleTokenCreate)))
	mux.HandleFunc("POST /tokens/{id}/revoke", p(auth(s.handleTokenRevoke)))

	// Settings.
	mux.HandleFunc("GET /settings", auth(s.handleSettings))
	mux.HandleFunc("POST /settings/profile", p(auth(s.handleSettingsProfile)))
	mux.HandleFunc("POST /settings/password", p(auth(s.handleSettingsPassword)))
	mux.HandleFunc("POST /settings/account", p(auth(s.handleSettingsAccount)))
	mux.HandleFunc("POST /account/switch", p(auth(s.handleAccountSwitch)))
}
