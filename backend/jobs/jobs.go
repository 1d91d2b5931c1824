// Package jobs runs every generation (image, edit, video, speech, transcription, text, chat
// reply) as a job: it persists the request in the library's queue, runs it through the API
// client with the concurrency the account allows, reports progress as events, and saves the
// result with its metadata and cost into the library. The command line and the window both use
// it, so a generation behaves the same wherever it was started.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sort"
	"sync"
	"time"

	"pollinations-studio/backend/api"
	"pollinations-studio/storage"
)

// States as the library names them.
const (
	Queued   storage.Status = "queued"
	Running  storage.Status = "running"
	Done     storage.Status = "done"
	Failed   storage.Status = "failed"
	Canceled storage.Status = "canceled"
)

// State is a job's state.
type State = storage.Status

// DefaultMaxConcurrent bounds parallel generations for paid accounts.
const DefaultMaxConcurrent = 4

// Config wires a Service.
type Config struct {
	Library       *storage.Library
	Client        *api.Client
	MaxConcurrent int
	// MaxUploadBytes is the largest file sent for transcription in one request; a WAV over it is
	// sent in parts. 0 means api.MaxTranscriptionBytes.
	MaxUploadBytes int64
	// TempDir holds the parts of a job while it runs; "" means os.TempDir().
	TempDir string
	// Heartbeat is how often the service renews its lease on its jobs; 0 means
	// DefaultHeartbeat. A job whose owner missed about three beats is an orphan (see Orphans).
	Heartbeat time.Duration
}

// DefaultHeartbeat is how often a service says it is alive to the library.
const DefaultHeartbeat = 5 * time.Second

// leaseBeats is how many heartbeats a lease outlives: a process stalled for one or two beats
// (a slow disk, a suspended laptop waking) keeps its jobs.
const leaseBeats = 4

// Request is one generation; exactly one of the pointers is set.
type Request struct {
	Image      *api.ImageRequest      `json:"image,omitempty"`
	Video      *api.VideoRequest      `json:"video,omitempty"`
	Speech     *api.SpeechRequest     `json:"speech,omitempty"`
	Transcribe *api.TranscribeRequest `json:"transcribe,omitempty"`
	Text       *api.ChatRequest       `json:"text,omitempty"`
	Chat       *ChatTurn              `json:"chat,omitempty"`
	Voice      *VoiceTool             `json:"voice,omitempty"` // isolate, revoice, stems
	Music      *api.MusicRequest      `json:"music,omitempty"` // music or a sound effect (music.go)
	// Model3D: Image entries may be local files, uploaded when the job runs (model3d.go).
	Model3D  *api.Model3DRequest `json:"model3d,omitempty"`
	ParentID *int64              `json:"parent_id,omitempty"`
	Relation string              `json:"relation,omitempty"`
}

// ChatTurn is an assistant reply in a conversation kept in the library.
type ChatTurn struct {
	ChatID          int64           `json:"chat_id"`
	ParentMessageID *int64          `json:"parent_message_id,omitempty"`
	Request         api.ChatRequest `json:"request"`
}

// Kind tells which library kind the request produces.
func (r Request) Kind() (storage.Kind, error) {
	n := 0
	var k storage.Kind
	for _, c := range []struct {
		set  bool
		kind storage.Kind
	}{
		{r.Image != nil, storage.KindImage}, {r.Video != nil, storage.KindVideo}, {r.Speech != nil, storage.KindSpeech},
		{r.Transcribe != nil, storage.KindTranscript}, {r.Text != nil, storage.KindText}, {r.Chat != nil, storage.KindChat},
		{r.Voice != nil, KindVoiceResult},
		{r.Music != nil, musicKind(r.Music)},
		{r.Model3D != nil, storage.Kind3D},
	} {
		if c.set {
			n++
			k = c.kind
		}
	}
	if n != 1 {
		return "", fmt.Errorf("jobs: a request needs exactly one generation, got %d", n)
	}
	return k, nil
}

