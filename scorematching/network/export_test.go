package network

// SetMinChunkRows sets the smallest chunk of rows applyByHand cuts a batch into on the pure Go
// backend (minChunkRows), so that tests see small batches in chunks; it returns the function that
// restores it.
func SetMinChunkRows(n int) (restore func()) {
	old := minChunkRows
	minChunkRows = n
	return func() { minChunkRows = old }
}
