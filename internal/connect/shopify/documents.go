package shopify

// Every GraphQL document the client sends is one of these constants; the
// tests validate each against Shopify's Admin API schema (2025-01) and
// check that none uses a deprecated field.
//
// Query cost, as Shopify computes it (scalars and enums 0, objects 1,
// connections 2 + first × the node's cost, mutations 10), bounds the page
// sizes: a single query may not request more than 1000 points. A products
// page of pageSize (20) products, each with variants(first: 10) and
// media(first: 10), requests 2 + 20 × 48 = 962 points, plus 1 for the
// count. Products with more variants or media are completed with
// variantsQuery and mediaQuery, 100 at a time (203 points).

// productFragments select what the catalog keeps of a product. The
// operations using them declare $variants and $media: how many variants
// and media to read inline.
const productFragments = `
fragment PlutoProProduct on Product {
  id
  handle
  title
  descriptionHtml
  vendor
  productType
  tags
  status
  createdAt
  updatedAt
  seo { title description }
  category { fullName }
  options { name values }
  variants(first: $variants) {
    pageInfo { hasNextPage endCursor }
    nodes { ...PlutoProVariant }
  }
  media(first: $media) {
    pageInfo { hasNextPage endCursor }
    nodes { ...PlutoProMedia }
  }
}

fragment PlutoProVariant on ProductVariant {
  id
  sku
  barcode
  price
  compareAtPrice
  inventoryQuantity
  selectedOptions { name value }
}

fragment PlutoProMedia on Media {
  id
  alt
  mediaContentType
  ... on MediaImage {
    image { url altText width height }
  }
}
`

// productsQuery reads one page of products and the store's product count.
const productsQuery = `query PlutoProProducts($first: Int!, $after: String, $variants: Int!, $media: Int!) {
  products(first: $first, after: $after, sortKey: ID) {
    pageInfo { hasNextPage endCursor }
    nodes { ...PlutoProProduct }
  }
  productsCount { count precision }
}
` + productFragments

// productQuery reads one product.
const productQuery = `query PlutoProProduct($id: ID!, $variants: Int!, $media: Int!) {
  product(id: $id) { ...PlutoProProduct }
}
` + productFragments

// variantsQuery reads more of a product's variants.
const variantsQuery = `query PlutoProProductVariants($id: ID!, $after: String) {
  product(id: $id) {
    variants(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { ...PlutoProVariant }
    }
  }
}

fragment PlutoProVariant on ProductVariant {
  id
  sku
  barcode
  price
  compareAtPrice
  inventoryQuantity
  selectedOptions { name value }
}
`

// mediaQuery reads more of a product's media.
const mediaQuery = `query PlutoProProductMedia($id: ID!, $after: String) {
  product(id: $id) {
    media(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { ...PlutoProMedia }
    }
  }
}

fragment PlutoProMedia on Media {
  id
  alt
  mediaContentType
  ... on MediaImage {
    image { url altText width height }
  }
}
`

// productsCountQuery counts the store's products (Shopify caps the count
// at 10,000 unless told otherwise; precision says whether it is exact).
const productsCountQuery = `query PlutoProProductsCount {
  productsCount { count precision }
}
`

// shopQuery reads the shop's name after authorization.
const shopQuery = `query PlutoProShop {
  shop { name myshopifyDomain }
}
`

// productUpdateMutation writes title, descriptionHtml, seo and tags.
const productUpdateMutation = `mutation PlutoProProductUpdate($product: ProductUpdateInput!) {
  productUpdate(product: $product) {
    product { id }
    userErrors { field message }
  }
}
`

// fileUpdateMutation writes images' alt text.
const fileUpdateMutation = `mutation PlutoProFileUpdate($files: [FileUpdateInput!]!) {
  fileUpdate(files: $files) {
    files { id alt }
    userErrors { code field message }
  }
}
`

// webhooksQuery lists the app's webhook subscriptions on the shop.
const webhooksQuery = `query PlutoProWebhooks($after: String) {
  webhookSubscriptions(first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id
      topic
      endpoint {
        __typename
        ... on WebhookHttpEndpoint { callbackUrl }
      }
    }
  }
}
`

// webhookCreateMutation subscribes one topic.
const webhookCreateMutation = `mutation PlutoProWebhookCreate($topic: WebhookSubscriptionTopic!, $subscription: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $subscription) {
    webhookSubscription { id topic }
    userErrors { field message }
  }
}
`

// webhookDeleteMutation removes one subscription.
const webhookDeleteMutation = `mutation PlutoProWebhookDelete($id: ID!) {
  webhookSubscriptionDelete(id: $id) {
    deletedWebhookSubscriptionId
    userErrors { field message }
  }
}
`

// bulkRunMutation starts a bulk query.
const bulkRunMutation = `mutation PlutoProBulkRun($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status }
    userErrors { code field message }
  }
}
`

// bulkCurrentQuery polls the shop's current bulk query (its query text
// tells ours from another's).
const bulkCurrentQuery = `query PlutoProBulkCurrent {
  currentBulkOperation(type: QUERY) {
    id
    status
    errorCode
    query
    objectCount
    rootObjectCount
    url
    partialDataUrl
  }
}
`

// bulkProductsQuery is the query a bulk operation runs (sent as the
// bulkRunMutation's $query): every product with all its variants and
// media, read back as JSONL with children on their own lines.
const bulkProductsQuery = `{
  products {
    edges {
      node {
        id
        handle
        title
        descriptionHtml
        vendor
        productType
        tags
        status
        createdAt
        updatedAt
        seo { title description }
        category { fullName }
        options { name values }
        variants {
          edges {
            node {
              id
              sku
              barcode
              price
              compareAtPrice
              inventoryQuantity
              selectedOptions { name value }
            }
          }
        }
        media {
          edges {
            node {
              id
              alt
              mediaContentType
              ... on MediaImage {
                image { url altText width height }
              }
            }
          }
        }
      }
    }
  }
}
`

// Documents returns every GraphQL document the client can send, by name,
// for tests and for the fake to check against the schema. The bulk
// operation's inner query is "BulkProducts".
func Documents() map[string]string {
	return map[string]string{
		"PlutoProProducts":        productsQuery,
		"PlutoProProduct":         productQuery,
		"PlutoProProductVariants": variantsQuery,
		"PlutoProProductMedia":    mediaQuery,
		"PlutoProProductsCount":   productsCountQuery,
		"PlutoProShop":            shopQuery,
		"PlutoProProductUpdate":   productUpdateMutation,
		"PlutoProFileUpdate":      fileUpdateMutation,
		"PlutoProWebhooks":        webhooksQuery,
		"PlutoProWebhookCreate":   webhookCreateMutation,
		"PlutoProWebhookDelete":   webhookDeleteMutation,
		"PlutoProBulkRun":         bulkRunMutation,
		"PlutoProBulkCurrent":     bulkCurrentQuery,
		"BulkProducts":            bulkProductsQuery,
	}
}
