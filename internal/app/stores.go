package app

import (
	"github.com/plutopro/plutopro/internal/config"
	"github.com/plutopro/plutopro/internal/connect"
	"github.com/plutopro/plutopro/internal/connect/amazon"
	"github.com/plutopro/plutopro/internal/connect/etsy"
	"github.com/plutopro/plutopro/internal/connect/shopify"
)

// storeConnectors are the clients of the store platforms whose apps are
// configured (config.Stores); the others are not offered.
func storeConnectors(cfg config.Config) map[connect.Platform]connect.Connector {
	st := cfg.Stores
	out := map[connect.Platform]connect.Connector{}
	if st.ShopifyClientID != "" {
		out[connect.Shopify] = shopify.New(shopify.Options{ClientID: st.ShopifyClientID, ClientSecret: st.ShopifyClientSecret,
			APIVersion: st.ShopifyAPIVersion})
	}
	if st.EtsyKeystring != "" {
		out[connect.Etsy] = etsy.New(etsy.Options{Keystring: st.EtsyKeystring, SharedSecret: st.EtsySharedSecret})
	}
	if st.AmazonApplicationID != "" {
		out[connect.Amazon] = amazon.New(amazon.Options{ApplicationID: st.AmazonApplicationID, ClientID: st.AmazonClientID,
			ClientSecret: st.AmazonClientSecret, Region: st.AmazonRegion, MarketplaceID: st.AmazonMarketplaceID})
	}
	return out
}
