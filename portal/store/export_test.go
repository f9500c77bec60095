package store

// SetAuditCSVChunk sets how many audit events WriteAuditCSV reads per query,
// for tests of the chunking, and returns the function that restores it.
func SetAuditCSVChunk(n int) (restore func()) {
	old := auditCSVChunk
	auditCSVChunk = n
	return func() { auditCSVChunk = old }
}