func (r Request) promptAndModel() (prompt, model string) {
	switch {
	case r.Image != nil:
		return r.Image.Prompt, r.Image.Model
	case r.Video != nil:
		return r.Video.Prompt, r.Video.Model
	case r.Speech != nil:
		return r.Speech.Text, r.Speech.Model
	case r.Transcribe != nil:
		return r.Transcribe.File, r.Transcribe.Model
	case r.Text != nil:
		return lastUserText(r.Text.Messages), r.Text.Model
	case r.Chat != nil:
		return lastUserText(r.Chat.Request.Messages), r.Chat.Request.Model
	case r.Voice != nil:
		return r.Voice.Tool + " " + r.Voice.File, r.Voice.model()
	case r.Music != nil:
		return r.Music.Prompt, r.Music.Model
	case r.Model3D != nil:
		return prompt3D(*r.Model3D), orDefault(r.Model3D.Model, Default3DModel)
	}
	return "", ""
}

func lastUserText(ms []api.Message) string {
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].Role != "user" {
			continue
		}
		if ms[i].Content != "" {
			return ms[i].Content
		}
		for _, p := range ms[i].Parts {
			if p.Type == "text" && p.Text != "" {
				return p.Text
			}
		}
	}
	return ""
}

// Info is what the window shows of a job.
type Info struct {
	ID            int64
	Kind          storage.Kind
	State         State
	Prompt, Model string
	Created       time.Time
	Started       time.Time
	Finished      time.Time
	Elapsed       time.Duration
	// Progress is 0..1, or -1 when the server tells nothing (video, image).
	Progress float64
	// Stage is what the job is doing before its request, when that takes time: StageUploading
	// while a source file goes up to the media host; "" otherwise.
	Stage string
	Bytes int64
	// Part and Parts, for a job sent as several requests (long speech, a big WAV): the request
	// running (from 1) and how many there are. Both 0 for a job of one request.
	Part, Parts int
	ItemID      *int64
	Err         error
}

// Event is a change in a job.
type Event struct {
	Info
	TextDelta, ReasoningDelta string
	// Audio, on the first event of a speech job that has bytes, reads the audio as it
	// downloads, from its first byte, for live playback. Reading it is optional.
	Audio io.Reader
}

// Service runs jobs.
type Service struct {
	lib       *storage.Library
	maxConc   int
	maxUpload int64
	tempDir   string
	owner     string        // this process, as the library's job leases name it
	beat      time.Duration // how often the lease is renewed

	mu      sync.Mutex
	client  *api.Client
	paid    bool
	started bool
	queue   []int64
	entries map[int64]*entry
	running int
	subs    map[int]*subscriber
	nextSub int

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	wake   chan struct{}
}

type entry struct {
	info     Info
	req      Request
	cancel   context.CancelFunc
	done     chan struct{}
	item     *storage.Item
	canceled bool
}

// New returns a Service; call Start to run jobs.
func New(cfg Config) *Service {
	n := cfg.MaxConcurrent
	if n <= 0 {
		n = DefaultMaxConcurrent
	}
	up := cfg.MaxUploadBytes
	if up <= 0 {
		up = api.MaxTranscriptionBytes
	}
	tmp := cfg.TempDir
	if tmp == "" {
		tmp = os.TempDir()
	}
	beat := cfg.Heartbeat
	if beat <= 0 {
		beat = DefaultHeartbeat
	}
	return &Service{
		lib: cfg.Library, client: cfg.Client, maxConc: n, maxUpload: up, tempDir: tmp,
		owner: storage.NewOwner(), beat: beat,
		entries: map[int64]*entry{}, subs: map[int]*subscriber{},
		wake: make(chan struct{}, 1),
	}
}

// SetClient switches to another client (the key changed).
func (s *Service) SetClient(c *api.Client) {
	s.mu.Lock()
	s.client = c
	s.mu.Unlock()
	s.poke()
}

