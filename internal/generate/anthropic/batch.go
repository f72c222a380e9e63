package anthropic

import (
	"context"
	"errors"
	"fmt"

	sdk "github.com/anthropics/anthropic-sdk-go/v2"

	"github.com/plutopro/plutopro/internal/generate"
)

// batchPriceFactor: Message Batches cost half the normal price.
const batchPriceFactor = 0.5

var _ generate.Batcher = (*Provider)(nil)

// SubmitBatch sends every item as one Message Batch.
func (p *Provider) SubmitBatch(ctx context.Context, items []generate.BatchItem) (string, error) {
	reqs := make([]sdk.MessageBatchNewParamsRequest, 0, len(items))
	for _, it := range items {
		params, _ := p.Params(it.Request)
		reqs = append(reqs, sdk.MessageBatchNewParamsRequest{CustomID: it.CustomID, Params: sdk.MessageBatchNewParamsRequestParams{
			Model: params.Model, MaxTokens: params.MaxTokens, System: params.System, Messages: params.Messages, OutputConfig: params.OutputConfig,
		}})
	}
	b, err := p.client.Messages.Batches.New(ctx, sdk.MessageBatchNewParams{Requests: reqs})
	if err != nil {
		return "", describe(err)
	}
	return b.ID, nil
}

// BatchEnded polls the batch.
func (p *Provider) BatchEnded(ctx context.Context, id string) (bool, error) {
	b, err := p.client.Messages.Batches.Get(ctx, id, sdk.MessageBatchGetParams{})
	if err != nil {
		return false, describe(err)
	}
	return b.ProcessingStatus == sdk.MessageBatchProcessingStatusEnded, nil
}

// BatchResults streams the results (JSONL, not in request order) and matches
// each to its request by custom id.
func (p *Provider) BatchResults(ctx context.Context, id string, request func(string) (generate.Request, bool),
	fn func(string, *generate.Result, error) error) error {
	stream := p.client.Messages.Batches.ResultsStreaming(ctx, id, sdk.MessageBatchResultsParams{})
	defer stream.Close()
	for stream.Next() {
		line := stream.Current()
		req, ok := request(line.CustomID)
		if !ok {
			continue // not ours (or a duplicate submission's extra line)
		}
		if line.Result.Type != "succeeded" {
			if err := fn(line.CustomID, nil, fmt.Errorf("anthropic: batch request %s", line.Result.Type)); err != nil {
				return err
			}
			continue
		}
		msg := line.Result.Message
		params, pr := p.Params(req)
		_ = params
		res, err := p.Result(req, &msg, pr.Hash)
		if res != nil {
			res.Usage.CostUSD *= batchPriceFactor
		}
		if err := fn(line.CustomID, res, err); err != nil {
			return err
		}
	}
	if err := stream.Err(); err != nil && !errors.Is(err, context.Canceled) {
		return describe(err)
	}
	return nil
}
