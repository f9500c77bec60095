package allocation

// Band is one delinquency bucket: accounts whose DPD lies in [Min, Max].
// Max 0 means no upper limit.
type Band struct {
	Name string
	Min  int
	Max  int
}

// DefaultBands are the delinquency buckets of DESIGN.md: M1 1-30 ... M6+ over 180.
var DefaultBands = []Band{
	{"M1", 1, 30}, {"M2", 31, 60}, {"M3", 61, 90}, {"M4", 91, 120},
	{"M5", 121, 150}, {"M6", 151, 180}, {"M6+", 181, 0},
}

// BucketNames lists the default bucket names in order.
func BucketNames() []string {
	names := make([]string, len(DefaultBands))
	for i, b := range DefaultBands {
		names[i] = b.Name
	}
	return names
}

// Bucket returns the band name for dpd under bands; "M0" for a current
// account (dpd 0).
func Bucket(dpd int, bands []Band) string {
	for _, b := range bands {
		if dpd >= b.Min && (b.Max == 0 || dpd <= b.Max) {
			return b.Name
		}
	}
	return "M0"
}