// SetPaid tells whether the account has paid pollen: a free account may have only one
// generation in flight (the service answers others with 429).
func (s *Service) SetPaid(paid bool) {
	s.mu.Lock()
	s.paid = paid
	s.mu.Unlock()
	s.poke()
}

func (s *Service) limit() int {
	if !s.paid {
		return 1
	}
	return s.maxConc
}

// Start starts the scheduler. It runs only the jobs submitted to (or resumed by) this service:
// jobs another process left behind are offered by Orphans, and run again only on Resume.
func (s *Service) Start(ctx context.Context) error {
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		return errors.New("jobs: already started")
	}
	s.started = true
	s.ctx, s.cancel = context.WithCancel(context.WithoutCancel(ctx))
	s.mu.Unlock()
	s.wg.Add(2)
	go s.schedule()
	go s.heartbeat()
	s.poke()
	return nil
}

// lease is how long a job outlives its owner's last heartbeat.
func (s *Service) lease() time.Duration { return leaseBeats * s.beat }

// heartbeat renews this service's lease on its jobs until Close.
func (s *Service) heartbeat() {
	defer s.wg.Done()
	t := time.NewTicker(s.beat)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(s.ctx, s.beat)
			_ = s.lib.BeatJobs(ctx, s.owner) // a missed beat is retried at the next tick
			cancel()
		}
	}
}

// Orphans lists the jobs left queued or running by a process that has ended (a window that
// quit or crashed, a command that was killed), oldest first. They are not run until Resume;
// Discard drops one. Jobs of a process still running (another command, this service) are
// never listed.
func (s *Service) Orphans(ctx context.Context) ([]storage.Job, error) {
	js, err := s.lib.OrphanJobs(ctx, s.lease())
	if err != nil {
		return nil, fmt.Errorf("jobs: listing left-over jobs: %w", err)
	}
	return js, nil
}

// Resume takes over an orphan and queues it here. It fails with storage.ErrJobTaken if
// another process took it first or its owner is alive after all.
func (s *Service) Resume(ctx context.Context, id int64) error {
	s.mu.Lock()
	e, ok := s.entries[id]
	mine := ok && !isFinal(e.info.State)
	s.mu.Unlock()
	if mine {
		return nil // queued or running here already
	}
	j, err := s.lib.AdoptJob(ctx, id, s.owner, s.lease())
	if err != nil {
		return fmt.Errorf("jobs: resuming job %d: %w", id, err)
	}
	var req Request
	if err := json.Unmarshal(j.Request, &req); err != nil {
		_ = s.lib.DiscardJob(ctx, id, s.owner, s.lease())
		return fmt.Errorf("jobs: job %d has an unreadable request: %w", id, err)
	}
	s.mu.Lock()
	e = s.newEntry(*j, req)
	s.queue = append(s.queue, id)
	info := e.info
	s.mu.Unlock()
	s.emit(Event{Info: info})
	s.poke()
	return nil
}

// Discard cancels an orphan for good; its prompt and request stay in the library for a retry.
func (s *Service) Discard(ctx context.Context, id int64) error {
	if err := s.lib.DiscardJob(ctx, id, s.owner, s.lease()); err != nil {
		return fmt.Errorf("jobs: discarding job %d: %w", id, err)
	}
	return nil
}

// Close stops the scheduler and the running jobs. The jobs it had not finished stay queued in
// the library, released at once, so the next window offers them (Orphans) to resume.
func (s *Service) Close() {
	s.mu.Lock()
	cancel := s.cancel
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	s.wg.Wait()
	if cancel != nil {
		ctx, done := context.WithTimeout(context.Background(), 10*time.Second)
		_ = s.lib.ReleaseJobs(ctx, s.owner)
		done()
	}
	s.mu.Lock()
	for id, sub := range s.subs {
		sub.close()
		delete(s.subs, id)
	}
	s.mu.Unlock()
}

