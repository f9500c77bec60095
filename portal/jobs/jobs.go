// Package jobs is every periodic or deferred job of the portal, each one
// named River job (github.com/riverqueue/river) kept in the database: the
// periodic ones (expiry, promises, breaches, snapshots, import recovery,
// early warning) are enqueued by River's elected leader with unique options,
// so several instances on one database never run one twice at once; the
// deferred ones (rescoring after an event, a background import) are enqueued
// by the request after its commit and worked later. Failures are retried
// (MaxAttempts); River's schema is migrated by Migrate (rivermigrate).
package jobs

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"collect/evidence"
	"collect/evidence/blob"
	"collect/portal/store"
)

// The job kinds, as the admin page and /metrics name them.
const (
	KindExpirePlacements = "expire_placements"
	KindEvaluatePromises = "evaluate_promises"
	KindDetectBreaches   = "detect_breaches"
	KindSnapshotBuckets  = "snapshot_buckets"
	KindRecoverImports   = "recover_imports"
	KindEarlyWarning     = "early_warning"
	KindRescoreAccounts  = "rescore_accounts"
	KindImportPortfolio  = "import_portfolio"
	// Evidence and quality (issue 16).
	KindRetainEvidence     = "retain_evidence"
	KindMissingRecordings  = "missing_recordings"
	KindDrawQualitySamples = "draw_quality_samples"
)

// Kinds lists every job kind, in the admin page's order.
var Kinds = []string{KindExpirePlacements, KindEvaluatePromises, KindDetectBreaches, KindSnapshotBuckets,
	KindRecoverImports, KindEarlyWarning, KindRescoreAccounts, KindImportPortfolio,
	KindRetainEvidence, KindMissingRecordings, KindDrawQualitySamples}

// States are the states a job's last run can be in (River's).
var States = func() []string {
	var out []string
	for _, st := range rivertype.JobStates() {
		out = append(out, string(st))
	}
	return out
}()

// Periodic reports whether kind runs on the interval.
func Periodic(kind string) bool {
	return kind != KindRescoreAccounts && kind != KindImportPortfolio
}

type ExpirePlacementsArgs struct{}
type EvaluatePromisesArgs struct{}
type DetectBreachesArgs struct{}
type SnapshotBucketsArgs struct{}
type RecoverImportsArgs struct{}
type EarlyWarningArgs struct{}
type RetainEvidenceArgs struct{}
type MissingRecordingsArgs struct{}
type DrawQualitySamplesArgs struct{}

// RescoreAccountsArgs rescores accounts after an event committed.
type RescoreAccountsArgs struct {
	AccountIDs []string `json:"account_ids"`
}

// ImportPortfolioArgs runs a background import of the upload copied to Path
// on the instance whose queue the job is in. Payload is the portal's own
// description of the import (actor, mapping, ...).
type ImportPortfolioArgs struct {
	ImportID string `json:"import_id"`
	Path     string `json:"path"`
	Size     int64  `json:"size"`
	Payload  []byte `json:"payload"`
}

func (ExpirePlacementsArgs) Kind() string   { return KindExpirePlacements }
func (EvaluatePromisesArgs) Kind() string   { return KindEvaluatePromises }
func (DetectBreachesArgs) Kind() string     { return KindDetectBreaches }
func (SnapshotBucketsArgs) Kind() string    { return KindSnapshotBuckets }
func (RecoverImportsArgs) Kind() string     { return KindRecoverImports }
func (EarlyWarningArgs) Kind() string       { return KindEarlyWarning }
func (RescoreAccountsArgs) Kind() string    { return KindRescoreAccounts }
func (ImportPortfolioArgs) Kind() string    { return KindImportPortfolio }
func (RetainEvidenceArgs) Kind() string     { return KindRetainEvidence }
func (MissingRecordingsArgs) Kind() string  { return KindMissingRecordings }
func (DrawQualitySamplesArgs) Kind() string { return KindDrawQualitySamples }

