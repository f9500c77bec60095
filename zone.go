package collect

import "time"

// China is the time zone the portal's users write dates and times in
// (China Standard Time, UTC+8, no daylight saving); debtors' own zones are
// on their accounts.
var China = time.FixedZone("CST", 8*3600)
