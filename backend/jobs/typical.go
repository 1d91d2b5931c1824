package jobs

import (
	"sort"
	"time"

	"pollinations-studio/storage"
)

// TypicalTime is how long a model usually takes: the median time from queueing to the result
// of the finished items made with it (by requested or reported name). It reports false when
// there is none to go by.
func TypicalTime(items []storage.Item, model string) (time.Duration, int, bool) {
	var ds []time.Duration
	for _, it := range items {
		if it.ModelRequested != model && it.ModelUsed != model {
			continue
		}
		if it.Status != Done || it.CreatedAt.IsZero() || !it.FinishedAt.After(it.CreatedAt) {
			continue
		}
		ds = append(ds, it.FinishedAt.Sub(it.CreatedAt))
	}
	if len(ds) == 0 {
		return 0, 0, false
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	m := ds[len(ds)/2]
	if len(ds)%2 == 0 {
		m = (ds[len(ds)/2-1] + m) / 2
	}
	return m, len(ds), true
}