func (s *Service) newEntry(j storage.Job, req Request) *entry {
	prompt, model := req.promptAndModel()
	e := &entry{req: req, done: make(chan struct{}), info: Info{
		ID: j.ID, Kind: j.Kind, State: Queued, Prompt: prompt, Model: model, Created: j.CreatedAt, Progress: -1,
	}}
	s.entries[j.ID] = e
	return e
}

// Submit persists a job and queues it; it returns at once with the job's id.
func (s *Service) Submit(ctx context.Context, r Request) (int64, error) {
	kind, err := r.Kind()
	if err != nil {
		return 0, err
	}
	if r.Model3D != nil {
		// A picture that is not one is refused before anything goes up or is paid for.
		if err := Check3D(*r.Model3D); err != nil {
			return 0, err
		}
	}
	fixSeed(&r)
	body, err := json.Marshal(r)
	if err != nil {
		return 0, fmt.Errorf("jobs: encoding the request: %w", err)
	}
	prompt, model := r.promptAndModel()
	now := time.Now()
	// Owned by this process from the start: no other process may run it while we are alive.
	j := storage.Job{Kind: kind, Status: Queued, Request: body, Prompt: prompt, Model: model, CreatedAt: now,
		Owner: s.owner, Heartbeat: now}
	id, err := s.lib.EnqueueJob(ctx, &j)
	if err != nil {
		return 0, fmt.Errorf("jobs: saving the job: %w", err)
	}
	j.ID = id
	s.mu.Lock()
	e := s.newEntry(j, r)
	s.queue = append(s.queue, id)
	info := e.info
	s.mu.Unlock()
	s.emit(Event{Info: info})
	s.poke()
	return id, nil
}

// fixSeed gives media requests a seed when they have none, so that a retry or a remix sends the
// byte-identical request (the server joins or returns the same generation, and bills it once).
func fixSeed(r *Request) {
	seed := func() *int64 { v := rand.Int64N(1 << 31); return &v }
	switch {
	case r.Image != nil && r.Image.Seed == nil:
		r.Image.Seed = seed()
	case r.Video != nil && r.Video.Seed == nil:
		r.Video.Seed = seed()
	case r.Model3D != nil && r.Model3D.Seed == nil:
		r.Model3D.Seed = seed()
	}
}

// Cancel stops a job: a queued one never starts, a running one is detached and its request
// stopped. Its prompt and settings stay in the library for a retry.
func (s *Service) Cancel(id int64) {
	s.mu.Lock()
	e, ok := s.entries[id]
	if !ok || isFinal(e.info.State) {
		s.mu.Unlock()
		return
	}
	e.canceled = true
	if e.cancel != nil {
		e.cancel()
		s.mu.Unlock()
		return
	}
	// Still queued: finish it here.
	for i, q := range s.queue {
		if q == id {
			s.queue = append(s.queue[:i], s.queue[i+1:]...)
			break
		}
	}
	e.info.State = Canceled
	e.info.Finished = time.Now()
	info := e.info
	s.mu.Unlock()
	s.persist(info, nil)
	close(e.done)
	s.emit(Event{Info: info})
}

// Retry queues a new job with the byte-identical request of an earlier one (from this session
// or from the library).
func (s *Service) Retry(ctx context.Context, id int64) (int64, error) {
	s.mu.Lock()
	e, ok := s.entries[id]
	var req Request
	if ok {
		req = e.req
	}
	s.mu.Unlock()
	if !ok {
		j, err := s.lib.Job(ctx, id)
		if err != nil {
			return 0, fmt.Errorf("jobs: job %d: %w", id, err)
		}
		if err := json.Unmarshal(j.Request, &req); err != nil {
			return 0, fmt.Errorf("jobs: job %d has an unreadable request: %w", id, err)
		}
	}
	return s.Submit(ctx, req)
}

// Wait blocks until the job ends and returns its library item, or its error.
func (s *Service) Wait(ctx context.Context, id int64) (*storage.Item, error) {
	s.mu.Lock()
	e, ok := s.entries[id]
	s.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("jobs: no job %d in this session", id)
	}
	select {
	case <-e.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch e.info.State {
	case Done:
		return e.item, nil
	case Canceled:
		return e.item, context.Canceled
	}
	return e.item, e.info.Err
}