// Options configure a Runner.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time
	// Interval is how often the periodic jobs run; they don't when <= 0.
	Interval time.Duration
	// Import works an import_portfolio job (the portal's import code).
	Import func(ctx context.Context, args ImportPortfolioArgs) error
	// RecoverImports fails imports a stopped process left running.
	RecoverImports func(ctx context.Context) error
	// Blobs is the evidence store the retention job deletes from; the
	// retention job does nothing without it.
	Blobs blob.Store
	// Observe is told of every finished attempt (for /metrics).
	Observe func(kind, outcome string, took time.Duration, at time.Time)
	// RescoreDelay gathers the events of this window into one rescoring
	// per set of accounts; a second when zero, and at least a second
	// (River's uniqueness periods are whole seconds).
	RescoreDelay time.Duration
	// RetryDelay is the wait before a failed job's next attempt; River's
	// policy (attempt^4 seconds) when zero.
	RetryDelay time.Duration
	// PollInterval is how often the queues are polled (the SQLite and
	// database/sql drivers have no LISTEN); 200ms when zero.
	PollInterval time.Duration
}

// MaxAttempts is how often a job is tried before it is discarded.
const MaxAttempts = 3

// Runner is the River client and the portal's jobs.
type Runner struct {
	client      *river.Client[*sql.Tx]
	st          *store.Store
	opt         Options
	importQueue string
	mu          sync.Mutex
	started     bool
	periodic    bool
}

func driver(st *store.Store) riverdriver.Driver[*sql.Tx] {
	if st.Dialect() == "postgres" {
		return riverdatabasesql.New(st.DB())
	}
	return riversqlite.New(st.DB())
}

// Migrate brings River's tables up to date (idempotent; fast when they are).
func Migrate(ctx context.Context, st *store.Store) error {
	m, err := rivermigrate.New(driver(st), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}
	return nil
}

// uniquePeriodic keeps a periodic kind to one job not yet finished.
var uniquePeriodic = river.UniqueOpts{ByState: []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled}}

// New migrates River's schema and builds the client (not started).
func New(ctx context.Context, st *store.Store, opt Options) (*Runner, error) {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.RescoreDelay == 0 {
		opt.RescoreDelay = time.Second
	}
	if opt.RescoreDelay < time.Second {
		return nil, fmt.Errorf("jobs: RescoreDelay %s is under a second", opt.RescoreDelay)
	}
	if opt.PollInterval == 0 {
		opt.PollInterval = 200 * time.Millisecond
	}
	if err := Migrate(ctx, st); err != nil {
		return nil, err
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	r := &Runner{st: st, opt: opt, importQueue: "imports_" + hex.EncodeToString(b)}
	workers := river.NewWorkers()
	add(workers, r, func(ctx context.Context, _ *river.Job[ExpirePlacementsArgs]) error {
		offers, terms, err := st.ExpirePlacements(ctx)
		if err == nil && offers+terms > 0 {
			opt.Logger.Info("placements expired", "offers", offers, "terms", terms)
		}
		return err
	})
	add(workers, r, func(ctx context.Context, _ *river.Job[EvaluatePromisesArgs]) error {
		broken, err := st.EvaluatePromises(ctx)
		if err == nil && broken > 0 {
			opt.Logger.Info("promises broken", "instalments", broken)
		}
		return err
	})
	add(workers, r, func(ctx context.Context, job *river.Job[DetectBreachesArgs]) error {
		since, err := r.lastStarted(ctx, KindDetectBreaches, job.ID)
		if err != nil {
			return err
		}
		n, err := st.DetectBreaches(ctx, since.Add(-time.Hour)) // overlap is safe: a breach recorded twice is a no-op
		if err == nil && n > 0 {
			opt.Logger.Info("conduct breaches found", "breaches", n)
		}
		return err
	})
	add(workers, r, func(ctx context.Context, _ *river.Job[SnapshotBucketsArgs]) error {
		_, err := st.SnapshotBuckets(ctx, opt.Now().UTC().Format("2006-01"))
		return err
	})
	add(workers, r, func(ctx context.Context, _ *river.Job[RecoverImportsArgs]) error {
		if opt.RecoverImports == nil {
			return nil
		}
		return opt.RecoverImports(ctx)
	})
	add(workers, r, func(ctx context.Context, _ *river.Job[EarlyWarningArgs]) error {
		trained, scored, err := st.EarlyWarningDue(ctx)
		if err == nil && trained+scored > 0 {
			opt.Logger.Info("early-warning models", "lenders_trained", trained, "lenders_scored", scored)
		}
		return err
	})
	add(workers, r, func(ctx context.Context, _ *river.Job[RetainEvidenceArgs]) error {
		if opt.Blobs == nil {
			return nil
		}
		n, err := RetainEvidence(ctx, st, opt.Blobs, opt.Now(), opt.Logger)
		if err == nil && n > 0 {
			opt.Logger.Info("evidence past retention deleted", "objects", n)
		}
		return err
	})
	add(workers, r, func(ctx context.Context, job *river.Job[MissingRecordingsArgs]) error {
		since, err := r.lastStarted(ctx, KindMissingRecordings, job.ID)
		if err != nil {
			return err
		}
		now := opt.Now()
		n, err := st.DetectMissingRecordings(ctx, since.Add(-evidence.RecordingGrace-time.Hour), now.Add(-evidence.RecordingGrace))
		if err == nil && n > 0 {
			opt.Logger.Info("call recordings missing", "calls", n)
		}
		return err
	})
	add(workers, r, func(ctx context.Context, _ *river.Job[DrawQualitySamplesArgs]) error {
		n, err := st.DrawDueSamples(ctx)
		if err == nil && n > 0 {
			opt.Logger.Info("quality samples drawn", "plans", n)
		}
		return err
	})
	add(workers, r, func(ctx context.Context, job *river.Job[RescoreAccountsArgs]) error {
		return st.Rescore(ctx, job.Args.AccountIDs...)
	})
	add(workers, r, func(ctx context.Context, job *river.Job[ImportPortfolioArgs]) error {
		if opt.Import == nil {
			return errors.New("no import runner")
		}
		return opt.Import(ctx, job.Args)
	})
	client, err := river.NewClient(driver(st), &river.Config{
		Logger: opt.Logger,
		Queues: map[string]river.QueueConfig{
			river.QueueDefault: {MaxWorkers: 4},
			r.importQueue:      {MaxWorkers: 2},
		},
		Workers:           workers,
		FetchCooldown:     opt.PollInterval / 4,
		FetchPollInterval: opt.PollInterval,
		MaxAttempts:       MaxAttempts,
		JobTimeout:        -1, // an early-warning training or a large import may take long
	})
	if err != nil {
		return nil, err
	}
	r.client = client
	if opt.Observe != nil {
		events, _ := client.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled)
		go func() {
			for e := range events {
				outcome := string(e.Job.State)
				if e.Kind == river.EventKindJobCompleted {
					outcome = "completed"
				}
				at := opt.Now()
				if e.Job.FinalizedAt != nil {
					at = *e.Job.FinalizedAt
				}
				var took time.Duration
				if e.JobStats != nil {
					took = e.JobStats.RunDuration
				}
				opt.Observe(e.Job.Kind, outcome, took, at)
			}
		}()
	}
	return r, nil
}

