package store

import "time"

// SetImportTxHook has fn told how long each import write transaction held
// the database, and returns the function that removes it.
func SetImportTxHook(fn func(what string, held time.Duration)) (restore func()) {
	importTxHook.Store(&fn)
	return func() { importTxHook.Store(nil) }
}

// SetImportFailHook has fn run at the end of each import write transaction
// (an error rolls it back), and returns the function that removes it.
func SetImportFailHook(fn func(what string) error) (restore func()) {
	importFailHook.Store(&fn)
	return func() { importFailHook.Store(nil) }
}

// SetImportBatchScale divides the import's batch sizes by n, so that a test
// crosses as many batches with n times fewer rows, and returns the function
// that restores them. Serial tests only.
func SetImportBatchScale(n int) (restore func()) {
	old := []int{importStageBatchLite, importStageBatchPG, importApplyBatchLite, importUndoBatchLite, importCleanBatchLite}
	importStageBatchLite, importStageBatchPG, importApplyBatchLite, importUndoBatchLite, importCleanBatchLite =
		old[0]/n, old[1]/n, old[2]/n, old[3]/n, old[4]/n
	return func() {
		importStageBatchLite, importStageBatchPG, importApplyBatchLite, importUndoBatchLite, importCleanBatchLite = old[0], old[1], old[2], old[3], old[4]
	}
}
