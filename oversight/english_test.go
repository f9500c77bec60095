package oversight_test

// The views package sets collect.Render to the English catalogue, so the
// tests read the messages people and the API see.
import _ "collect/views"