type worker[T river.JobArgs] struct {
	river.WorkerDefaults[T]
	r  *Runner
	do func(context.Context, *river.Job[T]) error
}

func (w *worker[T]) Work(ctx context.Context, job *river.Job[T]) error { return w.do(ctx, job) }

func (w *worker[T]) NextRetry(*river.Job[T]) time.Time {
	if w.r.opt.RetryDelay > 0 {
		return time.Now().Add(w.r.opt.RetryDelay)
	}
	return time.Time{}
}

func add[T river.JobArgs](ws *river.Workers, r *Runner, do func(context.Context, *river.Job[T]) error) {
	river.AddWorker(ws, &worker[T]{r: r, do: do})
}

// lastStarted is when the previous run of kind began, a day ago if none.
func (r *Runner) lastStarted(ctx context.Context, kind string, except int64) (time.Time, error) {
	res, err := r.client.JobList(ctx, river.NewJobListParams().Kinds(kind).
		States(rivertype.JobStateCompleted).OrderBy(river.JobListOrderByFinalizedAt, river.SortOrderDesc).First(2))
	if err != nil {
		return time.Time{}, err
	}
	for _, j := range res.Jobs {
		if j.ID != except && j.AttemptedAt != nil {
			return *j.AttemptedAt, nil
		}
	}
	return r.opt.Now().Add(-24 * time.Hour), nil
}

// Start starts working the queues and, when periodic and the interval is
// positive, the periodic jobs (enqueued by the elected leader only). Starting
// again only adds the periodic jobs if asked and missing.
func (r *Runner) Start(ctx context.Context, periodic bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if periodic && !r.periodic && r.opt.Interval > 0 {
		r.client.PeriodicJobs().AddMany(r.periodicJobs())
		r.periodic = true
	}
	if r.started {
		return nil
	}
	if err := r.client.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	r.started = true
	return nil
}

