package app

import (
	"testing"
	"time"

	"pollinations-studio/backend/jobs"
)

func TestJobStateText(t *testing.T) {
	for _, tc := range []struct {
		name string
		j    jobs.Info
		want string
	}{
		{"queued", jobs.Info{State: jobs.Queued}, "queued"},
		{"running with bytes", jobs.Info{State: jobs.Running, Elapsed: 3 * time.Second, Bytes: 3 << 20, Progress: -1}, "running 3s · 3.0 MB"},
		{"uploading", jobs.Info{State: jobs.Running, Stage: jobs.StageUploading, Elapsed: 2 * time.Second, Bytes: 1 << 20, Progress: 0.25}, "uploading 2s · 1.0 MB (25%)"},
		{"uploading, nothing sent yet", jobs.Info{State: jobs.Running, Stage: jobs.StageUploading, Progress: 0}, "uploading"},
		{"done keeps no stage", jobs.Info{State: jobs.Done, Stage: jobs.StageUploading, Elapsed: time.Minute}, "done 1m0s"},
	} {
		if got := jobStateText(tc.j); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
