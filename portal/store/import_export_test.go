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