func (r *Runner) periodicJobs() []*river.PeriodicJob {
	var periodic []*river.PeriodicJob
	for _, args := range []river.JobArgs{ExpirePlacementsArgs{}, EvaluatePromisesArgs{}, DetectBreachesArgs{},
		SnapshotBucketsArgs{}, RecoverImportsArgs{}, EarlyWarningArgs{},
		RetainEvidenceArgs{}, MissingRecordingsArgs{}, DrawQualitySamplesArgs{}} {
		periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(r.opt.Interval),
			func() (river.JobArgs, *river.InsertOpts) {
				return args, &river.InsertOpts{MaxAttempts: MaxAttempts, UniqueOpts: uniquePeriodic}
			}, &river.PeriodicJobOpts{ID: args.Kind(), RunOnStart: true}))
	}
	return periodic
}

// Stop lets running jobs finish (an import its transaction) for up to
// timeout, then cancels them.
func (r *Runner) Stop(timeout time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.started {
		return nil
	}
	r.started = false
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := r.client.Stop(ctx)
	if err != nil {
		cctx, ccancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer ccancel()
		err = r.client.StopAndCancel(cctx)
	}
	return err
}

// Client is the River client (tests).
func (r *Runner) Client() *river.Client[*sql.Tx] { return r.client }

// EnqueueRescore asks for the accounts to be rescored soon: the events of
// one RescoreDelay window on the same accounts make one job (unique by
// arguments and period, scheduled at the window's end).
func (r *Runner) EnqueueRescore(ctx context.Context, accountIDs ...string) error {
	if len(accountIDs) == 0 {
		return nil
	}
	ids := slices.Clone(accountIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	at := r.opt.Now().Truncate(r.opt.RescoreDelay).Add(r.opt.RescoreDelay)
	_, err := r.client.Insert(context.WithoutCancel(ctx), RescoreAccountsArgs{AccountIDs: ids}, &river.InsertOpts{
		ScheduledAt: at, MaxAttempts: MaxAttempts,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: r.opt.RescoreDelay},
	})
	return err
}

// EnqueueImport queues a background import on this instance's own queue:
// the upload copy is on its disk. If the instance stops first, the
// recover_imports job fails the import as interrupted.
func (r *Runner) EnqueueImport(ctx context.Context, args ImportPortfolioArgs) error {
	if err := r.Start(ctx, false); err != nil {
		return err
	}
	_, err := r.client.Insert(ctx, args, &river.InsertOpts{Queue: r.importQueue, MaxAttempts: 1})
	return err
}

// Status is what the admin page shows of one kind.
type Status struct {
	Kind     string
	Periodic bool
	LastRun  *time.Time // the last attempt's start
	Duration time.Duration
	State    string // River's state of the last job run
	Error    string // its last error
	NextRun  *time.Time
	Attempt  int
}

// Statuses reports every kind's last run and next run.
func (r *Runner) Statuses(ctx context.Context) ([]Status, error) {
	out := make([]Status, 0, len(Kinds))
	for _, k := range Kinds {
		st := Status{Kind: k, Periodic: Periodic(k)}
		res, err := r.client.JobList(ctx, river.NewJobListParams().Kinds(k).OrderBy(river.JobListOrderByID, river.SortOrderDesc).First(10))
		if err != nil {
			return nil, err
		}
		for _, j := range res.Jobs {
			if st.NextRun == nil && (j.State == rivertype.JobStateScheduled || j.State == rivertype.JobStateAvailable || j.State == rivertype.JobStateRetryable) {
				at := j.ScheduledAt
				st.NextRun = &at
			}
			if st.LastRun == nil && j.AttemptedAt != nil {
				at := *j.AttemptedAt
				st.LastRun, st.State, st.Attempt = &at, string(j.State), j.Attempt
				if j.FinalizedAt != nil {
					st.Duration = j.FinalizedAt.Sub(at)
				}
				if n := len(j.Errors); n > 0 {
					st.Error = j.Errors[n-1].Error
				}
			}
		}
		if st.NextRun == nil && st.Periodic && r.opt.Interval > 0 && st.LastRun != nil {
			at := st.LastRun.Add(r.opt.Interval)
			st.NextRun = &at
		}
		out = append(out, st)
	}
	return out, nil
}