// Snapshot lists every job of this session, newest first.
func (s *Service) Snapshot() []Info {
	s.mu.Lock()
	out := make([]Info, 0, len(s.entries))
	now := time.Now()
	for _, e := range s.entries {
		out = append(out, withElapsed(e.info, now))
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out
}

// Counts returns how many jobs are running and queued.
func (s *Service) Counts() (running, queued int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running, len(s.queue)
}

func withElapsed(i Info, now time.Time) Info {
	switch {
	case i.Started.IsZero():
	case i.Finished.IsZero():
		i.Elapsed = now.Sub(i.Started)
	default:
		i.Elapsed = i.Finished.Sub(i.Started)
	}
	return i
}

func isFinal(st State) bool { return st == Done || st == Failed || st == Canceled }

func (s *Service) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// schedule starts queued jobs while the account's concurrency allows.
func (s *Service) schedule() {
	defer s.wg.Done()
	for {
		s.mu.Lock()
		for len(s.queue) > 0 && s.running < s.limit() && s.client != nil {
			id := s.queue[0]
			s.queue = s.queue[1:]
			e := s.entries[id]
			ctx, cancel := context.WithCancel(s.ctx)
			e.cancel = cancel
			e.info.State = Running
			e.info.Started = time.Now()
			s.running++
			client := s.client
			s.wg.Add(1)
			go s.run(ctx, e, client)
		}
		s.mu.Unlock()
		select {
		case <-s.ctx.Done():
			return
		case <-s.wake:
		}
	}
}

func (s *Service) run(ctx context.Context, e *entry, client *api.Client) {
	defer s.wg.Done()
	// The claim is one transaction: if another process holds the job, it is not run here.
	claimCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	_, claimErr := s.lib.ClaimJob(claimCtx, e.info.ID, s.owner, s.lease())
	cancel()
	s.mu.Lock()
	info := e.info
	s.mu.Unlock()
	if claimErr == nil {
		s.emit(Event{Info: info})
	}

	var item *storage.Item
	var err error
	if claimErr != nil {
		err = fmt.Errorf("jobs: not run: %w", claimErr)
	} else {
		r := &runner{s: s, e: e, client: client}
		item, err = r.execute(ctx)
	}

	s.mu.Lock()
	e.cancel = nil
	s.running--
	shutdown := s.ctx.Err() != nil && !e.canceled && claimErr == nil
	switch {
	case shutdown:
		// The app is quitting: the job stays queued for the next start.
		e.info.State = Queued
	case e.canceled:
		e.info.State = Canceled
	case err != nil:
		e.info.State = Failed
		e.info.Err = err
	default:
		e.info.State = Done
	}
	e.info.Finished = time.Now()
	e.item = item
	if item != nil {
		id := item.ID
		e.info.ItemID = &id
	}
	if !shutdown {
		e.info.Progress = 1
	}
	info = withElapsed(e.info, time.Now())
	s.mu.Unlock()
	// Recorded before Wait returns: whoever waits finds the library up to date. A job that
	// was not ours to run is left as its owner has it.
	if claimErr == nil {
		s.persist(info, err)
	}
	close(e.done)
	s.emit(Event{Info: info})
	s.poke()
}

// persist writes the job's state to the library. A failure to record a state change is not fatal
// to the generation: the result (if any) is already saved.
func (s *Service) persist(info Info, runErr error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	j, err := s.lib.Job(ctx, info.ID)
	if err != nil {
		return
	}
	j.Status = info.State
	j.StartedAt = info.Started
	j.FinishedAt = info.Finished
	j.ItemID = info.ItemID
	j.Heartbeat = time.Now()
	if runErr != nil {
		j.Error = api.Redact(runErr.Error())
	}
	// Only while the job is still ours: a job taken over by another process is its to record.
	_ = s.lib.UpdateOwnedJob(ctx, j, s.owner)
}
