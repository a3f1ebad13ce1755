package livekit

import "strconv"

// HSTSMaxAgeSeconds is how long browsers keep to HTTPS for a signaling
// name after one answer (one year, the usual production value). Every
// signaling edge sends it; subdomains are left out, since the zone is the
// user's, not ours.
const HSTSMaxAgeSeconds = 31536000

// HSTSHeader is the Strict-Transport-Security value every HTTPS signaling
// edge sends (RFC 6797).
var HSTSHeader = "max-age=" + strconv.Itoa(HSTSMaxAgeSeconds)
