package store_test

// The views package sets collect.Render to the English catalogue, so the
// tests read the messages the API and the rejects download carry.
import _ "collect/views"
