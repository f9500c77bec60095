package demo_test

// The views package sets collect.Render to the English catalogue, as in the
// portal: the demo's breach messages are stored in English.
import _ "collect/views"
